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

export const FEATURE_SPEC = { version: 'ngram-v2', dim: 1 << 18, maxChars: 512 } as const;

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

const isLatin = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

/**
 * Binary presence of each hashed feature, L2-normalised so long and short texts
 * score alike. Latin words give word, word-bigram and in-word character 3–4-gram
 * features (with `<` `>` marking the word's ends, so `class` does not look like
 * `ass`); other runs (Chinese) give character 1–3-grams.
 */
export function featurizeNormalized(n: NormalizedText): SparseFeatures {
  const len = Math.min(n.text.length, FEATURE_SPEC.maxChars);
  const text = n.text;
  const ids = new Set<number>();
  const add = (f: string) => ids.add(fnv1a(f) % FEATURE_SPEC.dim);
  let prevWord: string | null = null;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (isLatin(c)) {
      let j = i + 1;
      while (j < len && isLatin(text.charCodeAt(j)) && !n.tokenStart[j]) j++;
      const w = text.slice(i, j);
      add(`w:${w}`);
      if (prevWord !== null) add(`b:${prevWord} ${w}`);
      prevWord = w;
      const marked = `<${w}>`;
      for (let g = 3; g <= 4; g++) for (let k = 0; k + g <= marked.length; k++) add(`l${g}:${marked.slice(k, k + g)}`);
      i = j;
      continue;
    }
    prevWord = null;
    if (text[i] === BOUNDARY) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < len && !isLatin(text.charCodeAt(j)) && text[j] !== BOUNDARY) j++;
    for (let k = i; k < j; k++) for (let g = 1; g <= 3 && k + g <= j; g++) add(`c${g}:${text.slice(k, k + g)}`);
    i = j;
  }
  const indices = Int32Array.from(ids).sort();
  const v = indices.length > 0 ? 1 / Math.sqrt(indices.length) : 0;
  return { indices, values: new Float32Array(indices.length).fill(v) };
}

export function featurize(text: string): SparseFeatures {
  return featurizeNormalized(normalizeText(text));
}
