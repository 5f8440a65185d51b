/**
 * Runtime for the learned text classifier (models/text): loads the ONNX file
 * named in models/text/manifest.json, checks its hash and feature spec, and scores
 * texts in windows so long transcripts are not diluted into one average.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { repoModelFile } from '../../inference/index.js';
import { isCategory } from '../taxonomy.js';
import type { Category } from '../taxonomy.js';
import { FEATURE_SPEC, featurizeNormalized } from './features.js';
import type { SparseFeatures } from './features.js';
import type { NormalizedText } from './normalize.js';
import { originalSpan } from './normalize.js';

const ManifestSchema = z.object({
  name: z.string(),
  version: z.string(),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  features: z.object({ version: z.string(), dim: z.number(), maxChars: z.number() }),
  heads: z.array(z.string()),
});

export const DEFAULT_MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models/text/manifest.json');

/** Window length equals the length the model was trained on; windows overlap so no phrase is cut in every window. */
const WINDOW = FEATURE_SPEC.maxChars;
const STRIDE = Math.floor(WINDOW * 0.75);

export interface WindowScore {
  /** Compact-view range of the window. */
  start: number;
  end: number;
  span: { start: number; end: number; text: string };
  scores: Partial<Record<Category, number>>;
}

export interface TextClassifier {
  readonly model: { name: string; version: string };
  readonly heads: readonly Category[];
  /** Scores many texts in few ONNX runs (batch callers amortise the per-run overhead); one list of windows per text. */
  score(texts: readonly NormalizedText[]): Promise<WindowScore[][]>;
  /**
   * The original-text span of the n-gram that pushed `head` up most in this window
   * (for moderators: "why did the model say so"), or null when none pushed it up.
   */
  explain?(n: NormalizedText, window: WindowScore, head: Category): Promise<{ start: number; end: number; text: string } | null>;
}

function windowOf(n: NormalizedText, start: number, end: number): NormalizedText {
  return {
    original: n.original,
    text: n.text.slice(start, end),
    origStart: n.origStart.subarray(start, end),
    origEnd: n.origEnd.subarray(start, end),
    tokenStart: n.tokenStart.subarray(start, end),
    tokenEnd: n.tokenEnd.subarray(start, end),
  };
}

/** Windows per ONNX run: bounds memory for very long inputs while amortising the per-run overhead. */
const MAX_BATCH = 64;

function windowRanges(n: NormalizedText): [number, number][] {
  const ranges: [number, number][] = [];
  for (let s = 0; ; s += STRIDE) {
    ranges.push([s, Math.min(n.text.length, s + WINDOW)]);
    if (s + WINDOW >= n.text.length) break;
  }
  return ranges;
}

/** Rows of sparse features padded to the longest, as the model's [rows, k] inputs. */
function pack(feats: readonly SparseFeatures[]): { indices: Int32Array; values: Float32Array; k: number } {
  const k = Math.max(1, ...feats.map((f) => f.indices.length));
  const indices = new Int32Array(feats.length * k);
  const values = new Float32Array(feats.length * k);
  feats.forEach((f, row) => {
    indices.set(f.indices, row * k);
    values.set(f.values, row * k);
  });
  return { indices, values, k };
}

async function run(session: ort.InferenceSession, { indices, values, k }: { indices: Int32Array; values: Float32Array; k: number }): Promise<Float32Array> {
  const rows = indices.length / k;
  const out = await session.run({
    indices: new ort.Tensor('int32', indices, [rows, k]),
    values: new ort.Tensor('float32', values, [rows, k]),
  });
  const data = out['scores']?.data;
  if (!(data instanceof Float32Array)) throw new Error('text model returned no scores');
  return data;
}

