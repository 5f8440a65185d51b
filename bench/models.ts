// `npm run bench:models`: onnxruntime-node against nsfwjs on tfjs, measured in one run
// on the same images. Options: --runs N (default 20), --rss N (default 10000);
// env ORT_THREADS (default 2) and ORT_SPINNING=stop (the default: spin during a run, parked
// as soon as it returns), 1 (spin, never parked) or 0 (no spinning).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { samplePhoto, SAMPLE_PHOTOS } from '../models/golden-inputs.js';
import { packageDir } from '../models/recipes/recipe.js';
import { configureInference, createSession } from '../src/inference/sessions.js';
import { classifyImageSafety, safetyPixels } from '../src/inference/safety.js';
import { benchOrtModels } from './models/ort-models.js';
import { benchPortrait, onePortraitJpeg } from './models/portrait.js';
import { benchRss } from './models/rss.js';
import { benchNsfwjs } from './models/tfjs-nsfw.js';
import { fmt, medianMs } from './models/timing.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 20);
const rssCount = arg('rss', 10_000);
const threads = Number(process.env.ORT_THREADS ?? 2);
const spinMode = process.env.ORT_SPINNING ?? 'stop';
const spinning = spinMode === '1' || spinMode === 'stop';
const spin = { spinning, stopSpinningAfterRun: spinMode === 'stop' };
configureInference({ threads, ...spin });

console.log(`# bench:models — ${cpus().length}× ${cpus()[0]?.model}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, onnxruntime-node ${ort.env.versions.node}, ORT_THREADS=${threads} ORT_SPINNING=${spinMode}`);
const images = await Promise.all(SAMPLE_PHOTOS.map(samplePhoto));
console.log(`images: face-api ${SAMPLE_PHOTOS.join(', ')} (${images[0]!.width}x${images[0]!.height} and similar)`);

await benchOrtModels(images, runs, spin);

// Same images, same work: the full-size photo in, nsfwjs's preprocessing and network, probabilities out.
console.log('\n## Image safety end to end on the same photos (full-size RGB in, probabilities out)');
console.log('| runtime | median ms | images/s |\n|---|---|---|');
const ortEndToEnd: Record<number, number> = {};
for (const t of [1, 2]) {
  const s = await createSession('nsfw-mobilenet-v2', { threads: t, ...spin });
  let i = 0;
  ortEndToEnd[t] = await medianMs(async () => {
    const px = new Float32Array(224 * 224 * 3);
    safetyPixels(images[i++ % images.length]!, px);
    await s.run({ image: new ort.Tensor('float32', px, [1, 224, 224, 3]) });
  }, runs);
  console.log(`| ORT ${t} thread(s) | ${fmt(ortEndToEnd[t]!)} | ${(1000 / ortEndToEnd[t]!).toFixed(1)} |`);
  await s.release();
}
await classifyImageSafety(images[0]!);
const portrait = await onePortraitJpeg(readFileSync(join(packageDir('@vladmandic/face-api'), 'demo/sample1.jpg')));
await benchPortrait(portrait, runs);

await benchRss(images, rssCount);

// tfjs last, so the RSS figures above are of an ORT-only process.
const tfjsRows = await benchNsfwjs(images, { wasm: Math.max(5, Math.ceil(runs / 2)), cpu: 3 });
console.log('\n## Ratios (tfjs median / ORT median, end to end, batch 1)');
for (const r of tfjsRows) for (const t of [1, 2]) console.log(`ORT ${t} thread(s) vs tfjs-${r.backend}: ${(r.ms / ortEndToEnd[t]!).toFixed(1)}×`);

