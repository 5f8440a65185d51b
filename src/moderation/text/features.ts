/**
 * Hashed features for the text classifier. Training (models/text/train.ts) and the
 * runtime use this one function, so the ONNX model and its inputs cannot drift;
 * FEATURE_SPEC is recorded in the model manifest and checked at load time.
 *
 * Features come from the normalised compact view, so the classifier sees the same
 * de-obfuscated text as the lexicons: character 1–3-grams (Chinese has no word
 * boundaries), plus word unigrams and bigrams for Latin tokens.
 */
import { BOUNDARY, normalizeText } from './normalize.js';
import type { NormalizedText } from './normalize.js';

export const FEATURE_SPEC = { version: 'ngram-v1', dim: 1 << 18, maxChars: 512 } as const;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface SparseFeatures {
  indices: Int32Array;
  values: Float32Array;
}

function latinWords(n: NormalizedText): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < n.text.length; i++) {
    const c = n.text.charCodeAt(i);
    const latin = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (!latin) {
      start = -1;
      continue;
    }
    if (n.tokenStart[i]) start = i;
    if (n.tokenEnd[i] && start >= 0) {
      words.push(n.text.slice(start, i + 1));
      start = -1;
    }
  }
  return words;
}

/** Binary presence of each hashed feature, L2-normalised so long and short texts score alike. */
export function featurizeNormalized(n: NormalizedText): SparseFeatures {
  const text = n.text.length > FEATURE_SPEC.maxChars ? n.text.slice(0, FEATURE_SPEC.maxChars) : n.text;
  const ids = new Set<number>();
  const add = (f: string) => ids.add(fnv1a(f) % FEATURE_SPEC.dim);
  for (let i = 0; i < text.length; i++) {
    for (let len = 1; len <= 3 && i + len <= text.length; len++) {
      const g = text.slice(i, i + len);
      if (g.includes(BOUNDARY)) break;
      add(`c${len}:${g}`);
    }
  }
  const words = latinWords(n);
  words.forEach((w, i) => {
    add(`w:${w}`);
    const next = words[i + 1];
    if (next !== undefined) add(`b:${w} ${next}`);
  });
  const indices = Int32Array.from(ids).sort();
  const v = indices.length > 0 ? 1 / Math.sqrt(indices.length) : 0;
  return { indices, values: new Float32Array(indices.length).fill(v) };
}

export function featurize(text: string): SparseFeatures {
  return featurizeNormalized(normalizeText(text));
}
