// One face model at a time, in the calling thread: accept encoded bytes or decoded pixels,
// decode once, and run the model on the best face unless the caller passes one. The whole
// pass, off the calling thread, is in portrait-pass.ts.
import { antispoofIn, embedFaceIn, estimateAgeIn, type AgeEstimate, type FaceEmbedding, type SpoofScores } from './face-analysis.js';
import { detectFacesInImage, type DetectedFace, type DetectOptions } from './faces.js';
import { assertRgb, decodeImage, type RgbImage } from './image.js';

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
export const estimateAge = (input: ImageInput, face?: DetectedFace): Promise<AgeEstimate | null> => onFace(input, face, (img, f) => estimateAgeIn(img, f));
