/**
 * `npm run train:text`: trains the hashed n-gram logistic-regression text
 * classifier on the shared labelled data, calibrates it, and writes
 * models/text/text-ngram-lr.onnx plus models/text/manifest.json.
 *
 * Recipe: multi-label logistic regression, one head per category the data
 * labels, AdaGrad, masked loss (unknown labels contribute nothing), classes
 * balanced per source and head (weights capped at 10), epoch chosen on the "tune" slice,
 * then Platt scaling per head on the same slice (folded into the weights so the
 * ONNX output is the calibrated probability; heads with fewer than 20 tune
 * positives stay uncalibrated and the manifest says so). The dev split is never read here.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_SPEC, featurize } from '../../src/moderation/text/features.js';
import type { SparseFeatures } from '../../src/moderation/text/features.js';
import { HEADS, SOURCES, loadExamples } from './data.js';
import type { Example } from './data.js';
import { exportOnnx } from './export.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const C = HEADS.length;
const D = FEATURE_SPEC.dim;
const HYPER = { learningRate: 0.2, l2: 1e-7, maxEpochs: 8, maxClassWeight: 10, seed: 42 };

interface Row {
  x: SparseFeatures;
  labels: Int8Array;
  source: string;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

class Linear {
  readonly w = new Float32Array(D * C);
  readonly b = new Float64Array(C);
  logits(x: SparseFeatures, out: Float64Array): void {
    for (let h = 0; h < C; h++) out[h] = this.b[h]!;
    for (let k = 0; k < x.indices.length; k++) {
      const base = x.indices[k]! * C;
      const v = x.values[k]!;
      for (let h = 0; h < C; h++) out[h]! += this.w[base + h]! * v;
    }
  }
}

function train(rows: Row[], tune: Row[]): { model: Linear; epoch: number; tuneLoss: number[] } {
  const model = new Linear();
  const gw = new Float32Array(D * C).fill(1e-8);
  const gb = new Float64Array(C).fill(1e-8);
  const weight = classWeights(rows);
  const rand = mulberry32(HYPER.seed);
  const order = rows.map((_, i) => i);
  const z = new Float64Array(C);
  const g = new Float64Array(C);
  let best = { loss: Infinity, epoch: 0, w: model.w.slice(), b: model.b.slice() };
  const tuneLoss: number[] = [];
  for (let epoch = 1; epoch <= HYPER.maxEpochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const idx of order) {
      const r = rows[idx]!;
      model.logits(r.x, z);
      for (let h = 0; h < C; h++) {
        const y = r.labels[h]!;
        g[h] = y < 0 ? 0 : (sigmoid(z[h]!) - y) * weight(r.source, h, y);
        if (g[h] !== 0) {
          gb[h]! += g[h]! * g[h]!;
          model.b[h]! -= (HYPER.learningRate * g[h]!) / Math.sqrt(gb[h]!);
        }
      }
      for (let k = 0; k < r.x.indices.length; k++) {
        const base = r.x.indices[k]! * C;
        const v = r.x.values[k]!;
        for (let h = 0; h < C; h++) {
          if (g[h] === 0) continue;
          const p = base + h;
          const grad = g[h]! * v + HYPER.l2 * model.w[p]!;
          gw[p]! += grad * grad;
          model.w[p]! -= (HYPER.learningRate * grad) / Math.sqrt(gw[p]!);
        }
      }
    }
    const loss = meanLoss(model, tune);
    tuneLoss.push(loss);
    console.log(`epoch ${epoch}: tune mean log-loss ${loss.toFixed(4)}`);
    if (loss < best.loss) best = { loss, epoch, w: model.w.slice(), b: model.b.slice() };
  }
  model.w.set(best.w);
  model.b.set(best.b);
  return { model, epoch: best.epoch, tuneLoss };
}

/**
 * Per source and head, positives and negatives get equal total weight (capped at
 * HYPER.maxClassWeight). Without it, a set that is mostly positive (Davidson: 83%
 * offensive tweets) teaches that ordinary English words signal abuse.
 */
function classWeights(rows: Row[]): (source: string, head: number, y: number) => number {
  const counts = new Map<string, { pos: number; neg: number }>();
  for (const r of rows) {
    for (let h = 0; h < C; h++) {
      const y = r.labels[h]!;
      if (y < 0) continue;
      const key = `${r.source}/${h}`;
      const c = counts.get(key) ?? { pos: 0, neg: 0 };
      if (y === 1) c.pos++;
      else c.neg++;
      counts.set(key, c);
    }
  }
  const table = new Map<string, [number, number]>();
  for (const [key, { pos, neg }] of counts) {
    const total = pos + neg;
    const w = (n: number) => (n > 0 && pos > 0 && neg > 0 ? Math.min(HYPER.maxClassWeight, total / (2 * n)) : 1);
    table.set(key, [w(neg), w(pos)]);
  }
  return (source, head, y) => table.get(`${source}/${head}`)?.[y] ?? 1;
}

/** Mean over heads of the per-head mean log-loss on known labels. */
function meanLoss(model: Linear, rows: Row[]): number {
  const z = new Float64Array(C);
  const sum = new Float64Array(C);
  const n = new Float64Array(C);
  for (const r of rows) {
    model.logits(r.x, z);
    for (let h = 0; h < C; h++) {
      const y = r.labels[h]!;
      if (y < 0) continue;
      const p = Math.min(1 - 1e-7, Math.max(1e-7, sigmoid(z[h]!)));
      sum[h]! -= y === 1 ? Math.log(p) : Math.log(1 - p);
      n[h]!++;
    }
  }
  let total = 0;
  for (let h = 0; h < C; h++) total += n[h]! > 0 ? sum[h]! / n[h]! : 0;
  return total / C;
}

