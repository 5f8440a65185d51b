import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../support/harness';
import { ADVERT, BENIGN, festivalMissing, pcmOf, pocketsphinxMissing, say } from '../speech/festival';
import { connect } from './client';

const missing = festivalMissing ?? pocketsphinxMissing;
/** 100 ms of PCM s16le at 16 kHz per message, as a live client would send. */
const CHUNK = 3200;

function sendPcm(ws: { send(b: Buffer): void }, pcm: Buffer) {
  for (let i = 0; i < pcm.length; i += CHUNK) ws.send(pcm.subarray(i, i + CHUNK));
}

describe.skipIf(missing)(`live audio streams over WebSocket${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let svc: Service;
  let wsUrl: string;
  let advert: Buffer;
  let benign: Buffer;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
    wsUrl = svc.baseUrl.replace('http', 'ws');
    advert = pcmOf(say(ADVERT), 1);
    benign = pcmOf(say(BENIGN), 1);
  });
  afterAll(async () => svc?.close());

  it('a spoken gambling advert is blocked with a time range in stream time, and the stream is closed', async () => {
    const c = connect(`${wsUrl}/v1/streams/audio?key=${svc.keyA}`);
    await c.opened;
    expect(await c.next((m) => m.type === 'ready')).toMatchObject({ stream: 'audio', language: 'en', asr: { name: 'pocketsphinx-en-us' } });
    sendPcm(c.ws, advert);
    const vad = await c.next((m) => m.type === 'vad' && m.speech);
    expect(vad.positionMs).toBeGreaterThan(0);
    const v = await c.next((m) => m.type === 'verdict' && m.decision === 'block', 60_000);
    expect(v.action).toBe('close');
    expect(v.transcript).toMatch(/casino/);
    const ev = v.evidence.find((e: any) => e.category === 'gambling' && e.timeRangeMs);
    // "online casino" is said about 1–2 s into the stream
    expect(ev.timeRangeMs[0]).toBeGreaterThanOrEqual(500);
    expect(ev.timeRangeMs[1]).toBeLessThanOrEqual(3000);
    const closed = await c.closed;
    expect(closed.code).toBe(4001);
    expect(closed.reason).toMatch(/gambling/);
  });

  it('benign speech passes segment by segment; {"type":"end"} flushes the last segment and closes normally', async () => {
    const c = connect(`${wsUrl}/v1/streams/audio`, { headers: { authorization: `Bearer ${svc.keyA}` } });
    await c.opened;
    sendPcm(c.ws, benign);
    c.ws.send(JSON.stringify({ type: 'end' }));
    const v = await c.next((m) => m.type === 'verdict', 60_000);
    expect(v).toMatchObject({ decision: 'pass', action: 'none' });
    expect(v.transcript).toMatch(/weather|park/);
    await c.next((m) => m.type === 'end', 60_000);
    expect((await c.closed).code).toBe(1000);
    const vads = c.messages.filter((m) => m.type === 'vad');
    expect(vads.length).toBe(Math.ceil(benign.length / CHUNK));
  });

  it('Opus in WebM (as MediaRecorder sends it), cut into arbitrary pieces, is decoded and moderated the same way', async () => {
    const webm = execFileSync('ffmpeg', ['-v', 'error', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '24k', '-f', 'webm', 'pipe:1'], { input: advert });
    const c = connect(`${wsUrl}/v1/streams/audio?format=webm&key=${svc.keyA}`);
    await c.opened;
    for (let i = 0; i < webm.length; i += 1000) c.ws.send(webm.subarray(i, i + 1000));
    c.ws.send(JSON.stringify({ type: 'end' }));
    const v = await c.next((m) => m.type === 'verdict' && m.decision === 'block', 60_000);
    expect(v.evidence.some((e: any) => e.category === 'gambling' && e.timeRangeMs)).toBe(true);
    expect((await c.closed).code).toBe(4001);
  });

  it('bytes that are not the declared container close the stream with 1007 at the end', async () => {
    const c = connect(`${wsUrl}/v1/streams/audio?format=ogg&key=${svc.keyA}`);
    await c.opened;
    c.ws.send(Buffer.from('this is not an ogg stream at all'.repeat(100)));
    c.ws.send(JSON.stringify({ type: 'end' }));
    expect((await c.closed).code).toBe(1007);
    expect(c.messages.some((m) => m.type === 'verdict')).toBe(false);
  });

  it('a recogniser that cannot start gives review (asr_unavailable), never pass', async () => {
    process.env.POCKETSPHINX_PATH = '/nonexistent/pocketsphinx_continuous';
    try {
      const c = connect(`${wsUrl}/v1/streams/audio?key=${svc.keyA}`);
      await c.opened;
      sendPcm(c.ws, benign);
      c.ws.send(JSON.stringify({ type: 'end' }));
      const v = await c.next((m) => m.type === 'verdict', 30_000);
      expect(v).toMatchObject({ decision: 'review', reasons: ['asr_unavailable'] });
      expect(c.messages.filter((m) => m.type === 'verdict').every((m) => m.decision !== 'pass')).toBe(true);
      expect((await c.closed).code).toBe(1000);
    } finally {
      delete process.env.POCKETSPHINX_PATH;
    }
  });

  it('speech in a language without a recogniser gets review (asr_unavailable) per segment, never pass', async () => {
    const c = connect(`${wsUrl}/v1/streams/audio?language=zh&key=${svc.keyA}`);
    await c.opened;
    expect(await c.next((m) => m.type === 'ready')).toMatchObject({ language: 'zh', asr: null });
    sendPcm(c.ws, benign);
    c.ws.send(JSON.stringify({ type: 'end' }));
    const v = await c.next((m) => m.type === 'verdict', 30_000);
    expect(v).toMatchObject({ decision: 'review', reasons: ['asr_unavailable'] });
    expect((await c.closed).code).toBe(1000);
  });
});
