// The image models off the calling thread: onnxruntime-node runs a session synchronously on the
// thread that calls it, so a model run in the main thread stalls its event loop (and every HTTP
// request of the process) for the whole run: a video's safety batches held it for up to 0.8 s.
// Two workers: the face worker (detect, embed: the portrait pass's critical chain) and the side
// worker (image safety, antispoof, age), so a portrait's safety and face chain run side by side.
// Image and video moderation send their safety batches to the side worker and their QR scans to
// the face worker.
import { availableParallelism } from 'node:os';
import type { RgbImage } from './image.js';
import type { ModelJob, SharedImage } from './model-worker.js';
import type { QrCode, ScanOptions } from './qr-scan.js';
import type { SafetyResult } from './safety.js';
import { currentOptions } from './sessions.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Intra-op threads per worker session: half the cores each, so the two workers together use
 * them all. On this 2-core machine one thread each (the portrait pass in 43.7–47.8 ms) beat
 * two threads in the face worker (54.7–60.1 ms, three threads on two cores) and the in-thread
 * pass with two threads per model (48.5–57.7 ms), same run.
 */
const WORKER_THREADS = Math.max(1, Math.floor(availableParallelism() / 2));

export interface ModelWorkers { face: WorkerPool; side: WorkerPool }

let workers: ModelWorkers | undefined;

export function modelWorkers(): ModelWorkers {
  if (!workers) {
    const script = new URL('./model-worker.mjs', import.meta.url);
    const data = { inference: { ...currentOptions(), threads: WORKER_THREADS } };
    workers = { face: new WorkerPool(script, data), side: new WorkerPool(script, data) };
  }
  return workers;
}

export const send = <T>(pool: WorkerPool, job: ModelJob): Promise<T> => pool.call<T>(job);

const shared = new WeakMap<RgbImage, SharedImage>();

/**
 * The pixels in memory the workers read, copied once per image: a video frame goes to the
 * safety batch and to the QR scan, a portrait to both workers, and all reuse the one copy.
 */
export function share(img: RgbImage): SharedImage {
  let s = shared.get(img);
  if (!s) {
    const pixels = new SharedArrayBuffer(img.data.length);
    new Uint8Array(pixels).set(img.data);
    shared.set(img, (s = { pixels, width: img.width, height: img.height }));
  }
  return s;
}

/** classifyImageSafetyBatch in the side worker: one ORT run for the images, the event loop free meanwhile. */
export function classifyImageSafetyOffThread(images: readonly RgbImage[]): Promise<SafetyResult[]> {
  return send<SafetyResult[]>(modelWorkers().side, { op: 'safety', images: images.map(share) });
}

/**
 * scanQrCodes in the face worker, which image and video moderation leave idle (the side worker
 * runs their safety batch meanwhile): jsQR is plain JavaScript, 28–58 ms a picture.
 */
export function scanQrCodesOffThread(image: RgbImage, opts: ScanOptions = {}): Promise<QrCode[]> {
  return send<QrCode[]>(modelWorkers().face, { op: 'qr', image: share(image), opts });
}

/** Waits for the jobs in flight, then stops both workers (tests, graceful shutdown). */
export async function closeModelWorkers(): Promise<void> {
  const w = workers;
  workers = undefined;
  if (w) await Promise.all([w.face.close(), w.side.close()]);
}
