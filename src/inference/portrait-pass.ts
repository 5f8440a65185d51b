// The full portrait pass (OCR excluded) on the two model workers (model-workers.ts): the face
// worker runs the chain (detect, then embed), the side worker what does not wait for the
// embedding (safety from the start, antispoof and age once a face is found). Both read the one
// decoded image through a SharedArrayBuffer.
import type { AgeEstimate, FaceEmbedding, SpoofScores } from './face-analysis.js';
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

async function facesOf(img: RgbImage, opts: PortraitOptions): Promise<PortraitFace[]> {
  const { face, side } = modelWorkers();
  const image = share(img);
  const { ageBands = false, ...detect } = opts;
  const found = await send<DetectedFace[]>(face, { op: 'detect', image, opts: { maxFaces: 5, ...detect } });
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
