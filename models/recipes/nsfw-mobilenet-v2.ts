// nsfwjs MobileNetV2 (Keras layers, uint8-quantised). The resize nsfwjs does before the
// network (x/255, bilinear alignCorners=true, no antialias) runs in src/inference/resize.ts:
// an in-graph Resize would first have to cast every pixel of a full-size photo to float.
import { join } from 'node:path';
import { convertKeras } from '../convert/keras.js';
import { OnnxGraph, type TensorSpec } from '../convert/onnx-graph.js';
import { loadNsfwjsBundle } from '../convert/tfjs-weights.js';
import { packageDir, type ModelRecipe } from './recipe.js';

const inputs: TensorSpec[] = [{ name: 'image', type: 'float32', shape: ['batch', 224, 224, 3] }];
const outputs: TensorSpec[] = [{ name: 'probabilities', type: 'float32', shape: ['batch', 5] }];

export const NSFW_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

export const nsfwMobilenetV2: ModelRecipe = {
  name: 'nsfw-mobilenet-v2',
  purpose: `image safety: softmax over ${NSFW_CLASSES.join('/')}`,
  package: 'nsfwjs',
  licence: 'MIT (nsfwjs, Infinite Red)',
  inputs,
  outputs,
  preprocessing: 'RGB NHWC float32 in [0,1]: pixels /255, then bilinear resize to 224x224 with alignCorners=true and no antialias (tf.image.resizeBilinear as in nsfwjs infer()); skipped when the image already is 224x224',
  postprocessing: 'probabilities in class order Drawing, Hentai, Neutral, Porn, Sexy; nsfwjs classify() sorts them descending',
  build() {
    const artifacts = loadNsfwjsBundle(join(packageDir('nsfwjs'), 'dist/models/mobilenet_v2'), 'nsfwjs/dist/models/mobilenet_v2');
    const g = new OnnxGraph('nsfw_mobilenet_v2');
    const out = convertKeras(g, artifacts, 'image');
    g.rename(out, 'probabilities');
    return { onnx: g.serialize(inputs, outputs, { source: 'nsfwjs mobilenet_v2' }), files: artifacts.files };
  },
};
