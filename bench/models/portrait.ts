// The full portrait pass (decode, detect, embed, antispoof, age, safety) on a 1-MP JPEG:
// the shipped pass on two worker threads next to the same models one after another in this
// thread (two intra-op threads each by default), alternated run by run.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { antispoofIn, embedFaceIn, estimateAgeIn } from '../../src/inference/face-analysis.js';
import { detectFacesInImage } from '../../src/inference/faces.js';
import { decodeImage } from '../../src/inference/image.js';
import { closeModelWorkers } from '../../src/inference/model-workers.js';
import { analyzePortrait } from '../../src/inference/portrait-pass.js';
import { classifyImageSafety } from '../../src/inference/safety.js';
import { fmt, medianMs } from './timing.js';

/** An 866x1155 (1.0 MP) portrait-orientation JPEG holding one face, cut from face-api's sample1.jpg. */
export async function onePortraitJpeg(sample1: Uint8Array): Promise<Uint8Array> {
  return sharp(sample1).extract({ left: 1054, top: 60, width: 866, height: 1155 }).jpeg({ quality: 90 }).toBuffer();
}

/** The pass before the workers: every model in the calling thread, one after another. */
async function inThread(jpeg: Uint8Array): Promise<unknown> {
  const img = await decodeImage(jpeg);
  const safety = await classifyImageSafety(img);
  const faces = [];
  for (const f of await detectFacesInImage(img, { maxFaces: 5 })) {
    faces.push({ embedding: await embedFaceIn(img, f), spoof: await antispoofIn(img, f), age: await estimateAgeIn(img, f, { bands: false }) });
  }
  return { safety, faces };
}

/** Medians of `a` and `b` run alternately, so both see the same moments of a noisy machine. */
async function alternate(a: () => Promise<unknown>, b: () => Promise<unknown>, runs: number): Promise<[number, number]> {
  for (let i = 0; i < 3; i++) { await a(); await b(); }
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const t = performance.now();
      await fn();
      times[k]!.push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

/** Event-loop delay while `fn` runs `runs` times back to back. */
async function loopDelay(fn: () => Promise<unknown>, runs: number): Promise<string> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let i = 0; i < runs; i++) await fn();
  h.disable();
  return `p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`;
}

export async function benchPortrait(jpeg: Uint8Array, runs: number): Promise<number> {
  const img = await decodeImage(jpeg);
  const [face] = await detectFacesInImage(img);
  if (!face) throw new Error('bench portrait has no detectable face');
  const first = await analyzePortrait(jpeg);
  console.log(`\n## Full portrait pass, ${img.width}x${img.height} JPEG (${(jpeg.length / 1024).toFixed(0)} KiB), ${first.faces.length} face(s); median of ${runs}`);
  const stages: [string, () => Promise<unknown>][] = [
    ['decode (sharp)', () => decodeImage(jpeg)],
    ['safety (resize + nsfw)', () => classifyImageSafety(img)],
    ['detect (letterbox + blazeface + NMS)', () => detectFacesInImage(img)],
    ['embed (faceres)', () => embedFaceIn(img, face)],
    ['antispoof + liveness', () => antispoofIn(img, face)],
    ['age (SSR-Net)', () => estimateAgeIn(img, face, { bands: false })],
  ];
  console.log('Each model alone, in this thread:\n\n| stage | median ms |\n|---|---|');
  for (const [label, fn] of stages) console.log(`| ${label} | ${fmt(await medianMs(fn, runs))} |`);
  const pass = () => analyzePortrait(jpeg);
  const sequential = () => inThread(jpeg);
  const [workersMs, sequentialMs] = await alternate(pass, sequential, runs);
  const [workersLag, sequentialLag] = [await loopDelay(pass, runs), await loopDelay(sequential, runs)];
  console.log('\nThe whole pass, the two ways alternated run by run (event-loop delay measured after, each way on its own):\n');
  console.log('| pass | median ms | event-loop delay meanwhile |\n|---|---|---|');
  console.log(`| **analyzePortrait (two worker threads)** | **${fmt(workersMs)}** | ${workersLag} |`);
  console.log(`| the same models one after another in this thread | ${fmt(sequentialMs)} | ${sequentialLag} |`);
  console.log(`workers / in-thread: ${(workersMs / sequentialMs).toFixed(2)}`);
  await closeModelWorkers();
  return workersMs;
}
