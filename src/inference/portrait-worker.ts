// Inside a portrait worker thread: one part of the portrait pass on pixels the caller shares
// (a SharedArrayBuffer, so the decoded image is neither copied nor moved per message). Each
// worker creates only the sessions of the jobs it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceError } from './errors.js';
import { antispoofIn, embedFaceIn, estimateAgeIn } from './face-analysis.js';
import { detectFacesInImage, type DetectedFace, type DetectOptions } from './faces.js';
import type { RgbImage } from './image.js';
import { classifyImageSafety } from './safety.js';
import { configureInference, type InferenceOptions } from './sessions.js';

export interface SharedImage { pixels: SharedArrayBuffer; width: number; height: number }

export type PortraitJob =
  | { op: 'detect'; image: SharedImage; opts: DetectOptions }
  | { op: 'embed'; image: SharedImage; face: DetectedFace }
  | { op: 'safety'; image: SharedImage }
  | { op: 'extras'; image: SharedImage; face: DetectedFace; ageBands: boolean };

configureInference((workerData as { inference: InferenceOptions }).inference);

function run(job: PortraitJob, img: RgbImage): Promise<unknown> {
  switch (job.op) {
    case 'detect': return detectFacesInImage(img, job.opts);
    case 'embed': return embedFaceIn(img, job.face);
    case 'safety': return classifyImageSafety(img);
    case 'extras': return extras(img, job.face, job.ageBands);
  }
}

async function extras(img: RgbImage, face: DetectedFace, ageBands: boolean) {
  const spoof = await antispoofIn(img, face);
  const age = await estimateAgeIn(img, face, { bands: ageBands });
  return { spoof, age };
}

parentPort!.on('message', async (message: PortraitJob & { id: number }) => {
  try {
    const { pixels, width, height } = message.image;
    const result = await run(message, { data: new Uint8Array(pixels), width, height });
    parentPort!.postMessage({ id: message.id, result });
  } catch (e) {
    const code = e instanceof InferenceError ? e.code : undefined;
    parentPort!.postMessage({ id: message.id, error: e instanceof Error ? e.message : String(e), code });
  }
});
