// `npm run calibrate:faces [-- --data DIR]`: same/different-person score distributions of the
// face embedding models on DIR (any folder of `<identity>/<photo>`; default
// ../shared/data/faces-dev, or $LIKENESS_SHARED_DATA/faces-dev), the threshold fitted there and
// FAR/FRR at it, FAR/FRR at the threshold the code ships (the figure that matters for data the
// threshold was not fitted on) with faceres's review band, overall and within each photo source
// (the identity's name up to its first `_`), and an impostor check on the face-api demo
// collages (different people within one photo).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FACE_REVIEW_BAND } from '../src/consent/face-rules.js';
import { FACE_MATCH_THRESHOLD } from '../src/inference/face-analysis.js';
import { alignedCrop128, boxCrop128, CHIP_KEYPOINTS, DESCRIPTOR_128_MATCH_THRESHOLD } from '../src/inference/face-descriptor-128.js';
import { faceRegion, type DetectedFace } from '../src/inference/faces.js';
import { resample, type RgbImage } from '../src/inference/image.js';
import { detectFaces, toRgb } from '../src/inference/portrait.js';
import { createSession } from '../src/inference/sessions.js';
import { SAMPLE_PHOTOS, samplePhoto } from './golden-inputs.js';
import { REPO_ROOT } from './recipes/recipe.js';

interface Embedder {
  label: string; model: string; size: number; output: string; crop: (img: RgbImage, face: DetectedFace) => Float32Array;
  /** The threshold the code ships for this embedder, when it has one. */
  shipped?: number;
}

/** human's crop: the detector box enlarged 1.4x, cropAndResize-style sampling, values * scale. */
const humanCrop = (size: number, scale: number) => (img: RgbImage, face: DetectedFace) => {
  const input = new Float32Array(size * size * 3);
  resample(img, faceRegion(face), size, size, { alignCorners: true, scale, offset: 0 }, input);
  return input;
};

// faceres and mobilefacenet crop the detector box enlarged 1.4x (as human does); tighter crops
// measured worse for faceres (EER 3.7% at 1.0 and 1.2 vs 3.5%) and did not rescue mobilefacenet
// (EER ~40% at any scale). face-api's recogniser is measured on box crops of several margins
// and on a keypoint similarity alignment onto dlib's chip geometry (face-descriptor-128.ts).
const EMBEDDERS: Embedder[] = [
  { label: 'faceres', model: 'faceres', size: 224, output: 'descriptor', crop: humanCrop(224, 1), shipped: FACE_MATCH_THRESHOLD },
  { label: 'mobilefacenet', model: 'mobilefacenet', size: 112, output: 'embedding', crop: humanCrop(112, 1 / 255) },
  ...[1.0, 1.1, 1.2, 1.4].map((f) => ({ label: `face-api box x${f.toFixed(1)}`, model: 'face-api-recognition', size: 150, output: 'descriptor', crop: (img: RgbImage, face: DetectedFace) => boxCrop128(img, face, f) })),
  { label: 'face-api aligned', model: 'face-api-recognition', size: 150, output: 'descriptor', crop: (img: RgbImage, face: DetectedFace) => alignedCrop128(img, face), shipped: DESCRIPTOR_128_MATCH_THRESHOLD },
];
/** Target false-accept rate for the operating point. */
const TARGET_FAR = 0.001;

interface Sample { identity: string; source: string; file: string; vectors: Map<string, Float32Array> }
interface Pair { same: boolean; source: string | null; score: number }

