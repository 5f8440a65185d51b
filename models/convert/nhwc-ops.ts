// Building blocks shared by the Keras and graph-model converters. Tensors stay in
// TF's NHWC layout; ops that ONNX only defines for NCHW are wrapped in a Transpose
// pair, which ORT's transpose optimiser cancels between neighbouring ops.
import { addWeight } from './compact.js';
import { float, type OnnxGraph } from './onnx-graph.js';

export type Padding = 'same' | 'valid' | { pads: number[] };

export function inNchw(g: OnnxGraph, x: string, hint: string, body: (nchw: string) => string): string {
  const nchw = g.op('Transpose', [x], { perm: [0, 3, 1, 2] }, `${hint}/to_nchw`);
  return g.op('Transpose', [body(nchw)], { perm: [0, 2, 3, 1] }, `${hint}/to_nhwc`);
}

function padAttrs(padding: Padding): Record<string, string | number[]> {
  if (padding === 'same') return { auto_pad: 'SAME_UPPER' };
  if (padding === 'valid') return { auto_pad: 'VALID' };
  return { pads: padding.pads };
}

/** TF conv kernel [kh,kw,in,out] → ONNX [out,in,kh,kw]. */
export function convKernel(kernel: Float32Array, shape: number[]): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o]!;
  return { dims: [cout, cin, kh, kw], values: out };
}

/** TF depthwise kernel [kh,kw,in,mult] → ONNX grouped conv [in·mult,1,kh,kw] (output channel c·mult+m). */
export function depthwiseKernel(kernel: Float32Array, shape: number[]): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, mult] = shape as [number, number, number, number];
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++)
          out[((c * mult + m) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + c) * mult + m]!;
  return { dims: [cin * mult, 1, kh, kw], values: out };
}

export interface ConvSpec {
  kernel: Float32Array;
  kernelShape: number[];
  bias?: Float32Array;
  strides: number[];
  dilations: number[];
  padding: Padding;
  depthwise: boolean;
}

export function conv(g: OnnxGraph, x: string, hint: string, spec: ConvSpec): string {
  const k = spec.depthwise ? depthwiseKernel(spec.kernel, spec.kernelShape) : convKernel(spec.kernel, spec.kernelShape);
  const w = addWeight(g, `${hint}/kernel`, k.dims, k.values);
  const inputs = [w];
  if (spec.bias) inputs.push(addWeight(g, `${hint}/bias`, [spec.bias.length], spec.bias));
  const group = spec.depthwise ? spec.kernelShape[2]! : 1;
  return inNchw(g, x, hint, (nchw) =>
    g.op('Conv', [nchw, ...inputs], {
      kernel_shape: k.dims.slice(2),
      strides: spec.strides,
      dilations: spec.dilations,
      group,
      ...padAttrs(spec.padding),
    }, hint),
  );
}

export function pool(g: OnnxGraph, x: string, hint: string, kind: 'max' | 'avg', size: number[], strides: number[], padding: Padding): string {
  return inNchw(g, x, hint, (nchw) =>
    g.op(kind === 'max' ? 'MaxPool' : 'AveragePool', [nchw], { kernel_shape: size, strides, ...padAttrs(padding) }, hint),
  );
}

export interface BatchNormSpec { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number }

export function batchNorm(g: OnnxGraph, x: string, hint: string, bn: BatchNormSpec): string {
  const n = bn.mean.length;
  const params = [bn.gamma, bn.beta, bn.mean, bn.variance].map((v, i) => addWeight(g, `${hint}/bn${i}`, [n], v));
  return inNchw(g, x, hint, (nchw) =>
    g.op('BatchNormalization', [nchw, ...params], { epsilon: float(bn.epsilon) }, hint),
  );
}

/** Dense layer: x·W (+ b), any leading rank. */
export function dense(g: OnnxGraph, x: string, hint: string, kernel: Float32Array, shape: number[], bias?: Float32Array): string {
  const w = addWeight(g, `${hint}/kernel`, shape, kernel);
  const mm = g.op('MatMul', [x, w], {}, bias ? `${hint}/matmul` : hint);
  return bias ? g.op('Add', [mm, addWeight(g, `${hint}/bias`, [bias.length], bias)], {}, hint) : mm;
}

export function activation(g: OnnxGraph, x: string, hint: string, name: string): string {
  switch (name) {
    case 'linear': return x;
    case 'relu': return g.op('Relu', [x], {}, hint);
    case 'relu6': return clip(g, x, hint, 0, 6);
    case 'sigmoid': return g.op('Sigmoid', [x], {}, hint);
    case 'tanh': return g.op('Tanh', [x], {}, hint);
    case 'softmax': return g.op('Softmax', [x], { axis: -1 }, hint);
    default: throw new Error(`unsupported activation ${name} at ${hint}`);
  }
}

export function clip(g: OnnxGraph, x: string, hint: string, lo: number, hi: number): string {
  return g.op('Clip', [x, g.scalar(`${hint}/lo`, lo), g.scalar(`${hint}/hi`, hi)], {}, hint);
}

/** NHWC spatial zero padding: [[top,bottom],[left,right]]. */
export function zeroPad(g: OnnxGraph, x: string, hint: string, [[t, b], [l, r]]: [[number, number], [number, number]]): string {
  return g.op('Pad', [x, g.int64s(`${hint}/pads`, [0, t, l, 0, 0, b, r, 0])], { mode: 'constant' }, hint);
}
