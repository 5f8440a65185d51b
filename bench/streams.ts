/**
 * `npx tsx bench/streams.ts [--chunks 2000]`: per-chunk verdict latency of the live-stream
 * WebSockets against the real server (embedded PGlite + S3, loopback), printed as
 * p50/p95/p99:
 *   - text: one chunk of 12–24 characters at a time, the next sent when its verdict is back
 *     (client round trip, and the server's own `latencyMs` from receipt to send);
 *   - audio: festival speech as PCM s16le 16 kHz in 100 ms messages paced in real time (as a
 *     microphone sends them): the VAD acknowledgement per chunk, and per utterance the time
 *     from the arrival of the audio holding its last word to its verdict (pocketsphinx's
 *     endpointing wait + decoding + text moderation).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import WebSocket from 'ws';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/core/config';
import { openRuntime } from '../src/runtime';
import { streamsWebSocket } from '../src/streams/websocket';
import { createTenant } from '../src/tenants/keys';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const row = (label: string, xs: number[]) =>
  console.log(`| ${label} | ${xs.length} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 95).toFixed(2)} | ${pct(xs, 99).toFixed(2)} |`);

/** Sends one message at a time and waits for the reply that `isReply` picks. */
function rpc(ws: WebSocket, onOther: (m: any) => void = () => {}) {
  let waiting: ((m: any) => void) | undefined;
  let isReply: (m: any) => boolean = () => false;
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (waiting && isReply(m)) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else onOther(m);
  });
  return (data: string | Buffer, reply: (m: any) => boolean) =>
    new Promise<any>((resolve) => {
      isReply = reply;
      waiting = resolve;
      ws.send(data);
    });
}

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

const WORDS = ['the', 'weather', 'is', 'lovely', 'today', '我们', '一起', '去', '公园', 'avatar', 'reads', 'this', 'line', 'c@s', 'ino', '赌', '博', 'please', 'record'];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bench-streams-'));
  const rt = await openRuntime(loadConfig({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' }));
  rt.ctx.log.level = 'silent';
  const { apiKey } = await createTenant(rt.ctx.db, 'bench');
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: createApp(rt.ctx).fetch, hostname: '127.0.0.1', port: 0, websocket: streamsWebSocket() }, () => resolve(s));
  });
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/streams`;
  console.log(`stream verdict latency (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}); rerun: npx tsx bench/streams.ts`);
  console.log('| measure | n | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|');

  // Text: mute keeps the stream open through the planted split words.
  const chunks = arg('chunks', 2000);
  const textWs = await open(`${base}/text?on_block=mute&key=${apiKey}`);
  const send = rpc(textWs);
  const roundTrip: number[] = [];
  const server_: number[] = [];
  for (let i = 0; i < chunks + 200; i++) {
    let chunk = '';
    while (chunk.length < 12 + (i % 13)) chunk += `${WORDS[(i * 7 + chunk.length) % WORDS.length]} `;
    const t0 = performance.now();
    const v = await send(chunk, (m) => m.type === 'verdict');
    // The first 200 warm the JIT and the model.
    if (i >= 200) {
      roundTrip.push(performance.now() - t0);
      server_.push(v.latencyMs);
    }
  }
  textWs.close();
  row('text chunk, client round trip', roundTrip);
  row('text chunk, server receipt → verdict', server_);

  if (spawnSync('text2wave', ['--help']).error) {
    console.log('(audio skipped: festival is not installed)');
  } else {
    const wav = path.join(dir, 'speech.wav');
    execFileSync('text2wave', ['-o', wav, '-F', '16000'], {
      input: 'The weather is lovely today and we are going for a walk in the park. Please read the next sentence slowly and clearly. Thank you for recording your voice with us today.',
    });
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-af', 'apad=pad_dur=1', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], { maxBuffer: 1 << 26 });
    const segments: number[] = [];
    const vadAck: number[] = [];
    for (let round = 0; round < 2; round++) {
      const ws = await open(`${base}/audio?key=${apiKey}`);
      const done = new Promise<void>((resolve) => ws.on('close', () => resolve()));
      const sendAudio = rpc(ws, (m) => {
        if (m.type === 'verdict') segments.push(m.latencyMs);
      });
      const start = performance.now();
      for (let i = 0; i < pcm.length; i += 3200) {
        const due = start + (i / 3200) * 100;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        const t0 = performance.now();
        await sendAudio(pcm.subarray(i, i + 3200), (m) => m.type === 'vad');
        vadAck.push(performance.now() - t0);
      }
      ws.send(JSON.stringify({ type: 'end' }));
      await done;
    }
    row('audio 100 ms chunk → VAD ack, round trip', vadAck);
    row('audio utterance: last word received → verdict', segments);
  }
  await new Promise((r) => server.close(r));
  await rt.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
