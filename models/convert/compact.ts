// Lossless weight compaction: every float32 weight is stored in the smallest
// form that reproduces it bit-for-bit once ORT constant-folds the decoding ops.
//  - at most 256 distinct values (tfjs uint8 quantisation): uint8 indices + Gather into a float32 codebook;
//  - every value exactly representable in fp16 (tfjs float16 quantisation): fp16 + Cast;
//  - otherwise plain float32.
import type { OnnxGraph } from './onnx-graph.js';

const MIN_ELEMENTS = 64; // below this the decoding nodes cost more than they save

export function addWeight(g: OnnxGraph, hint: string, dims: number[], values: Float32Array): string {
  if (values.length < MIN_ELEMENTS) return g.constant(hint, 'float32', dims, values);
  const codebook = codebookOf(values);
  const halves = exactHalves(values);
  const codebookBytes = codebook ? values.length + codebook.values.length * 4 : Infinity;
  const halfBytes = halves ? values.length * 2 : Infinity;
  if (codebook && codebookBytes <= halfBytes && codebookBytes < values.length * 4) {
    const table = g.constant(`${hint}.codebook`, 'float32', [codebook.values.length], codebook.values);
    const indices = g.constant(`${hint}.indices`, 'uint8', dims, codebook.indices);
    const wide = g.op('Cast', [indices], { to: 6 }, `${hint}.indices32`);
    return g.op('Gather', [table, wide], { axis: 0 }, hint);
  }
  if (halves) {
    const stored = g.constant(`${hint}.f16`, 'float16', dims, halves);
    return g.op('Cast', [stored], { to: 1 }, hint);
  }
  return g.constant(hint, 'float32', dims, values);
}

/** Distinct values sorted by bit pattern (keeps -0 apart from +0), or null if more than 256. */
function codebookOf(values: Float32Array): { values: Float32Array; indices: Uint8Array } | null {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const distinct = new Set<number>();
  for (const b of bits) {
    distinct.add(b);
    if (distinct.size > 256) return null;
  }
  const sorted = Uint32Array.from(distinct).sort();
  const index = new Map<number, number>();
  sorted.forEach((b, i) => index.set(b, i));
  const indices = new Uint8Array(values.length);
  for (let i = 0; i < bits.length; i++) indices[i] = index.get(bits[i]!)!;
  return { values: new Float32Array(sorted.buffer), indices };
}

/** fp16 bit patterns if every value converts without loss, else null. */
export function exactHalves(values: Float32Array): Uint16Array | null {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const h = halfOf(values[i]!);
    if (h === null) return null;
    out[i] = h;
  }
  return out;
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

function halfOf(v: number): number | null {
  f32[0] = v;
  const bits = f32Bits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const biased = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (biased === 0) return mant === 0 ? sign : null; // ±0 kept; float32 subnormals are far below fp16 range
  const e = biased - 127;
  if (biased === 0xff || e > 15) return null;
  if (e >= -14) return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : null;
  // fp16 subnormal: value = m * 2^-24 with m < 1024, so (2^23 + mant) must shift right without loss.
  const shift = -(e + 1);
  if (shift > 23 + 10) return null;
  const full = 0x800000 | mant;
  const m = Math.floor(full / 2 ** shift);
  return m * 2 ** shift === full && m < 1024 ? sign | m : null;
}
