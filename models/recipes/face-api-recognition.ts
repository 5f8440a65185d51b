// face-api's 128-D face recogniser. The package ships only a weights manifest (uint8-quantised
// tfjs weights): the network, a ResNet with 29 convolutions on 150x150 inputs (dlib's
// face-recognition ResNet, per face-api's TUTORIAL.md), is built in face-api's JS code, so the
// graph is written out here from that code's structure and checked against face-api's own
// computeFaceDescriptor on tfjs (models/goldens/face-api-recognition.json).
import { join } from 'node:path';
import { addWeight } from '../convert/compact.js';
import { conv, dense, pool, zeroPad } from '../convert/nhwc-ops.js';
import { OnnxGraph, type TensorSpec } from '../convert/onnx-graph.js';
import { loadTfjsWeightsManifest, type Weight } from '../convert/tfjs-weights.js';
import { packageDir, type ModelRecipe } from './recipe.js';

const SOURCE = 'model/face_recognition_model-weights_manifest.json';
export const FACE_API_INPUT_SIZE = 150;
/** face-api subtracts this per-channel RGB mean, then divides by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];

/**
 * Residual stages in forward order. `down` blocks halve the resolution (stride-2 valid conv on
 * the main path, 2x2 average pool on the shortcut, zero channels appended when the width grows).
 */
const BLOCKS: { name: string; down: boolean }[] = [
  ...['conv32_1', 'conv32_2', 'conv32_3'].map((name) => ({ name, down: false })),
  { name: 'conv64_down', down: true },
  ...['conv64_1', 'conv64_2', 'conv64_3'].map((name) => ({ name, down: false })),
  { name: 'conv128_down', down: true },
  ...['conv128_1', 'conv128_2'].map((name) => ({ name, down: false })),
  { name: 'conv256_down', down: true },
  ...['conv256_1', 'conv256_2'].map((name) => ({ name, down: false })),
  { name: 'conv256_down_out', down: true },
];

/** An NHWC tensor with its static spatial size and width, tracked to place the shape fix-ups. */
interface Activation { name: string; size: number; channels: number }

const inputs: TensorSpec[] = [{ name: 'input', type: 'float32', shape: ['batch', FACE_API_INPUT_SIZE, FACE_API_INPUT_SIZE, 3] }];
const outputs: TensorSpec[] = [{ name: 'descriptor', type: 'float32', shape: ['batch', 128] }];