const dataArg = process.argv.indexOf('--data');
const dir = dataArg > 0 && process.argv[dataArg + 1]
  ? resolve(process.argv[dataArg + 1]!)
  : join(process.env.LIKENESS_SHARED_DATA ?? join(REPO_ROOT, '../shared/data'), 'faces-dev');
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} not found (pass --data DIR, or set LIKENESS_SHARED_DATA to the folder holding faces-dev/)`);
  process.exit(0);
}
const PHOTO = /\.(jpe?g|png|webp)$/i;

const sessions = new Map(await Promise.all([...new Set(EMBEDDERS.map((e) => e.model))].map(async (m) => [m, await createSession(m, {})] as const)));
const samples: Sample[] = [];
/** BlazeFace keypoints on the dlib chips (all 150x150): the check on CHIP_KEYPOINTS. */
const chipKeypoints: DetectedFace['keypoints'][] = [];
let undetected = 0;
for (const identity of readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort()) {
  for (const file of readdirSync(join(dir, identity)).filter((f) => PHOTO.test(f)).sort()) {
    const img = await toRgb(readFileSync(join(dir, identity, file)));
    const [face] = await detectFaces(img, { maxFaces: 1 });
    if (!face) { undetected++; continue; }
    const vectors = new Map<string, Float32Array>();
    for (const e of EMBEDDERS) vectors.set(e.label, await embed(e, e.crop(img, face)));
    samples.push({ identity, source: identity.split('_')[0]!, file, vectors });
    if (identity.startsWith('dlibjohns') && img.width === 150 && img.height === 150) chipKeypoints.push(face.keypoints);
  }
}

/**
 * An impostor check outside faces-dev: face-api's demo photos are collages of different young
 * women (a group faces-dev barely has). Faces within one photo are taken as different people
 * (checked by eye); across photos identities are unknown, so those pairs are not used.
 */
const collages: { photo: number; vectors: Map<string, Float32Array> }[] = [];
for (const path of SAMPLE_PHOTOS) {
  const img = await samplePhoto(path);
  for (const face of await detectFaces(img)) {
    const vectors = new Map<string, Float32Array>();
    for (const e of EMBEDDERS) vectors.set(e.label, await embed(e, e.crop(img, face)));
    collages.push({ photo: SAMPLE_PHOTOS.indexOf(path), vectors });
  }
}

async function embed(e: Embedder, input: Float32Array): Promise<Float32Array> {
  const out = await sessions.get(e.model)!.run({ input: new ort.Tensor('float32', input, [1, e.size, e.size, 3]) });
  const v = out[e.output]!.data as Float32Array;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

console.log(`${dir}: ${samples.length} photos with a detected face (${undetected} without), ${new Set(samples.map((s) => s.identity)).size} identities`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`BlazeFace keypoints on ${chipKeypoints.length} dlib chips, median (CHIP_KEYPOINTS): ${CHIP_KEYPOINTS.map((_, k) => `(${median(chipKeypoints.map((p) => p[k]!.x)).toFixed(1)}, ${median(chipKeypoints.map((p) => p[k]!.y)).toFixed(1)})`).join(' ')}`);
const summary: string[] = [];
for (const e of EMBEDDERS) {
  const pairs: Pair[] = [];
  for (let i = 0; i < samples.length; i++)
    for (let j = i + 1; j < samples.length; j++) {
      const a = samples[i]!, b = samples[j]!;
      pairs.push({ same: a.identity === b.identity, source: a.source === b.source ? a.source : null, score: cosine(a.vectors.get(e.label)!, b.vectors.get(e.label)!) });
    }
  const { row, threshold } = report(e, pairs);
  const within: number[] = [];
  for (let i = 0; i < collages.length; i++)
    for (let j = i + 1; j < collages.length; j++)
      if (collages[i]!.photo === collages[j]!.photo) within.push(cosine(collages[i]!.vectors.get(e.label)!, collages[j]!.vectors.get(e.label)!));
  const accepted = within.filter((x) => x >= threshold).length;
  console.log(`face-api demo collages: ${accepted} of ${within.length} within-photo (different-person) pairs at or above the threshold; median ${median(within).toFixed(3)}, max ${Math.max(...within).toFixed(3)}`);
  summary.push(`${row} ${accepted}/${within.length} (max ${Math.max(...within).toFixed(3)}) |`);
}
console.log('\n## summary\n| model | EER | threshold fitted here (FAR ≤ 0.1%) | FRR there | shipped threshold | FAR / FRR there | collage impostors ≥ fitted threshold |\n|---|---|---|---|---|---|---|');
for (const row of summary) console.log(row);

/** Prints the model's section; returns its operating threshold and summary row. */
function report(e: Embedder, pairs: Pair[]): { row: string; threshold: number } {
  const model = e.label;
  const genuine = pairs.filter((p) => p.same).map((p) => p.score).sort((a, b) => a - b);
  const impostor = pairs.filter((p) => !p.same).map((p) => p.score).sort((a, b) => a - b);
  const rates = (t: number, ps: Pair[]) => {
    const g = ps.filter((p) => p.same), im = ps.filter((p) => !p.same);
    return { far: im.filter((p) => p.score >= t).length / Math.max(1, im.length), frr: g.filter((p) => p.score < t).length / Math.max(1, g.length), g: g.length, i: im.length };
  };
  // Operating threshold: the lowest score whose overall FAR is at most TARGET_FAR.
  const threshold = impostor[Math.min(impostor.length - 1, Math.ceil(impostor.length * (1 - TARGET_FAR)))]! + 1e-6;
  const eer = equalErrorRate(pairs);
  const q = (xs: number[], f: number) => xs[Math.floor(f * (xs.length - 1))]!.toFixed(3);
  console.log(`\n## ${model}`);
  console.log(`genuine pairs ${genuine.length}: min ${q(genuine, 0)} p05 ${q(genuine, 0.05)} median ${q(genuine, 0.5)} max ${q(genuine, 1)}`);
  console.log(`impostor pairs ${impostor.length}: min ${q(impostor, 0)} median ${q(impostor, 0.5)} p99 ${q(impostor, 0.99)} p99.9 ${q(impostor, 0.999)} max ${q(impostor, 1)}`);
  console.log(`equal error rate ${pct(eer.rate)} at cosine ${eer.threshold.toFixed(3)}`);
  console.log(`operating threshold (FAR ≤ ${pct(TARGET_FAR)} overall): cosine ≥ ${threshold.toFixed(3)}`);
  const sources = [...new Set(pairs.map((p) => p.source).filter((x): x is string => x !== null))].sort();
  const groups: [string, Pair[]][] = [['all', pairs], ['cross-source impostors excluded', pairs.filter((p) => p.source !== null)], ...(sources.length > 1 ? sources : []).map((s) => [`within ${s}`, pairs.filter((p) => p.source === s)] as [string, Pair[]])];
  const table = (t: number) => {
    console.log('| pairs | genuine | impostor | FAR | FRR |\n|---|---|---|---|---|');
    for (const [label, ps] of groups) {
      const r = rates(t, ps);
      console.log(`| ${label} | ${r.g} | ${r.i} | ${pct(r.far)} | ${pct(r.frr)} |`);
    }
  };
  table(threshold);
  let shipped = '— | — |';
  if (e.shipped !== undefined) {
    console.log(`at the shipped threshold, cosine ≥ ${e.shipped}:`);
    table(e.shipped);
    const r = rates(e.shipped, pairs);
    shipped = `${e.shipped} | ${pct(r.far)} / ${pct(r.frr)} |`;
    if (e.model === 'faceres') {
      // The consent match sends scores within the band to a person (src/consent/face-rules.ts).
      const lo = e.shipped - FACE_REVIEW_BAND, hi = e.shipped + FACE_REVIEW_BAND;
      const side = (xs: number[]) => `${xs.filter((x) => x < lo).length} rejected, ${xs.filter((x) => x >= lo && x < hi).length} to review, ${xs.filter((x) => x >= hi).length} accepted`;
      console.log(`review band [${lo.toFixed(3)}, ${hi.toFixed(3)}): genuine ${side(genuine)}; impostor ${side(impostor)}`);
    }
  }
  return { threshold, row: `| ${model} | ${pct(eer.rate)} | ${threshold.toFixed(3)} | ${pct(rates(threshold, pairs).frr)} | ${shipped}` };
}

function equalErrorRate(pairs: Pair[]): { rate: number; threshold: number } {
  let best = { rate: 1, threshold: 0, gap: Infinity };
  const g = pairs.filter((p) => p.same), im = pairs.filter((p) => !p.same);
  for (const t of [...new Set(pairs.map((p) => p.score))].sort((a, b) => a - b)) {
    const far = im.filter((p) => p.score >= t).length / im.length;
    const frr = g.filter((p) => p.score < t).length / g.length;
    if (Math.abs(far - frr) < best.gap) best = { rate: (far + frr) / 2, threshold: t, gap: Math.abs(far - frr) };
  }
  return best;
}
