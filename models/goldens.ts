// `npm run models:goldens`: records reference outputs from the original tfjs models
// (pure-JS @tensorflow/tfjs, cpu backend) into models/goldens/*.json. The tests
// compare the ONNX models against these files, so they need neither tfjs nor time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nsfwjs from 'nsfwjs';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { allGoldenImages, pixelHash, type GoldenImage } from './golden-inputs.js';
import { packageVersion, REPO_ROOT } from './recipes/recipe.js';

const OUT_DIR = join(REPO_ROOT, 'models/goldens');
const round = (v: number) => Number(v.toPrecision(9));

async function nsfwGoldens(images: GoldenImage[]) {
  const model = await nsfwjs.load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] } as Parameters<typeof nsfwjs.load>[1]);
  const cases = [];
  for (const img of images) {
    const pixels = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const logits = model.infer(pixels) as tf.Tensor;
    const probabilities = Array.from(await logits.data(), round);
    const classify = await model.classify(pixels);
    tf.dispose([pixels, logits]);
    cases.push({ image: img.id, pixelsSha256: pixelHash(img), probabilities, classify });
  }
  return { model: 'nsfw-mobilenet-v2', reference: `nsfwjs@${packageVersion('nsfwjs')} infer()/classify() on @tensorflow/tfjs@${tf.version.tfjs} cpu`, cases };
}

await tf.setBackend('cpu');
mkdirSync(OUT_DIR, { recursive: true });
const images = await allGoldenImages();
const goldens = [await nsfwGoldens(images)];
for (const g of goldens) {
  writeFileSync(join(OUT_DIR, `${g.model}.json`), `${JSON.stringify(g, null, 1)}\n`);
  console.log(`${g.model}: ${g.cases.length} cases`);
}
