// face-api's 128-D recogniser (dlib's face-recognition ResNet, converted in
// models/recipes/face-api-recognition.ts). Not the default matcher: see models/README.md
// for its calibration next to faceres. face-api crops the min box of its 68 landmarks; we
// only have BlazeFace's box and six keypoints, so two crops are offered and both measured.
import * as ort from 'onnxruntime-node';
import { faceSimilarity, l2normalize } from './face-analysis.js';
import { faceRegion, type DetectedFace, type Point } from './faces.js';
import { resample, type RgbImage } from './image.js';
import { detectFaces, toRgb, type ImageInput } from './portrait.js';
import { session } from './sessions.js';

const MODEL = 'face-api-recognition';
export const DESCRIPTOR_128_SIZE = 150;

/**
 * Where BlazeFace puts right eye, left eye, nose tip and mouth on dlib's own aligned 150x150
 * chips (median over the 33 dlib "johns" chips of faces-dev; `npm run calibrate:faces` prints
 * the measurement). Mapping a face's keypoints onto these reproduces dlib's chip framing,
 * including BlazeFace's own keypoint biases, which cancel.
 */
export const CHIP_KEYPOINTS: readonly Point[] = [
  { x: 46.5, y: 40.7 }, { x: 101.8, y: 45.9 }, { x: 70.0, y: 78.3 }, { x: 69.4, y: 101.0 },
];

export type Crop128 = 'aligned' | 'box';

export interface FaceDescriptor128 {
  model: typeof MODEL;
  /** L2-normalised descriptor; compare with `descriptor128Similarity`. */
  vector: Float32Array;
}

/** Square detector box enlarged `factor`x around its centre, resized to 150x150 (RGB 0..255). */
export function boxCrop128(img: RgbImage, face: DetectedFace, factor: number, out = new Float32Array(DESCRIPTOR_128_SIZE ** 2 * 3)): Float32Array {
  resample(img, faceRegion(face, factor), DESCRIPTOR_128_SIZE, DESCRIPTOR_128_SIZE, { alignCorners: false, scale: 1, offset: 0 }, out);
  return out;
}

/**
 * Similarity transform (rotation, uniform scale, shift) that best maps the face's first four
 * keypoints onto `template` (least squares), applied with bilinear sampling; outside is black.
 */
export function alignedCrop128(img: RgbImage, face: DetectedFace, template: readonly Point[] = CHIP_KEYPOINTS, out = new Float32Array(DESCRIPTOR_128_SIZE ** 2 * 3)): Float32Array {
  const src = face.keypoints.slice(0, template.length);
  if (src.length < template.length) return boxCrop128(img, face, 1.1, out);
  const n = src.length;
  const sx = src.reduce((s, p) => s + p.x, 0) / n, sy = src.reduce((s, p) => s + p.y, 0) / n;
  const tx = template.reduce((s, p) => s + p.x, 0) / n, ty = template.reduce((s, p) => s + p.y, 0) / n;
  // chip = [a -b; b a]·(src - mean) + chipMean; solved in closed form.
  let num = 0, cross = 0, den = 0;
  src.forEach((p, i) => {
    const px = p.x - sx, py = p.y - sy, qx = template[i]!.x - tx, qy = template[i]!.y - ty;
    num += px * qx + py * qy;
    cross += px * qy - py * qx;
    den += px * px + py * py;
  });
  if (den === 0) return boxCrop128(img, face, 1.1, out);
  const a = num / den, b = cross / den, det = a * a + b * b;
  // Inverse map, chip pixel → source pixel.
  const ia = a / det, ib = -b / det;
  const { data, width, height } = img;
  let o = 0;
  for (let v = 0; v < DESCRIPTOR_128_SIZE; v++)
    for (let u = 0; u < DESCRIPTOR_128_SIZE; u++) {
      const du = u - tx, dv = v - ty;
      const x = sx + ia * du - ib * dv, y = sy + ib * du + ia * dv;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 >= width || y0 >= height) {
        out[o++] = 0; out[o++] = 0; out[o++] = 0;
        continue;
      }
      const x1 = Math.min(x0 + 1, width - 1), y1 = Math.min(y0 + 1, height - 1);
      const fx = x - x0, fy = y - y0;
      const r0 = y0 * width * 3, r1 = y1 * width * 3;
      for (let c = 0; c < 3; c++) {
        const t = data[r0 + x0 * 3 + c]! + (data[r0 + x1 * 3 + c]! - data[r0 + x0 * 3 + c]!) * fx;
        const bt = data[r1 + x0 * 3 + c]! + (data[r1 + x1 * 3 + c]! - data[r1 + x0 * 3 + c]!) * fx;
        out[o++] = t + (bt - t) * fy;
      }
    }
  return out;
}

/** Raw descriptors for prepared 150x150 crops (NHWC, RGB 0..255), one ORT run for all. */
export async function descriptors128(crops: Float32Array[]): Promise<Float32Array[]> {
  const size = DESCRIPTOR_128_SIZE ** 2 * 3;
  const batch = new Float32Array(crops.length * size);
  crops.forEach((c, i) => batch.set(c, i * size));
  const s = await session(MODEL);
  const out = (await s.run({ input: new ort.Tensor('float32', batch, [crops.length, DESCRIPTOR_128_SIZE, DESCRIPTOR_128_SIZE, 3]) })).descriptor!.data as Float32Array;
  return crops.map((_, i) => out.slice(i * 128, (i + 1) * 128));
}

/**
 * face-api descriptor of `face` (the best detected face when omitted; null when there is none),
 * L2-normalised. `crop: 'box'` uses the detector box enlarged 1.1x instead of keypoint alignment.
 */
export async function embedFace128(input: ImageInput, face?: DetectedFace, { crop = 'aligned' as Crop128 } = {}): Promise<FaceDescriptor128 | null> {
  const img = await toRgb(input);
  const target = face ?? (await detectFaces(img, { maxFaces: 1 }))[0];
  if (!target) return null;
  const pixels = crop === 'aligned' ? alignedCrop128(img, target) : boxCrop128(img, target, 1.1);
  const [raw] = await descriptors128([pixels]);
  return { model: MODEL, vector: l2normalize(raw!) };
}

/**
 * Operating threshold on descriptor128Similarity with the aligned crop: FAR 0.08% / FRR 2.7% on
 * faces-dev (models/README.md, `npm run calibrate:faces`). Scores at or above it count as the same person.
 */
export const DESCRIPTOR_128_MATCH_THRESHOLD = 0.916;

/** Cosine similarity of two face-api descriptors, in [-1, 1]. Not comparable with faceres scores. */
export const descriptor128Similarity: (a: FaceDescriptor128, b: FaceDescriptor128) => number = faceSimilarity;
