// Converts a tfjs Keras *layers* model (functional API topology) into ONNX nodes.
import type { OnnxGraph } from './onnx-graph.js';
import type { TfjsArtifacts, Weight } from './tfjs-weights.js';
import { activation, batchNorm, clip, conv, dense, pool, zeroPad, type Padding } from './nhwc-ops.js';

interface Layer {
  name: string;
  class_name: string;
  config: Record<string, any>;
  inbound_nodes: [string, number, number, object][][];
}

/**
 * Appends the model to `g`, feeding `input` (NHWC float32) into the model's single
 * input layer. Returns the name of the single output tensor.
 */
export function convertKeras(g: OnnxGraph, artifacts: TfjsArtifacts, input: string): string {
  const config = artifacts.topology.model_config.config as { layers: Layer[]; input_layers: string[][]; output_layers: string[][] };
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) throw new Error('only single-input, single-output models');
  const tensors = new Map<string, string>();
  const weight = (layer: Layer, suffix: string): Weight => {
    const w = artifacts.weights.get(`${layer.name}/${suffix}`);
    if (!w) throw new Error(`missing weight ${layer.name}/${suffix}`);
    return w;
  };
  for (const layer of config.layers) {
    const inbound = layer.inbound_nodes[0] ?? [];
    const inputs = inbound.map(([name]) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`${layer.name}: input ${name} not yet converted`);
      return t;
    });
    const out = layer.class_name === 'InputLayer' ? input : convertLayer(g, layer, inputs, (s) => weight(layer, s));
    tensors.set(layer.name, out);
  }
  const output = tensors.get(config.output_layers[0]![0]!);
  if (!output) throw new Error('output layer not converted');
  return output;
}

function convertLayer(g: OnnxGraph, layer: Layer, inputs: string[], weight: (suffix: string) => Weight): string {
  const c = layer.config;
  const x = inputs[0]!;
  const f32 = (suffix: string) => weight(suffix).values as Float32Array;
  switch (layer.class_name) {
    case 'ZeroPadding2D':
      return zeroPad(g, x, layer.name, c.padding);
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const depthwise = layer.class_name === 'DepthwiseConv2D';
      const k = weight(depthwise ? 'depthwise_kernel' : 'kernel');
      const y = conv(g, x, layer.name, {
        kernel: k.values as Float32Array,
        kernelShape: k.shape,
        bias: c.use_bias ? f32('bias') : undefined,
        strides: c.strides,
        dilations: c.dilation_rate,
        padding: c.padding as Padding,
        depthwise,
      });
      return activation(g, y, `${layer.name}/act`, c.activation);
    }
    case 'BatchNormalization': {
      if (c.axis !== -1 && c.axis !== 3) throw new Error(`${layer.name}: batch norm on axis ${c.axis}`);
      const n = (weight('moving_mean').values as Float32Array).length;
      return batchNorm(g, x, layer.name, {
        gamma: c.scale ? f32('gamma') : new Float32Array(n).fill(1),
        beta: c.center ? f32('beta') : new Float32Array(n),
        mean: f32('moving_mean'),
        variance: f32('moving_variance'),
        epsilon: c.epsilon,
      });
    }
    case 'ReLU':
      if (c.negative_slope !== 0 || c.threshold !== 0) throw new Error(`${layer.name}: leaky/thresholded ReLU`);
      return c.max_value == null ? g.op('Relu', [x], {}, layer.name) : clip(g, x, layer.name, 0, c.max_value);
    case 'Activation':
      return activation(g, x, layer.name, c.activation);
    case 'Add':
      return inputs.slice(1).reduce((acc, t, i) => g.op('Add', [acc, t], {}, `${layer.name}/${i}`), x);
    case 'AveragePooling2D':
    case 'MaxPooling2D':
      return pool(g, x, layer.name, layer.class_name === 'MaxPooling2D' ? 'max' : 'avg', c.pool_size, c.strides, c.padding);
    case 'GlobalAveragePooling2D':
      return g.op('ReduceMean', [x, g.int64s(`${layer.name}/axes`, [1, 2])], { keepdims: 0 }, layer.name);
    case 'Flatten':
      // NHWC order is Keras's channels_last flatten order, so no transpose is needed.
      return g.op('Flatten', [x], { axis: 1 }, layer.name);
    case 'Dense': {
      const k = weight('kernel');
      const y = dense(g, x, layer.name, k.values as Float32Array, k.shape, c.use_bias ? f32('bias') : undefined);
      return activation(g, y, `${layer.name}/act`, c.activation);
    }
    case 'Dropout':
      return x; // inference: identity
    default:
      throw new Error(`unsupported Keras layer ${layer.class_name} (${layer.name})`);
  }
}
