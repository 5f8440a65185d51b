// Reads models/manifest.json: which file backs each model name and the hash it must have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export function modelPath(entry: ManifestEntry): string {
  return entry.kind === 'converted' ? join(MODELS_DIR, entry.file) : join(REPO_ROOT, 'node_modules', entry.file);
}
