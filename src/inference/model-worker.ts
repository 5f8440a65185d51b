// Inside a model worker thread (model-workers.ts): image models (and the QR decoder) on pixels the caller shares
// (a SharedArrayBuffer, so a decoded image is neither copied nor moved per message). Each
// worker creates only the sessions of the jobs it is sent.
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

parentPort!.on('message', async (message: ModelJob & { id: number }) => {
  try {
    const result = await run(message);
    parentPort!.postMessage({ id: message.id, result });
  } catch (e) {
    const code = e instanceof InferenceError ? e.code : undefined;
    parentPort!.postMessage({ id: message.id, error: e instanceof Error ? e.message : String(e), code });
  }
});
