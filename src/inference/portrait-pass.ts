// The full portrait pass (OCR excluded) on the two model workers (model-workers.ts): the face
// worker runs the chain (detect, then embed), the side worker what does not wait for the
// embedding (safety from the start, antispoof and age once a face is found). Both read the one
// decoded image through a SharedArrayBuffer.
import type { AgeEstimate, FaceEmbedding, SpoofScores } from './face-analysis.js';
import { faceQuality, type FaceQuality } from './face-quality.js';
import type { DetectedFace, DetectOptions } from './faces.js';
import type { RgbImage } from './image.js';
import { classifyImageSafetyOffThread, modelWorkers, send, share } from './model-workers.js';
import { toRgb, type ImageInput } from './portrait.js';
import type { SafetyResult } from './safety.js';

export interface PortraitFace extends DetectedFace {
  /** Includes faceres's age head (`embedding.age`), a second age signal at no extra cost. */
  embedding: FaceEmbedding;
  spoof: SpoofScores;
  /** SSR-Net age; GEAR bands only with `ageBands: true`. */
  age: AgeEstimate;
}

export interface PortraitOptions extends DetectOptions {
  /** Also run GEAR age bands per face (~30 ms each on 2 cores). */
  ageBands?: boolean;
}

export interface PortraitAnalysis {
  width: number;
  height: number;
  safety: SafetyResult;
  faces: PortraitFace[];
}

/** Detected faces (up to `maxFaces`, default 5), each with its embedding, spoof hints and age. */
export async function analyzeFaces(input: ImageInput, opts: PortraitOptions = {}): Promise<PortraitFace[]> {
  return facesOf(await toRgb(input), opts);
}

async function facesOf(img: RgbImage, opts: PortraitOptions, keep: (faces: DetectedFace[]) => DetectedFace[] = (f) => f): Promise<PortraitFace[]> {
  const { face } = modelWorkers();
  const { ageBands = false, ...detect } = opts;
  const found = await send<DetectedFace[]>(face, { op: 'detect', image: share(img), opts: { maxFaces: 5, ...detect } });
  return analyzeDetected(img, keep(found), ageBands);
}

function analyzeDetected(img: RgbImage, found: readonly DetectedFace[], ageBands: boolean): Promise<PortraitFace[]> {
  const { face, side } = modelWorkers();
  const image = share(img);
  // All faces queue at once: each worker works through its jobs while the other does its own.
  return Promise.all(found.map(async (f) => {
    const [embedding, more] = await Promise.all([
      send<FaceEmbedding>(face, { op: 'embed', image, face: f }),
      send<{ spoof: SpoofScores; age: AgeEstimate }>(side, { op: 'extras', image, face: f, ageBands }),
    ]);
    return { ...f, embedding, ...more };
  }));
}

/** One decode; safety beside the face chain. */
export async function analyzePortrait(input: ImageInput, opts: PortraitOptions = {}): Promise<PortraitAnalysis> {
  const img = await toRgb(input);
  const [[safety], faces] = await Promise.all([classifyImageSafetyOffThread([img]), facesOf(img, opts)]);
  return { width: img.width, height: img.height, safety: safety!, faces };
}

export interface InventoryFace extends PortraitFace {
  quality: FaceQuality;
}

export interface FaceInventory {
  width: number;
  height: number;
  faces: InventoryFace[];
  /** The detector stopped at `maxFaces`: there may be more faces than listed. */
  capped: boolean;
}

export interface InventoryOptions extends PortraitOptions {
  /** Runs between detection and the per-face models: the caller's rules drop duplicates here, before they cost an embedding. */
  keep?: (faces: DetectedFace[]) => DetectedFace[];
}

/**
 * Every face of an image for the consent checks: tiled detection (small faces of large
 * photos included), then embedding, age, spoof hints and quality for each face `keep` leaves.
 */
export async function faceInventory(input: ImageInput, opts: InventoryOptions = {}): Promise<FaceInventory> {
  const img = await toRgb(input);
  const { keep, ageBands = false, ...detect } = opts;
  const maxFaces = detect.maxFaces ?? 20;
  const found = await send<DetectedFace[]>(modelWorkers().face, { op: 'detect', image: share(img), opts: { tiled: true, ...detect, maxFaces } });
  const faces = await analyzeDetected(img, keep ? keep(found) : found, ageBands);
  return { width: img.width, height: img.height, faces: faces.map((f) => ({ ...f, quality: faceQuality(img, f) })), capped: found.length >= maxFaces };
}