/** Below this many tune positives a fitted scale is noise; the head keeps its raw logistic output. */
const MIN_CALIBRATION_POSITIVES = 20;

function smoothedLoss(zs: number[], ts: number[], a: number, c: number): number {
  let l = 0;
  zs.forEach((z, i) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(a * z + c)));
    l -= ts[i]! * Math.log(p) + (1 - ts[i]!) * Math.log(1 - p);
  });
  return l;
}

/**
 * Platt scaling with Platt's smoothed targets, fitted by damped Newton steps
 * (halved until the loss drops). The slope stays positive: calibration may
 * stretch scores, never invert them.
 */
function platt(zs: number[], ys: number[]): { a: number; c: number; calibrated: boolean } {
  const pos = ys.filter((y) => y === 1).length;
  if (pos < MIN_CALIBRATION_POSITIVES) return { a: 1, c: 0, calibrated: false };
  const neg = ys.length - pos;
  const ts = ys.map((y) => (y === 1 ? (pos + 1) / (pos + 2) : 1 / (neg + 2)));
  let a = 1;
  let c = 0;
  let loss = smoothedLoss(zs, ts, a, c);
  for (let it = 0; it < 100; it++) {
    let ga = 0, gc = 0, haa = 1e-9, hac = 0, hcc = 1e-9;
    zs.forEach((z, i) => {
      const p = sigmoid(a * z + c);
      const d = p - ts[i]!;
      const w = p * (1 - p);
      ga += d * z;
      gc += d;
      haa += w * z * z;
      hac += w * z;
      hcc += w;
    });
    const det = haa * hcc - hac * hac;
    if (Math.abs(det) < 1e-12) break;
    const da = (hcc * ga - hac * gc) / det;
    const dc = (haa * gc - hac * ga) / det;
    let step = 1;
    let improved = false;
    while (step > 1e-6) {
      const na = Math.max(0.05, a - step * da);
      const nc = c - step * dc;
      const nl = smoothedLoss(zs, ts, na, nc);
      if (nl < loss) {
        a = na;
        c = nc;
        loss = nl;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { a, c, calibrated: true };
}

function calibrate(model: Linear, tune: Row[]): { a: number; c: number; calibrated: boolean }[] {
  const z = new Float64Array(C);
  const per = HEADS.map(() => ({ zs: [] as number[], ys: [] as number[] }));
  for (const r of tune) {
    model.logits(r.x, z);
    for (let h = 0; h < C; h++) {
      if (r.labels[h]! < 0) continue;
      per[h]!.zs.push(z[h]!);
      per[h]!.ys.push(r.labels[h]!);
    }
  }
  const params = per.map(({ zs, ys }) => platt(zs, ys));
  // Fold a·z + c into the weights so the exported graph stays a plain linear model.
  params.forEach(({ a, c }, h) => {
    for (let f = 0; f < D; f++) model.w[f * C + h]! *= a;
    model.b[h] = a * model.b[h]! + c;
  });
  return params;
}

function main(): void {
  const loaded = loadExamples();
  if ('missing' in loaded) {
    console.log(`train:text skipped: ${loaded.missing}`);
    return;
  }
  const started = Date.now();
  const toRow = (e: Example): Row => ({ x: featurize(e.text), labels: e.labels, source: e.source });
  const trainRows = loaded.examples.filter((e) => e.split === 'train').map(toRow);
  const tuneRows = loaded.examples.filter((e) => e.split === 'tune').map(toRow);
  console.log(`featurised ${trainRows.length} train + ${tuneRows.length} tune rows in ${Date.now() - started} ms`);
  const { model, epoch, tuneLoss } = train(trainRows, tuneRows);
  const platts = calibrate(model, tuneRows);
  console.log(`kept epoch ${epoch}; calibrated tune log-loss ${meanLoss(model, tuneRows).toFixed(4)}`);

  const onnx = exportOnnx(model.w, Float32Array.from(model.b), HEADS);
  const file = 'text-ngram-lr.onnx';
  writeFileSync(path.join(HERE, file), onnx);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  const counts: Record<string, number> = {};
  for (const e of loaded.examples) counts[`${e.source}/${e.split}`] = (counts[`${e.source}/${e.split}`] ?? 0) + 1;
  const manifest = {
    name: 'text-ngram-lr',
    version: `1.0.0+${sha256.slice(0, 12)}`,
    file,
    sha256,
    licence: 'Apache-2.0 (weights trained here; see training.data for the licences of the data they were learned from)',
    features: FEATURE_SPEC,
    heads: HEADS,
    inputs: { indices: 'int32 [batch, k] hashed feature ids (pad with 0)', values: 'float32 [batch, k] feature values (pad with 0)' },
    outputs: { scores: 'float32 [batch, heads] calibrated probabilities' },
    training: {
      command: 'npm run train:text',
      recipe: HYPER,
      keptEpoch: epoch,
      tuneLogLossPerEpoch: tuneLoss.map((l) => Number(l.toFixed(4))),
      platt: Object.fromEntries(platts.map((p, h) => [HEADS[h], { a: Number(p.a.toFixed(4)), c: Number(p.c.toFixed(4)), calibrated: p.calibrated }])),
      data: SOURCES,
      rows: counts,
      note: 'Split rules and label rules in models/text/data.ts; dev rows are never read by training.',
    },
  };
  writeFileSync(path.join(HERE, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote models/text/${file} (${onnx.length} bytes, sha256 ${sha256.slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
