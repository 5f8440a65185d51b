// The full portrait pass (OCR excluded) on two worker threads, so the calling thread's event
// loop stays free: onnxruntime-node runs a session synchronously on the thread that calls it.
// One worker holds the face chain (detect, then embed), the other the models that do not wait
// for the embedding (safety from the start, antispoof and age once a face is found). Both read
// the one decoded image through a SharedArrayBuffer.
import { availableParallelism } from 'node:os';
import type { AgeEstimate, FaceEmbedding, SpoofScores } from './face-analysis.js';
import type { DetectedFace, DetectOptions } from './faces.js';
import type { RgbImage } from './image.js';
import { toRgb, type ImageInput } from './portrait.js';
import type { PortraitJob, SharedImage } from './portrait-worker.js';
import type { SafetyResult } from './safety.js';
import { currentOptions } from './sessions.js';
import { WorkerPool } from './worker-pool.js';

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
 * Intra-op threads per worker session: half the cores each, so the two workers together use
 * them all. On this 2-core machine one thread each (the pass in 43.7–47.8 ms) beat two
 * threads in the face worker (54.7–60.1 ms, three threads on two cores) and the sequential
 * pass with two threads per model (48.5–57.7 ms), same run.
 */
const WORKER_THREADS = Math.max(1, Math.floor(availableParallelism() / 2));

let workers: { face: WorkerPool; side: WorkerPool } | undefined;

function pools(): { face: WorkerPool; side: WorkerPool } {
  if (!workers) {
    const script = new URL('./portrait-worker.mjs', import.meta.url);
    const data = { inference: { ...currentOptions(), threads: WORKER_THREADS } };
    workers = { face: new WorkerPool(script, data), side: new WorkerPool(script, data) };
  }
  return workers;
}

/** Copies the pixels once into memory both workers read. */
function share(img: RgbImage): SharedImage {
  const pixels = new SharedArrayBuffer(img.data.length);
  new Uint8Array(pixels).set(img.data);
  return { pixels, width: img.width, height: img.height };
}

const send = <T>(pool: WorkerPool, job: PortraitJob): Promise<T> => pool.call<T>(job);

/** Detected faces (up to `maxFaces`, default 5), each with its embedding, spoof hints and age. */
export async function analyzeFaces(input: ImageInput, opts: PortraitOptions = {}): Promise<PortraitFace[]> {
  return facesOf(share(await toRgb(input)), opts);
}

async function facesOf(image: SharedImage, opts: PortraitOptions): Promise<PortraitFace[]> {
  const { face, side } = pools();
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
  const image = share(img);
  const [safety, faces] = await Promise.all([send<SafetyResult>(pools().side, { op: 'safety', image }), facesOf(image, opts)]);
  return { width: img.width, height: img.height, safety, faces };
}

/** Waits for the passes in flight, then stops both workers (tests, graceful shutdown). */
export async function closePortraitWorkers(): Promise<void> {
  const w = workers;
  workers = undefined;
  if (w) await Promise.all([w.face.close(), w.side.close()]);
}
