// Public face functions: accept encoded bytes or decoded pixels, decode once, and
// run the per-face models on the best face unless the caller passes one.
import { antispoofIn, embedFaceIn, estimateAgeIn, type AgeEstimate, type FaceEmbedding, type SpoofScores } from './face-analysis.js';
import { detectFacesInImage, type DetectedFace, type DetectOptions } from './faces.js';
import { assertRgb, decodeImage, type RgbImage } from './image.js';
import { classifyImageSafety, type SafetyResult } from './safety.js';

export type ImageInput = Uint8Array | RgbImage;

export async function toRgb(input: ImageInput): Promise<RgbImage> {
  if (input instanceof Uint8Array) return decodeImage(input);
  assertRgb(input);
  return input;
}

export async function detectFaces(input: ImageInput, opts?: DetectOptions): Promise<DetectedFace[]> {
  return detectFacesInImage(await toRgb(input), opts);
}

/** Runs `fn` on `face`, or on the highest-scoring detected face; null when there is none. */
async function onFace<T>(input: ImageInput, face: DetectedFace | undefined, fn: (img: RgbImage, f: DetectedFace) => Promise<T>): Promise<T | null> {
  const img = await toRgb(input);
  const target = face ?? (await detectFacesInImage(img, { maxFaces: 1 }))[0];
  return target ? fn(img, target) : null;
}

export const embedFace = (input: ImageInput, face?: DetectedFace): Promise<FaceEmbedding | null> => onFace(input, face, embedFaceIn);
export const antispoof = (input: ImageInput, face?: DetectedFace): Promise<SpoofScores | null> => onFace(input, face, antispoofIn);
export const estimateAge = (input: ImageInput, face?: DetectedFace): Promise<AgeEstimate | null> => onFace(input, face, estimateAgeIn);

export interface PortraitFace extends DetectedFace {
  embedding: FaceEmbedding;
  spoof: SpoofScores;
  age: AgeEstimate;
}

export interface PortraitAnalysis {
  width: number;
  height: number;
  safety: SafetyResult;
  faces: PortraitFace[];
}

/** The full portrait pass (OCR excluded): one decode, safety, detection, and every per-face model. */
export async function analyzePortrait(input: ImageInput, opts: DetectOptions = {}): Promise<PortraitAnalysis> {
  const img = await toRgb(input);
  const [safety, detected] = await Promise.all([classifyImageSafety(img), detectFacesInImage(img, { maxFaces: 5, ...opts })]);
  const faces = await Promise.all(detected.map(async (f) => {
    const [embedding, spoof, age] = await Promise.all([embedFaceIn(img, f), antispoofIn(img, f), estimateAgeIn(img, f)]);
    return { ...f, embedding, spoof, age };
  }));
  return { width: img.width, height: img.height, safety, faces };
}
