// The full portrait pass (decode, detect, embed, antispoof, age, safety) on a 1-MP JPEG.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { antispoofIn, embedFaceIn, estimateAgeIn } from '../../src/inference/face-analysis.js';
import { detectFacesInImage } from '../../src/inference/faces.js';
import { decodeImage } from '../../src/inference/image.js';
import { analyzePortrait } from '../../src/inference/portrait.js';
import { classifyImageSafety } from '../../src/inference/safety.js';
import { fmt, medianMs } from './timing.js';

/** An 866x1155 (1.0 MP) portrait-orientation JPEG holding one face, cut from face-api's sample1.jpg. */
export async function onePortraitJpeg(sample1: Uint8Array): Promise<Uint8Array> {
  return sharp(sample1).extract({ left: 1054, top: 60, width: 866, height: 1155 }).jpeg({ quality: 90 }).toBuffer();
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
  console.log('| stage | median ms |\n|---|---|');
  for (const [label, fn] of stages) console.log(`| ${label} | ${fmt(await medianMs(fn, runs))} |`);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const total = await medianMs(() => analyzePortrait(jpeg), runs);
  lag.disable();
  console.log(`| **analyzePortrait, end to end** | **${fmt(total)}** |`);
  // ORT runs on its own threads; only decoding glue and the JS resampling touch the event loop.
  console.log(`event-loop delay during those runs: p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`);
  return total;
}
