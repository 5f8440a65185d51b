// Reads tfjs model artifacts (model.json + weight shards, or nsfwjs's bundled
// base64 modules) and decodes weights bit-exactly the way tfjs-core's io_utils does.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

export interface Weight {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export interface TfjsArtifacts {
  topology: any;
  signature?: any;
  weights: Map<string, Weight>;
  /** sha256 of every source file read, so the manifest pins exactly what was converted. */
  files: { path: string; sha256: string }[];
}

interface ModelJson { modelTopology: any; signature?: any; weightsManifest: { paths: string[]; weights: WeightSpec[] }[] }

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** tfjs's own layout: model.json next to its .bin shards (human-models, face-api). */
export function loadTfjsJson(jsonPath: string, label = jsonPath): TfjsArtifacts {
  const text = readFileSync(jsonPath);
  const json = JSON.parse(text.toString('utf8')) as ModelJson;
  const files = [{ path: label, sha256: sha256(text) }];
  const shards = json.weightsManifest.flatMap((group) => group.paths).map((p) => {
    const bytes = readFileSync(join(dirname(jsonPath), p));
    files.push({ path: join(dirname(label), p), sha256: sha256(bytes) });
    return bytes;
  });
  return assemble(json, shards, files);
}

/**
 * A bare weights manifest (face-api's `*-weights_manifest.json`: the weightsManifest array
 * alone, no topology; the network is defined in the package's code). `topology` is null.
 */
export function loadTfjsWeightsManifest(manifestPath: string, label = manifestPath): TfjsArtifacts {
  const text = readFileSync(manifestPath);
  const groups = JSON.parse(text.toString('utf8')) as ModelJson['weightsManifest'];
  const files = [{ path: label, sha256: sha256(text) }];
  const shards = groups.flatMap((group) => group.paths).map((p) => {
    const bytes = readFileSync(join(dirname(manifestPath), p));
    files.push({ path: join(dirname(label), p), sha256: sha256(bytes) });
    return bytes;
  });
  return assemble({ modelTopology: null, weightsManifest: groups }, shards, files);
}

/**
 * nsfwjs 4 ships each model as UMD modules: model.min.js exports the model.json
 * object and each group1-shardNofM.min.js exports one shard as base64.
 */
export function loadNsfwjsBundle(dir: string, label = dir): TfjsArtifacts {
  const require = createRequire(join(dir, 'model.min.js'));
  const modelFile = join(dir, 'model.min.js');
  const json = require(modelFile) as ModelJson;
  const files = [{ path: join(label, 'model.min.js'), sha256: sha256(readFileSync(modelFile)) }];
  const shards = json.weightsManifest.flatMap((group) => group.paths).map((p) => {
    const file = join(dir, `${p}.min.js`);
    files.push({ path: join(label, `${p}.min.js`), sha256: sha256(readFileSync(file)) });
    return Buffer.from(require(file) as string, 'base64');
  });
  return assemble(json, shards, files);
}

function assemble(json: ModelJson, shards: Uint8Array[], files: TfjsArtifacts['files']): TfjsArtifacts {
  const data = Buffer.concat(shards);
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  return { topology: json.modelTopology, signature: json.signature, weights: decodeWeights(specs, data), files };
}

export function decodeWeights(specs: WeightSpec[], data: Uint8Array): Map<string, Weight> {
  const out = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
    const bytes = data.slice(offset, offset + count * bytesPer);
    offset += count * bytesPer;
    out.set(spec.name, { shape: spec.shape, dtype: spec.dtype, values: decodeOne(spec, bytes, count) });
  }
  if (offset !== data.byteLength) throw new Error(`weight data has ${data.byteLength} bytes, specs use ${offset}`);
  return out;
}

function decodeOne(spec: WeightSpec, bytes: Uint8Array, count: number): Float32Array | Int32Array {
  const q = spec.quantization;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (!q) return spec.dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new Error(`${spec.name}: float16 quantisation of ${spec.dtype}`);
    return float16ToFloat32(new Uint16Array(buffer));
  }
  const quantized = q.dtype === 'uint8' ? new Uint8Array(buffer) : new Uint16Array(buffer);
  const { min, scale } = q;
  if (min === undefined || scale === undefined) throw new Error(`${spec.name}: ${q.dtype} without min/scale`);
  // Same arithmetic as tfjs: a double-precision affine map, rounded once into the typed array.
  const values = spec.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = quantized[i]! * scale + min;
    values[i] = spec.dtype === 'int32' ? Math.round(v) : v;
  }
  return values;
}

/** IEEE half → single; exact for every half value (normals, subnormals, ±0, ±inf, NaN). */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) bits[i] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) bits[i] = sign | ((exp + 112) << 23) | (mant << 13);
    else out[i] = (sign ? -1 : 1) * mant * 2 ** -24;
  }
  return out;
}
