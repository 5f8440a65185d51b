// `npm run calibrate:faces`: same/different-person score distributions of the face
// embedding models on ../shared/data/faces-dev (or $LIKENESS_SHARED_DATA/faces-dev),
// the operating threshold, and FAR/FRR overall and within each photo source.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { faceRegion } from '../src/inference/faces.js';
import { resample, type RgbImage } from '../src/inference/image.js';
import { detectFaces, toRgb } from '../src/inference/portrait.js';
import { createSession } from '../src/inference/sessions.js';
import { REPO_ROOT } from './recipes/recipe.js';

interface Embedder { label: string; model: string; size: number; scale: number; output: string }
// Both crop the detector box enlarged 1.4x (as human does); tighter crops measured worse for
// faceres (EER 3.7% at 1.0 and 1.2 vs 3.5%) and did not rescue mobilefacenet (EER ~40% at any scale).
const EMBEDDERS: Embedder[] = [
  { label: 'faceres', model: 'faceres', size: 224, scale: 1, output: 'descriptor' },
  { label: 'mobilefacenet', model: 'mobilefacenet', size: 112, scale: 1 / 255, output: 'embedding' },
];
/** Target false-accept rate for the operating point. */
const TARGET_FAR = 0.001;

interface Sample { identity: string; source: string; file: string; vectors: Map<string, Float32Array> }
interface Pair { same: boolean; source: string | null; score: number }

const dataRoot = process.env.LIKENESS_SHARED_DATA ?? join(REPO_ROOT, '../shared/data');
const dir = join(dataRoot, 'faces-dev');
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} not found (set LIKENESS_SHARED_DATA to the folder holding faces-dev/)`);
  process.exit(0);
}

const sessions = new Map(await Promise.all([...new Set(EMBEDDERS.map((e) => e.model))].map(async (m) => [m, await createSession(m, {})] as const)));
const samples: Sample[] = [];
let undetected = 0;
for (const identity of readdirSync(dir).filter((d) => !d.includes('.')).sort()) {
  for (const file of readdirSync(join(dir, identity)).sort()) {
    const img = await toRgb(readFileSync(join(dir, identity, file)));
    const [face] = await detectFaces(img, { maxFaces: 1 });
    if (!face) { undetected++; continue; }
    const vectors = new Map<string, Float32Array>();
    for (const e of EMBEDDERS) vectors.set(e.label, await embed(e, img, faceRegion(face)));
    samples.push({ identity, source: identity.split('_')[0]!, file, vectors });
  }
}

async function embed(e: Embedder, img: RgbImage, region: ReturnType<typeof faceRegion>): Promise<Float32Array> {
  const input = new Float32Array(e.size * e.size * 3);
  resample(img, region, e.size, e.size, { alignCorners: true, scale: e.scale, offset: 0 }, input);
  const out = await sessions.get(e.model)!.run({ input: new ort.Tensor('float32', input, [1, e.size, e.size, 3]) });
  const v = out[e.output]!.data as Float32Array;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

console.log(`faces-dev: ${samples.length} photos with a detected face (${undetected} without), ${new Set(samples.map((s) => s.identity)).size} identities`);
for (const e of EMBEDDERS) {
  const pairs: Pair[] = [];
  for (let i = 0; i < samples.length; i++)
    for (let j = i + 1; j < samples.length; j++) {
      const a = samples[i]!, b = samples[j]!;
      pairs.push({ same: a.identity === b.identity, source: a.source === b.source ? a.source : null, score: cosine(a.vectors.get(e.label)!, b.vectors.get(e.label)!) });
    }
  report(e.label, pairs);
}

function report(model: string, pairs: Pair[]): void {
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
  console.log('| pairs | genuine | impostor | FAR | FRR |\n|---|---|---|---|---|');
  const groups: [string, Pair[]][] = [['all', pairs], ['cross-source impostors excluded', pairs.filter((p) => p.source !== null)], ...['deepface', 'dlibjohns', 'lfw'].map((s) => [`within ${s}`, pairs.filter((p) => p.source === s)] as [string, Pair[]])];
  for (const [label, ps] of groups) {
    const r = rates(threshold, ps);
    console.log(`| ${label} | ${r.g} | ${r.i} | ${pct(r.far)} | ${pct(r.frr)} |`);
  }
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
