// The reference: nsfwjs's own MobileNetV2 on pure-JS tfjs, wasm and cpu backends.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as nsfwjs from 'nsfwjs';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { packageDir } from '../../models/recipes/recipe.js';
import type { RgbImage } from '../../src/inference/image.js';
import { fmt, medianMs } from './timing.js';

export interface TfjsRow { backend: string; batch: number; ms: number }

export async function benchNsfwjs(images: RgbImage[], runs: { wasm: number; cpu: number }): Promise<TfjsRow[]> {
  setWasmPaths(`${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}/`);
  const rows: TfjsRow[] = [];
  console.log('\n## nsfwjs MobileNetV2 on @tensorflow/tfjs (infer() incl. its resize; median ms per run)');
  console.log('| backend | batch | median ms | images/s |\n|---|---|---|---|');
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    const model = await nsfwjs.load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] } as Parameters<typeof nsfwjs.load>[1]);
    const tensors = images.map((img) => tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'));
    let i = 0;
    const ms = await medianMs(async () => {
      const logits = model.infer(tensors[i++ % tensors.length]!) as tf.Tensor;
      await logits.data();
      logits.dispose();
    }, runs[backend], 1);
    rows.push({ backend, batch: 1, ms });
    const label = backend === 'wasm' ? `tfjs-wasm (${getThreadsCount()} thread(s))` : 'tfjs-cpu (pure JS)';
    console.log(`| ${label} | 1 | ${fmt(ms)} | ${(1000 / ms).toFixed(2)} |`);
    tf.dispose(tensors);
    model.dispose();
  }
  return rows;
}
