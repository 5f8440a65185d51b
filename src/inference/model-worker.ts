// Inside a model worker thread (model-workers.ts): image models (and the QR decoder) on pixels the caller shares
// (a SharedArrayBuffer, so a decoded image is neither copied nor moved per message). Each
// worker creates only the sessions of the jobs it is sent.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceError } from './errors.js';
import { antispoofIn, embedFaceIn, estimateAgeIn } from './face-analysis.js';
import { detectFacesInImage, type DetectedFace, type DetectOptions } from './faces.js';
import type { RgbImage } from './image.js';
import { scanQrCodes, type ScanOptions } from './qr-scan.js';
import { classifyImageSafetyBatch } from './safety.js';
import { configureInference, type InferenceOptions } from './sessions.js';

export interface SharedImage { pixels: SharedArrayBuffer; width: number; height: number }

export type ModelJob =
  | { op: 'detect'; image: SharedImage; opts: DetectOptions }
  | { op: 'embed'; image: SharedImage; face: DetectedFace }
  | { op: 'safety'; images: SharedImage[] }
  | { op: 'extras'; image: SharedImage; face: DetectedFace; ageBands: boolean }
  | { op: 'qr'; image: SharedImage; opts: ScanOptions };

configureInference((workerData as { inference: InferenceOptions }).inference);

const pixelsOf = ({ pixels, width, height }: SharedImage): RgbImage => ({ data: new Uint8Array(pixels), width, height });

function run(job: ModelJob): Promise<unknown> {
  switch (job.op) {
    case 'detect': return detectFacesInImage(pixelsOf(job.image), job.opts);
    case 'embed': return embedFaceIn(pixelsOf(job.image), job.face);
    case 'safety': return classifyImageSafetyBatch(job.images.map(pixelsOf));
    case 'extras': return extras(pixelsOf(job.image), job.face, job.ageBands);
    case 'qr': return scanQrCodes(pixelsOf(job.image), job.opts);
  }
}

async function extras(img: RgbImage, face: DetectedFace, ageBands: boolean) {
  const spoof = await antispoofIn(img, face);
  const age = await estimateAgeIn(img, face, { bands: ageBands });
  return { spoof, age };
}

/**
 * A shared image's memory is freed only once every thread that was sent it has collected the
 * object it arrived in, and a thread collects garbage only when it allocates: a worker that
 * allocates little (the safety model resamples to 224 px) or falls idle keeps every image it
 * was sent. Five 108 MB images (6000×6000 RGB) sent one after another to an idle worker stayed
 * until it terminated (540 MB; five of 18 MB in test/unit/model-worker-memory.test.ts: 90 MB).
 * So a worker collects once it has nothing left to do after a job on a large image: then none
 * stays (6–12 ms a collection, measured). Smaller images (video frames, photos up to ~5 Mpx)
 * are left to V8.
 */
const LARGE_IMAGE_BYTES = 16 * 1024 * 1024;

/** `gc` without starting the process with --expose-gc (as jest's leak detector does it). */
function exposedGc(): (() => void) | undefined {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? gc : undefined;
  } catch {
    return undefined;
  }
}

const collectGarbage = exposedGc();
let running = 0;
let largeSinceCollection = false;

const sharedBytes = (job: ModelJob): number =>
  job.op === 'safety' ? job.images.reduce((n, i) => n + i.pixels.byteLength, 0) : job.image.pixels.byteLength;

function collectIfIdle(): void {
  if (running || !largeSinceCollection || !collectGarbage) return;
  largeSinceCollection = false;
  collectGarbage();
}

parentPort!.on('message', async (message: ModelJob & { id: number }) => {
  running++;
  if (sharedBytes(message) >= LARGE_IMAGE_BYTES) largeSinceCollection = true;
  try {
    const result = await run(message);
    parentPort!.postMessage({ id: message.id, result });
  } catch (e) {
    const code = e instanceof InferenceError ? e.code : undefined;
    parentPort!.postMessage({ id: message.id, error: e instanceof Error ? e.message : String(e), code });
  } finally {
    running--;
    // After this handler's frame (which holds the message) is gone.
    setImmediate(collectIfIdle);
  }
});
