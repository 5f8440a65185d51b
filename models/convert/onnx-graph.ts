// Builds an ONNX ModelProto in memory and serialises it with protobufjs.
// Output is deterministic: nodes, initializers and attributes are written in the
// order they were added, so the same source always yields the same bytes.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

export type ElemType = 'float32' | 'uint8' | 'int32' | 'int64' | 'float16';
export type TensorData = Float32Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array;

const ONNX_TYPE: Record<ElemType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, float16: 10 };
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS = 7;

/** `float(1)` forces a FLOAT attribute where a plain integer would be read as INT. */
export class FloatAttr { constructor(readonly value: number) {} }
export const float = (value: number): FloatAttr => new FloatAttr(value);
export type AttrValue = number | string | number[] | FloatAttr;

export interface TensorSpec {
  name: string;
  type: ElemType;
  /** A string names a dynamic dimension (e.g. 'batch'). */
  shape: (number | string)[];
}

const root = protobuf.Root.fromJSON(
  protobuf.parse(readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8'), { keepCase: true }).root.toJSON(),
);
const ModelProto = root.lookupType('onnx.ModelProto');

interface NodeMsg { input: string[]; output: string[]; name: string; op_type: string; attribute: object[] }

export class OnnxGraph {
  private readonly nodes: NodeMsg[] = [];
  private readonly initializers: object[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  /** A fresh tensor name derived from `hint`, never colliding with earlier ones. */
  fresh(hint: string): string {
    const clean = hint.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    while (this.names.has(name)) name = `${clean}__${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = opType): string {
    const [out] = this.opN(opType, inputs, 1, attrs, hint);
    return out!;
  }

  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, hint = opType): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}:${i}`));
    this.nodes.push({
      input: inputs,
      output: outs,
      name: this.fresh(`${hint}/node`),
      op_type: opType,
      attribute: Object.entries(attrs).map(([name, v]) => encodeAttr(name, v)),
    });
    return outs;
  }

  constant(hint: string, type: ElemType, dims: number[], data: TensorData): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, data_type: ONNX_TYPE[type], raw_data: Buffer.from(raw) });
    return name;
  }

  int64s(hint: string, values: number[]): string {
    return this.constant(hint, 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  scalar(hint: string, value: number): string {
    return this.constant(hint, 'float32', [], Float32Array.of(value));
  }

  /** Renames a node output so graph outputs get stable public names. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.output = node.output.map((o) => (o === from ? to : o));
      node.input = node.input.map((i) => (i === from ? to : i));
    }
    this.names.add(to);
  }

  serialize(inputs: TensorSpec[], outputs: TensorSpec[], metadata: Record<string, string>, opset = 18): Uint8Array {
    const message = ModelProto.fromObject({
      ir_version: 8,
      producer_name: 'likeness-gate models/convert',
      producer_version: '1',
      opset_import: [{ domain: '', version: opset }],
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
    });
    return ModelProto.encode(message).finish();
  }
}

function valueInfo(spec: TensorSpec): object {
  return {
    name: spec.name,
    type: {
      tensor_type: {
        elem_type: ONNX_TYPE[spec.type],
        shape: { dim: spec.shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

function encodeAttr(name: string, v: AttrValue): object {
  if (v instanceof FloatAttr) return { name, type: ATTR_FLOAT, f: v.value };
  if (typeof v === 'string') return { name, type: ATTR_STRING, s: Buffer.from(v) };
  if (typeof v === 'number') return { name, type: ATTR_INT, i: v };
  return { name, type: ATTR_INTS, ints: v };
}
