/**
 * `npm run bench:text`: per-call latency (p50/p99) and throughput of the text
 * moderator on texts built here (no dataset rows): short streaming windows and
 * longer paragraphs, Chinese and English, with and without evasion.
 */
import { cpus, loadavg } from 'node:os';
import { defaultTextModerator } from '../src/moderation/text/moderator.js';
import { TextStream } from '../src/moderation/text/stream.js';

const zh = ['今天我们一起去公园散步', '数字人可以朗读这段文字', '线上赌场注册送88元', '请在安静的房间里录制', '这个视频的画质很好'];
const en = ['please read the sentence on screen', 'best c@sino bonus tonight', 'the weather is nice today', 'call now to claim your prize', 'my avatar speaks two languages'];

function sample(seed: number, chars: number): string {
  let s = '';
  let i = seed;
  while (s.length < chars) {
    const pool = i % 2 === 0 ? zh : en;
    s += `${pool[(i * 7) % pool.length]} `;
    i++;
  }
  return s.slice(0, chars);
}

function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const mod = await defaultTextModerator();
  if (!mod.model) console.log('WARNING: text model unavailable, measuring lexicons only');
  // The machine is shared: the load average says how much the numbers were disturbed.
  console.log(`text moderator bench (node ${process.version}, model ${mod.model?.version ?? 'none'}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)})`);
  console.log('| input | calls | p50 ms | p99 ms | throughput |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, chars, calls] of [
    ['streaming window, 64 chars', 64, 5000],
    ['sentence, 200 chars', 200, 3000],
    ['paragraph, 2000 chars', 2000, 500],
  ] as const) {
    const texts = Array.from({ length: 200 }, (_, i) => sample(i, chars));
    for (let i = 0; i < 300; i++) await mod.moderate(texts[i % texts.length]!);
    const times: number[] = [];
    let bytes = 0;
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      const t = texts[i % texts.length]!;
      const t0 = performance.now();
      await mod.moderate(t);
      times.push(performance.now() - t0);
      bytes += Buffer.byteLength(t);
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(`| ${label} | ${calls} | ${pct(times, 50).toFixed(3)} | ${pct(times, 99).toFixed(3)} | ${(bytes / seconds / 1e6).toFixed(2)} MB/s, ${(calls / seconds).toFixed(0)} calls/s |`);
  }
  // Live text: 16-character chunks through the sliding window (chunk + 64-character tail).
  const stream = new TextStream(mod);
  const feed = sample(7, 16 * 3300);
  const chunkTimes: number[] = [];
  for (let i = 0; i < feed.length; i += 16) {
    const t0 = performance.now();
    await stream.push(feed.slice(i, i + 16));
    if (i >= 16 * 300) chunkTimes.push(performance.now() - t0);
  }
  console.log(`| stream chunk, 16 chars (TextStream) | ${chunkTimes.length} | ${pct(chunkTimes, 50).toFixed(3)} | ${pct(chunkTimes, 99).toFixed(3)} | – |`);

  // The batch path used for JSON Lines backfills: many texts per classifier run.
  const batch = Array.from({ length: 256 }, (_, i) => sample(i, 200));
  await mod.moderateMany(batch);
  const rounds = 12;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await mod.moderateMany(batch);
  const seconds = (performance.now() - t0) / 1000;
  const mb = (rounds * batch.reduce((sum, t) => sum + Buffer.byteLength(t), 0)) / 1e6;
  console.log(`| batch of 256 × 200 chars (moderateMany) | ${rounds * batch.length} | – | – | ${(mb / seconds).toFixed(2)} MB/s, ${((rounds * batch.length) / seconds).toFixed(0)} texts/s |`);
  console.log('rerun: npm run bench:text');
}

await main();
