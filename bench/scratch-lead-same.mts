import { sampleFrames, DEFAULT_SAMPLING } from '../src/media/frames';
import { samePicture, sketch, type Sketch } from '../src/moderation/image/same-picture';
const file = process.argv[2]!;
const frames = [];
for await (const f of sampleFrames('ffmpeg', file, { width: 640, height: 360 }, DEFAULT_SAMPLING)) frames.push(f);
let ref: Sketch | null = null; let readsGlobal = 0; let readsBatch = 0; let batchRef: Sketch | null = null;
for (const [i, f] of frames.entries()) {
  const s = sketch(f.image);
  if (!ref || !samePicture(ref, s)) { readsGlobal++; ref = s; }
  if (i % 8 === 0) batchRef = null;
  if (!batchRef || !samePicture(batchRef, s)) { readsBatch++; batchRef = s; }
}
console.log(file, 'frames', frames.length, 'reads per-batch reference', readsBatch, 'with a reference across batches', readsGlobal);
