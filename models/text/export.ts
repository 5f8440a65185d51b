/**
 * The classifier as an ONNX graph: a sparse dot product done with Gather, so a
 * request costs O(features × heads) instead of a dense 2^18-wide input.
 *   scores = Sigmoid(ReduceSum(Cast(Gather(W, indices)) · Unsqueeze(values), axis 1) + b)
 * W is stored as float16 (half the file; the error is far below calibration noise).
 */
import { DataType, encodeModel, toFloat16 } from './onnx-writer.js';

function int64Bytes(values: number[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
}

export function exportOnnx(weights: Float32Array, bias: Float32Array, heads: readonly string[]): Uint8Array {
  const c = heads.length;
  const d = weights.length / c;
  return encodeModel({
    name: 'text-ngram-lr',
    producer: 'likeness-gate models/text/train.ts',
    docString: 'Hashed character/word n-gram logistic regression, calibrated; heads: ' + heads.join(','),
    opset: 13,
    metadata: { heads: heads.join(',') },
    inputs: [
      { name: 'indices', dataType: DataType.INT32, shape: ['batch', 'k'] },
      { name: 'values', dataType: DataType.FLOAT, shape: ['batch', 'k'] },
    ],
    outputs: [{ name: 'scores', dataType: DataType.FLOAT, shape: ['batch', c] }],
    initializers: [
      { name: 'W', dataType: DataType.FLOAT16, dims: [d, c], raw: new Uint8Array(toFloat16(weights).buffer) },
      { name: 'b', dataType: DataType.FLOAT, dims: [c], raw: new Uint8Array(bias.slice().buffer) },
      { name: 'axis2', dataType: DataType.INT64, dims: [1], raw: int64Bytes([2]) },
      { name: 'axis1', dataType: DataType.INT64, dims: [1], raw: int64Bytes([1]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['W', 'indices'], outputs: ['w_half'], attrs: { axis: 0 } },
      { op: 'Cast', inputs: ['w_half'], outputs: ['w'], attrs: { to: DataType.FLOAT } },
      { op: 'Unsqueeze', inputs: ['values', 'axis2'], outputs: ['v'] },
      { op: 'Mul', inputs: ['w', 'v'], outputs: ['wv'] },
      { op: 'ReduceSum', inputs: ['wv', 'axis1'], outputs: ['z'], attrs: { keepdims: 0 } },
      { op: 'Add', inputs: ['z', 'b'], outputs: ['logits'] },
      { op: 'Sigmoid', inputs: ['logits'], outputs: ['scores'] },
    ],
  });
}
