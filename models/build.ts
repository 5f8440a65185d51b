// `npm run models:rebuild`: converts every recipe from the pinned npm packages into
// models/onnx/*.onnx and rewrites models/manifest.json with provenance and hashes.
// Deterministic: the same package versions give byte-identical files.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_MODELS } from './recipes/external.js';
import { RECIPES } from './recipes/index.js';
import { packageDir, packageVersion, REPO_ROOT } from './recipes/recipe.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const MODELS_DIR = join(REPO_ROOT, 'models');

const only = process.argv.slice(2);
const manifestPath = join(MODELS_DIR, 'manifest.json');
const previous = (() => {
  try {
    return (JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: { name: string }[] }).models;
  } catch {
    return [];
  }
})();

mkdirSync(join(MODELS_DIR, 'onnx'), { recursive: true });
const converted = RECIPES.map((recipe) => {
  if (only.length > 0 && !only.includes(recipe.name)) return previous.find((m) => m.name === recipe.name);
  const started = Date.now();
  const { onnx, files } = recipe.build();
  const file = `onnx/${recipe.name}.onnx`;
  writeFileSync(join(MODELS_DIR, file), onnx);
  console.log(`${recipe.name}: ${(onnx.length / 1e6).toFixed(2)} MB in ${Date.now() - started} ms`);
  return {
    name: recipe.name,
    kind: 'converted',
    file,
    purpose: recipe.purpose,
    source: { package: recipe.package, version: packageVersion(recipe.package), files },
    sha256: sha256(onnx),
    bytes: onnx.length,
    licence: recipe.licence,
    inputs: recipe.inputs,
    outputs: recipe.outputs,
    preprocessing: recipe.preprocessing,
    postprocessing: recipe.postprocessing,
  };
}).filter((m) => m !== undefined);

const external = EXTERNAL_MODELS.map((m) => {
  const bytes = readFileSync(join(packageDir(m.package), m.path));
  const digest = sha256(bytes);
  return {
    name: m.name,
    kind: 'external',
    file: join(m.package, m.path),
    purpose: m.purpose,
    source: { package: m.package, version: packageVersion(m.package), files: [{ path: join(m.package, m.path), sha256: digest }] },
    sha256: digest,
    bytes: bytes.length,
    licence: m.licence,
    inputs: m.inputs,
    outputs: m.outputs,
    preprocessing: m.preprocessing,
    postprocessing: m.postprocessing,
  };
});

writeFileSync(manifestPath, `${JSON.stringify({ models: [...converted, ...external] }, null, 2)}\n`);
console.log(`wrote ${manifestPath}`);
