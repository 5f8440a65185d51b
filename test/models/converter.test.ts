import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addWeight, exactHalves } from '../../models/convert/compact.js';
import { OnnxGraph } from '../../models/convert/onnx-graph.js';
import { decodeWeights } from '../../models/convert/tfjs-weights.js';
import { openVerified } from '../../src/inference/sessions.js';

describe('tfjs weight decoding', () => {
  it('decodes every float16 bit pattern exactly as tfjs does', async () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const spec = { name: 'w', shape: [65536], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } };
    const mine = decodeWeights([spec], new Uint8Array(halves.buffer)).get('w')!.values as Float32Array;
    const theirs = tf.io.decodeWeights(halves.buffer, [spec]).w!.dataSync() as Float32Array;
    const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
    // NaN payloads are not compared (tfjs's table method and IEEE conversion differ only there).
    const finite = [...halves.keys()].filter((i) => !Number.isNaN(theirs[i]));
    expect(finite.length).toBeGreaterThan(63000);
    for (const i of finite) if (bits(mine)[i] !== bits(theirs)[i]) throw new Error(`half ${i}: ${mine[i]} vs ${theirs[i]}`);
  });

  it('decodes uint8 affine quantisation exactly as tfjs does', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const spec = { name: 'w', shape: [256], dtype: 'float32' as const, quantization: { dtype: 'uint8' as const, min: -0.87334511607301, scale: 0.006666756611244351 } };
    const mine = decodeWeights([spec], bytes).get('w')!.values;
    const theirs = tf.io.decodeWeights(bytes.buffer, [spec]).w!.dataSync();
    expect(Array.from(mine)).toEqual(Array.from(theirs));
  });
});

describe('lossless compaction', () => {
  it('finds fp16-exact tensors and rejects inexact ones', () => {
    expect(exactHalves(Float32Array.of(0, -0, 1, -2.5, 65504, 2 ** -24, 6.103515625e-5))).not.toBeNull();
    expect(exactHalves(Float32Array.of(0.1))).toBeNull();
    expect(exactHalves(Float32Array.of(2 ** -25))).toBeNull();
    expect(exactHalves(Float32Array.of(70000))).toBeNull();
  });

  it.each([
    ['codebook (≤256 values)', Float32Array.from({ length: 1000 }, (_, i) => ((i * 37) % 200) * 0.0123 - 1)],
    ['fp16', Float32Array.from({ length: 1000 }, (_, i) => (i % 2000) / 1024 - 0.5)],
    ['plain float32', Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) / 3)],
  ])('ORT reproduces %s weights bit-for-bit', async (_, values) => {
    const g = new OnnxGraph('t');
    const w = addWeight(g, 'w', [values.length], values);
    const out = g.op('Identity', [w], {}, 'out');
    g.rename(out, 'y');
    const bytes = g.serialize([], [{ name: 'y', type: 'float32', shape: [values.length] }], {});
    const s = await ort.InferenceSession.create(bytes);
    const y = (await s.run({})).y!.data as Float32Array;
    expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(values.buffer))).toBe(true);
    await s.release();
  });
});

describe('model file errors', () => {
  const good = join(import.meta.dirname, '../../models/onnx/liveness.onnx');
  const sha = JSON.parse(readFileSync(join(import.meta.dirname, '../../models/manifest.json'), 'utf8')).models.find((m: { name: string }) => m.name === 'liveness').sha256;

  it('names the missing file and the rebuild command', async () => {
    const err = await openVerified('/nonexistent/liveness.onnx', sha, {}).catch((e) => e);
    expect(err.code).toBe('model.missing');
    expect(err.message).toContain('/nonexistent/liveness.onnx');
    expect(err.message).toContain('npm run models:rebuild');
  });

  it('rejects a file whose hash differs, and one ORT cannot parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    const bad = join(dir, 'liveness.onnx');
    const bytes = readFileSync(good);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(bad, bytes);
    await expect(openVerified(bad, sha, {})).rejects.toMatchObject({ code: 'model.corrupt', file: bad });
    writeFileSync(bad, 'not a model');
    const garbageSha = (await import('node:crypto')).createHash('sha256').update('not a model').digest('hex');
    await expect(openVerified(bad, garbageSha, {})).rejects.toMatchObject({ code: 'model.corrupt' });
    await expect(openVerified(good, sha, {})).resolves.toBeDefined();
  });
});