export async function loadTextClassifier(manifestPath = DEFAULT_MANIFEST): Promise<TextClassifier> {
  const manifest = ManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (manifest.features.version !== FEATURE_SPEC.version || manifest.features.dim !== FEATURE_SPEC.dim) {
    throw new Error(`text model ${manifest.version} was trained with features ${manifest.features.version}/${manifest.features.dim}, runtime has ${FEATURE_SPEC.version}/${FEATURE_SPEC.dim}`);
  }
  const heads = manifest.heads.map((h) => {
    if (!isCategory(h)) throw new Error(`text model head ${h} is not a taxonomy category`);
    return h;
  });
  // The shipped model's file honours LIKENESS_MODELS_DIR like every other model; the manifest
  // (and so the hash it must match) always comes from the checkout.
  const file = manifestPath === DEFAULT_MANIFEST ? repoModelFile(path.join('text', manifest.file)) : path.resolve(path.dirname(manifestPath), manifest.file);
  const bytes = await readFile(file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.sha256) throw new Error(`text model file hash ${digest} does not match manifest ${manifest.sha256}`);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const model = { name: manifest.name, version: manifest.version };

  const scoreNow = async (texts: readonly NormalizedText[]): Promise<WindowScore[][]> => {
    const jobs = texts.flatMap((n, t) => windowRanges(n).map(([s, e]) => ({ t, n, s, e })));
    const out: WindowScore[][] = texts.map(() => []);
    for (let b = 0; b < jobs.length; b += MAX_BATCH) {
      const batch = jobs.slice(b, b + MAX_BATCH);
      const feats = batch.map((j) => featurizeNormalized(windowOf(j.n, j.s, j.e)));
      const data = await run(session, pack(feats));
      batch.forEach((j, row) => {
        out[j.t]!.push({
          start: j.s,
          end: j.e,
          span: originalSpan(j.n, j.s, Math.max(j.s + 1, j.e)),
          scores: Object.fromEntries(heads.map((h, i) => [h, data[row * heads.length + i]!])),
        });
      });
    }
    return out;
  };

  // Explanations of many texts share runs too. Each text's features become one row per
  // feature alone plus an empty row for the bias: one run gives every feature's contribution
  // to the logit (the model is linear in its features).
  const contributions = coalesced(async (sets: readonly SparseFeatures[]): Promise<Float32Array[]> => {
    const rows = sets.reduce((n, f) => n + 1 + f.indices.length, 0);
    const indices = new Int32Array(rows);
    const values = new Float32Array(rows);
    let r = 0;
    for (const f of sets) {
      indices.set(f.indices, r + 1);
      values.set(f.values, r + 1);
      r += 1 + f.indices.length;
    }
    const data = await run(session, { indices, values, k: 1 });
    let at = 0;
    return sets.map((f) => data.subarray(at, (at += (1 + f.indices.length) * heads.length)));
  });

  return {
    model,
    heads,
    score: coalesced(scoreNow),

    async explain(n: NormalizedText, window: WindowScore, head: Category) {
      const h = heads.indexOf(head);
      if (h < 0) return null;
      const where = new Map<number, [number, number]>();
      const f = featurizeNormalized(windowOf(n, window.start, window.end), where);
      const data = (await contributions([f]))[0]!;
      const logit = (p: number) => Math.log(Math.max(p, 1e-7) / Math.max(1 - p, 1e-7));
      const bias = logit(data[h]!);
      let best = -1;
      let bestGain = 0;
      for (let k = 0; k < f.indices.length; k++) {
        const gain = logit(data[(k + 1) * heads.length + h]!) - bias;
        if (gain > bestGain) {
          bestGain = gain;
          best = k;
        }
      }
      const range = best >= 0 ? where.get(f.indices[best]!) : undefined;
      return range ? originalSpan(n, window.start + range[0], window.start + range[1]) : null;
    },
  };
}

/**
 * Calls made in the same turn of the event loop share one pass: concurrent pipelines (a JSON
 * Lines batch, several uploads) each score one short text, and one ONNX run over all of them
 * costs about as much as a run over one. A lone caller waits one loop turn. `runNow` returns
 * one output per input, in order.
 */
function coalesced<I, O>(runNow: (inputs: readonly I[]) => Promise<O[]>): (inputs: readonly I[]) => Promise<O[]> {
  let queue: { inputs: readonly I[]; resolve: (r: O[]) => void; reject: (e: unknown) => void }[] = [];
  const flush = async () => {
    const calls = queue;
    queue = [];
    try {
      const all = await runNow(calls.flatMap((c) => c.inputs));
      let at = 0;
      for (const c of calls) {
        c.resolve(all.slice(at, at + c.inputs.length));
        at += c.inputs.length;
      }
    } catch (e) {
      for (const c of calls) c.reject(e);
    }
  };
  return (inputs) =>
    new Promise((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ inputs, resolve, reject });
    });
}
