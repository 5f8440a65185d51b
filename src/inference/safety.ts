// Image safety with nsfwjs's MobileNetV2, reproducing nsfwjs classify().
import * as ort from 'onnxruntime-node';
import { assertRgb, decodeImage, resample, type RgbImage } from './image.js';
import { session } from './sessions.js';

export const SAFETY_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export type SafetyClass = (typeof SAFETY_CLASSES)[number];

export interface SafetyResult {
  /** Highest-probability class, as nsfwjs classify()[0].className. */
  top: SafetyClass;
  /** Probability per class; they sum to 1. */
  scores: Record<SafetyClass, number>;
}

const SIZE = 224;

/** Classifies encoded image bytes (any format sharp decodes) or decoded RGB pixels. */
export async function classifyImageSafety(input: Uint8Array | RgbImage): Promise<SafetyResult> {
  const [result] = await classifyImageSafetyBatch([input]);
  return result!;
}

/** One ORT run for several images (faster per image than separate calls). */
export async function classifyImageSafetyBatch(inputs: (Uint8Array | RgbImage)[]): Promise<SafetyResult[]> {
  const images = await Promise.all(inputs.map((i) => (i instanceof Uint8Array ? decodeImage(i) : (assertRgb(i), i))));
  const pixels = new Float32Array(images.length * SIZE * SIZE * 3);
  images.forEach((img, i) => safetyPixels(img, pixels, i * SIZE * SIZE * 3));
  const s = await session('nsfw-mobilenet-v2');
  const out = await s.run({ image: new ort.Tensor('float32', pixels, [images.length, SIZE, SIZE, 3]) });
  const probs = out.probabilities!.data as Float32Array;
  return images.map((_, i) => toResult(probs.subarray(i * 5, i * 5 + 5)));
}

/** nsfwjs infer(): x/255, then bilinear alignCorners resize to 224² (identity when already 224²). */
export function safetyPixels(img: RgbImage, out: Float32Array, offset = 0): void {
  resample(img, { x: 0, y: 0, width: img.width, height: img.height }, SIZE, SIZE, { alignCorners: true, scale: 1 / 255, offset: 0 }, out, offset);
}

function toResult(p: Float32Array): SafetyResult {
  const scores = Object.fromEntries(SAFETY_CLASSES.map((c, i) => [c, p[i]!])) as Record<SafetyClass, number>;
  let top: SafetyClass = SAFETY_CLASSES[0];
  for (const c of SAFETY_CLASSES) if (scores[c] > scores[top]) top = c;
  return { top, scores };
}
