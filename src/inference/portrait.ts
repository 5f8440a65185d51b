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
export const estimateAge = (input: ImageInput, face?: DetectedFace): Promise<AgeEstimate | null> => onFace(input, face, (img, f) => estimateAgeIn(img, f));

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

/**
 * The full portrait pass (OCR excluded): one decode, safety, then detect and per face
 * embed, antispoof, age. Models run one after another: on two cores concurrent runs
 * only fight over them (measured: no faster than sequential, with 1 or 2 threads per session).
 */
export async function analyzePortrait(input: ImageInput, opts: PortraitOptions = {}): Promise<PortraitAnalysis> {
  const img = await toRgb(input);
  const faceChain = async (): Promise<PortraitFace[]> => {
    const out: PortraitFace[] = [];
    for (const f of await detectFacesInImage(img, { maxFaces: 5, ...opts })) {
      const embedding = await embedFaceIn(img, f);
      const spoof = await antispoofIn(img, f);
      const age = await estimateAgeIn(img, f, { bands: opts.ageBands ?? false });
      out.push({ ...f, embedding, spoof, age });
    }
    return out;
  };
  const safety = await classifyImageSafety(img);
  const faces = await faceChain();
  return { width: img.width, height: img.height, safety, faces };
}
