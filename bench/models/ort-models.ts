// Latency of every converted model on onnxruntime-node: 1 and 2 intra-op threads, batch 1 and 8.
import * as ort from 'onnxruntime-node';
import { resample, type RgbImage } from '../../src/inference/image.js';
import { readManifest } from '../../src/inference/manifest.js';
import { createSession, type InferenceOptions } from '../../src/inference/sessions.js';
import { fmt, medianMs } from './timing.js';

export interface OrtRow { model: string; threads: number; batch: number; ms: number }

/** Inputs built from the same photos for every model: each photo resized to the model's square. */
function batchOf(images: RgbImage[], size: number, batch: number): Float32Array {
  const out = new Float32Array(batch * size * size * 3);
  for (let b = 0; b < batch; b++) {
    const img = images[b % images.length]!;
    resample(img, { x: 0, y: 0, width: img.width, height: img.height }, size, size, { alignCorners: true, scale: 1 / 255, offset: 0 }, out, b * size * size * 3);
  }
  return out;
}

export async function benchOrtModels(images: RgbImage[], runs: number, spin: Pick<InferenceOptions, 'spinning' | 'stopSpinningAfterRun'>): Promise<OrtRow[]> {
  const rows: OrtRow[] = [];
  console.log('\n## onnxruntime-node, per model (median ms per run; images/s = batch / median)');
  console.log('| model | threads | batch | median ms | images/s |\n|---|---|---|---|---|');
  for (const entry of readManifest().filter((m) => m.kind === 'converted')) {
    const shape = entry.inputs[0]!.shape;
    const size = shape[1] as number;
    const batches = shape[0] === 'batch' ? [1, 8] : [1];
    for (const threads of [1, 2]) {
      const s = await createSession(entry.name, { threads, ...spin });
      for (const batch of batches) {
        const feeds = { [s.inputNames[0]!]: new ort.Tensor('float32', batchOf(images, size, batch), [batch, size, size, 3]) };
        const ms = await medianMs(() => s.run(feeds), batch === 1 ? runs : Math.max(3, Math.ceil(runs / 4)));
        rows.push({ model: entry.name, threads, batch, ms });
        console.log(`| ${entry.name} | ${threads} | ${batch} | ${fmt(ms)} | ${((1000 * batch) / ms).toFixed(1)} |`);
      }
      await s.release();
    }
  }
  return rows;
}