function buildGraph(weights: Map<string, Weight>): OnnxGraph {
  const used = new Set<string>();
  const take = (name: string): Weight => {
    const w = weights.get(name);
    if (!w || w.dtype !== 'float32') throw new Error(`face-api recogniser: missing float weight ${name}`);
    used.add(name);
    return w;
  };
  const g = new OnnxGraph('face_api_recognition');

  /** conv2d + bias, then face-api's per-channel scale layer (x*weights + biases), optional ReLU. */
  const convLayer = (x: Activation, prefix: string, stride: number, padding: 'same' | 'valid', relu: boolean): Activation => {
    const filters = take(`${prefix}/conv/filters`);
    const [k, , , channels] = filters.shape as [number, number, number, number];
    let out = conv(g, x.name, prefix, {
      kernel: filters.values as Float32Array,
      kernelShape: filters.shape,
      bias: take(`${prefix}/conv/bias`).values as Float32Array,
      strides: [stride, stride],
      dilations: [1, 1],
      padding,
      depthwise: false,
    });
    const gamma = addWeight(g, `${prefix}/scale/weights`, [channels], take(`${prefix}/scale/weights`).values as Float32Array);
    const beta = addWeight(g, `${prefix}/scale/biases`, [channels], take(`${prefix}/scale/biases`).values as Float32Array);
    out = g.op('Add', [g.op('Mul', [out, gamma], {}, `${prefix}/scale/mul`), beta], {}, `${prefix}/scale`);
    if (relu) out = g.op('Relu', [out], {}, `${prefix}/relu`);
    const size = padding === 'same' ? Math.ceil(x.size / stride) : Math.floor((x.size - k) / stride) + 1;
    return { name: out, size, channels };
  };

  const block = (x: Activation, name: string, down: boolean): Activation => {
    const a = convLayer(x, `${name}/conv1`, down ? 2 : 1, down ? 'valid' : 'same', true);
    let b = convLayer(a, `${name}/conv2`, 1, 'same', false);
    let shortcut = x;
    if (down) {
      shortcut = { ...x, name: pool(g, x.name, `${name}/shortcut`, 'avg', [2, 2], [2, 2], 'valid'), size: Math.floor(x.size / 2) };
      // An odd input makes the pooled shortcut one larger than the strided conv: face-api appends
      // a zero row and column to the conv path.
      if (shortcut.size === b.size + 1) b = { ...b, name: zeroPad(g, b.name, `${name}/pad_hw`, [[0, 1], [0, 1]]), size: shortcut.size };
      if (shortcut.size !== b.size) throw new Error(`${name}: shortcut ${shortcut.size} vs main ${b.size}`);
      // Wider block: the shortcut's channels are followed by as many zero channels.
      if (shortcut.channels !== b.channels) {
        if (b.channels !== 2 * shortcut.channels) throw new Error(`${name}: cannot widen ${shortcut.channels} to ${b.channels}`);
        const pads = g.int64s(`${name}/pad_c/pads`, [0, 0, 0, 0, 0, 0, 0, shortcut.channels]);
        shortcut = { ...shortcut, name: g.op('Pad', [shortcut.name, pads], { mode: 'constant' }, `${name}/pad_c`), channels: b.channels };
      }
    }
    return { ...b, name: g.op('Relu', [g.op('Add', [b.name, shortcut.name], {}, `${name}/add`)], {}, `${name}/out`) };
  };

  const mean = g.constant('normalize/mean', 'float32', [3], Float32Array.from(MEAN_RGB));
  const normalized = g.op('Div', [g.op('Sub', ['input', mean], {}, 'normalize/sub'), g.scalar('normalize/255', 255)], {}, 'normalize');
  let x = convLayer({ name: normalized, size: FACE_API_INPUT_SIZE, channels: 3 }, 'conv32_down', 2, 'valid', true);
  x = { ...x, name: pool(g, x.name, 'stem/maxpool', 'max', [3, 3], [2, 2], 'valid'), size: Math.floor((x.size - 3) / 2) + 1 };
  for (const b of BLOCKS) x = block(x, b.name, b.down);
  const pooled = g.op('ReduceMean', [x.name, g.int64s('global_avg/axes', [1, 2])], { keepdims: 0 }, 'global_avg');
  const fc = take('fc');
  g.rename(dense(g, pooled, 'fc', fc.values as Float32Array, fc.shape), 'descriptor');

  const unused = [...weights.keys()].filter((n) => !used.has(n));
  if (unused.length > 0) throw new Error(`face-api recogniser: weights not in the graph: ${unused.join(', ')}`);
  return g;
}

export const faceApiRecognition: ModelRecipe = {
  name: 'face-api-recognition',
  purpose: 'face descriptor for matching (128-D; face-api FaceRecognitionNet, the dlib face-recognition ResNet)',
  package: '@vladmandic/face-api',
  licence: 'MIT (@vladmandic/face-api); weights per face-api TUTORIAL.md trained by Davis King (dlib), whose dlib-models README releases dlib_face_recognition_resnet_model_v1 into the public domain; training data FaceScrub + VGG Face + web scrape, their terms not verified offline; that the face-api weights are that model is the package\'s statement, not verified',
  inputs,
  outputs,
  preprocessing: 'face crop resized to 150x150 (face-api: pad to a centred square with black, resizeBilinear alignCorners=false), RGB in 0..255; the graph subtracts mean RGB [122.782, 117.001, 104.298] and divides by 255',
  postprocessing: 'descriptor as face-api computeFaceDescriptor returns it (not normalised); face-api compares by euclidean distance (0.6), here L2-normalised and compared by cosine',
  build() {
    const artifacts = loadTfjsWeightsManifest(join(packageDir('@vladmandic/face-api'), SOURCE), `@vladmandic/face-api/${SOURCE}`);
    const g = buildGraph(artifacts.weights);
    return { onnx: g.serialize(inputs, outputs, { source: 'face-api face_recognition_model' }), files: artifacts.files };
  },
};
