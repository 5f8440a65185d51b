/**
 * Hashed features for the text classifier. Training (models/text/train.ts) and the
 * runtime use this one function, so the ONNX model and its inputs cannot drift;
 * FEATURE_SPEC is recorded in the model manifest and checked at load time.
 *
 * Features come from the normalised compact view, so the classifier sees the same
 * de-obfuscated text as the lexicons.
 */
import { BOUNDARY, normalizeText } from './normalize.js';
import type { NormalizedText } from './normalize.js';

export const FEATURE_SPEC = { version: 'ngram-v5', dim: 1 << 18, maxChars: 512, minNormFeatures: 16 } as const;

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over s[from, to), continuing from state h: hashing a prefix then a slice equals hashing their concatenation. */
function fnv(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

const PREFIX = {
  c: [0, fnv(FNV_OFFSET, 'c1:'), fnv(FNV_OFFSET, 'c2:'), fnv(FNV_OFFSET, 'c3:')],
  w: fnv(FNV_OFFSET, 'w:'),
  b: fnv(FNV_OFFSET, 'b:'),
};

export interface SparseFeatures {
  indices: Int32Array;
  values: Float32Array;
}

const isLatin = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

/**
 * Binary presence of each hashed feature, L2-normalised so long and short texts
 * score alike — but never over fewer than `minNormFeatures`: normalised alone, the one
 * feature of "to" carried the whole vector and scored fraud 0.96 (SMS spam says "txt to"). Latin words give word and word-bigram features; other runs (Chinese)
 * give character 1–3-grams. In-word character n-grams for Latin words were tried
 * and dropped: they made ordinary English words share weight with insults that end
 * alike (`match` / `-tch`), and the normaliser already undoes spelling evasions.
 */
export function featurizeNormalized(n: NormalizedText, where?: Map<number, [number, number]>): SparseFeatures {
  const len = Math.min(n.text.length, FEATURE_SPEC.maxChars);
  const text = n.text;
  const ids = new Set<number>();
  // `where` (for explanations) receives the compact range of each feature's first occurrence.
  const add = (h: number, start: number, end: number) => {
    const id = (h >>> 0) % FEATURE_SPEC.dim;
    ids.add(id);
    if (where && !where.has(id)) where.set(id, [start, end]);
  };
  let prev: [number, number] | null = null;
  let i = 0;
  while (i < len) {
    if (isLatin(text.charCodeAt(i))) {
      let j = i + 1;
      while (j < len && isLatin(text.charCodeAt(j)) && !n.tokenStart[j]) j++;
      add(fnv(PREFIX.w, text, i, j), i, j);
      if (prev) add(fnv(fnv(fnv(PREFIX.b, text, prev[0], prev[1]), ' '), text, i, j), prev[0], j);
      prev = [i, j];
      i = j;
      continue;
    }
    prev = null;
    if (text[i] === BOUNDARY) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < len && !isLatin(text.charCodeAt(j)) && text[j] !== BOUNDARY) j++;
    for (let k = i; k < j; k++) for (let g = 1; g <= 3 && k + g <= j; g++) add(fnv(PREFIX.c[g]!, text, k, k + g), k, k + g);
    i = j;
  }
  const indices = Int32Array.from(ids).sort();
  const v = indices.length > 0 ? 1 / Math.sqrt(Math.max(indices.length, FEATURE_SPEC.minNormFeatures)) : 0;
  return { indices, values: new Float32Array(indices.length).fill(v) };
}

export function featurize(text: string): SparseFeatures {
  return featurizeNormalized(normalizeText(text));
}
