// Per-face models: descriptor for matching, presentation-attack hints, age.
// Each crops the face region straight from the source pixels to the model's input size.
import * as ort from 'onnxruntime-node';
import { faceRegion, type DetectedFace } from './faces.js';
import { resample, type Box, type RgbImage } from './image.js';
import { session } from './sessions.js';

interface CropSpec { size: number; scale: number }

async function runOnCrop(model: string, img: RgbImage, region: Box, { size, scale }: CropSpec): Promise<ort.InferenceSession.OnnxValueMapType> {
  const input = new Float32Array(size * size * 3);
  resample(img, region, size, size, { alignCorners: true, scale, offset: 0 }, input);
  const s = await session(model);
  return s.run({ input: new ort.Tensor('float32', input, [1, size, size, 3]) });
}

export interface FaceEmbedding {
  model: 'faceres';
  /** L2-normalised descriptor; compare with `faceSimilarity`. */
  vector: Float32Array;
  /** faceres's own age head, decoded as the human library does (free with the descriptor). */
  age: number;
}

/** Face descriptor from faceres (1024-D), L2-normalised so cosine similarity is a dot product. */
export async function embedFaceIn(img: RgbImage, face: DetectedFace): Promise<FaceEmbedding> {
  const out = await runOnCrop('faceres', img, faceRegion(face), { size: 224, scale: 1 });
  return { model: 'faceres', vector: l2normalize(out.descriptor!.data as Float32Array), age: faceresAge(out.age!.data as Float32Array) };
}

/** human's decode of the 100-bin age softmax: the arg-max decade bin nudged toward its stronger neighbour. */
export function faceresAge(p: Float32Array): number {
  let idx = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[idx]!) idx = i;
  const below = p[idx - 1] ?? 0, above = p[idx + 1] ?? 0;
  return below > above ? idx - 10 * below : idx + 10 * above;
}

/**
 * Operating threshold on faceSimilarity: FAR 0.08% / FRR 11.8% on faces-dev
 * (models/README.md, `npm run calibrate:faces`). Scores at or above it count as the same person.
 */
export const FACE_MATCH_THRESHOLD = 0.635;

/** Cosine similarity of two L2-normalised embeddings from the same model, in [-1, 1]. */
export function faceSimilarity(a: Pick<FaceEmbedding, 'vector'> & { model: string }, b: Pick<FaceEmbedding, 'vector'> & { model: string }): number {
  if (a.model !== b.model || a.vector.length !== b.vector.length) throw new Error('embeddings from different models');
  let dot = 0;
  for (let i = 0; i < a.vector.length; i++) dot += a.vector[i]! * b.vector[i]!;
  return dot;
}

export function l2normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * inv);
}

export interface SpoofScores {
  /** antispoof model: higher = more likely a real face rather than a print or screen. */
  real: number;
  /** liveness model: higher = more likely live. */
  live: number;
}

/** Hints only: both models are small, of undocumented provenance, and unvalidated here. */
export async function antispoofIn(img: RgbImage, face: DetectedFace): Promise<SpoofScores> {
  const region = faceRegion(face);
  const a = await runOnCrop('antispoof', img, region, { size: 128, scale: 1 / 255 });
  const l = await runOnCrop('liveness', img, region, { size: 32, scale: 1 / 255 });
  return { real: (a.real!.data as Float32Array)[0]!, live: (l.live!.data as Float32Array)[0]! };
}

export const AGE_BANDS = ['<20', '21-25', '26-30', '31-40', '41-50', '51-60', '>60'] as const;

export interface AgeEstimate {
  /** SSR-Net apparent age in years. */
  age: number;
  /** GEAR age-band probabilities; absent when bands were not requested (GEAR costs ~30 ms). */
  bands?: Record<(typeof AGE_BANDS)[number], number>;
  /** GEAR probability of the youngest band (<20): the minor-screening signal. */
  under20?: number;
}

export async function estimateAgeIn(img: RgbImage, face: DetectedFace, { bands = true } = {}): Promise<AgeEstimate> {
  const region = faceRegion(face);
  const ssr = await runOnCrop('age-ssrnet', img, region, { size: 64, scale: 1 });
  const age = (ssr.age!.data as Float32Array)[0]!;
  if (!bands) return { age };
  const inner: Box = { x: region.x + 0.1 * region.width, y: region.y, width: 0.8 * region.width, height: 0.9 * region.height };
  const p = (await runOnCrop('gear', img, inner, { size: 198, scale: 1 / 255 })).age_bands!.data as Float32Array;
  const probs = Object.fromEntries(AGE_BANDS.map((b, i) => [b, p[i]!])) as NonNullable<AgeEstimate['bands']>;
  return { age, bands: probs, under20: probs['<20'] };
}
