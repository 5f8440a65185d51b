import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECIPES } from '../../models/recipes/index.js';
import { packageVersion } from '../../models/recipes/recipe.js';
import { modelPath, readManifest } from '../../src/inference/manifest.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('models/manifest.json', () => {
  const manifest = readManifest();

  it.each(manifest.map((m) => [m.name, m] as const))('%s: file matches its manifest hash and size', (_, entry) => {
    const file = modelPath(entry);
    expect(existsSync(file), `${file} missing; run npm run models:rebuild`).toBe(true);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(entry.bytes);
    expect(sha256(bytes)).toBe(entry.sha256);
  });

  it.each(manifest.map((m) => [m.name, m] as const))('%s: source package version and files are the pinned ones', (_, entry) => {
    expect(packageVersion(entry.source.package)).toBe(entry.source.version);
    expect(entry.licence).not.toBe('');
    for (const f of entry.source.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists every converter recipe', () => {
    for (const r of RECIPES) expect(manifest.some((m) => m.name === r.name && m.kind === 'converted')).toBe(true);
  });

  // Rebuilding from the pinned packages must give the committed bytes exactly.
  it.each(RECIPES.map((r) => [r.name, r] as const))('%s: rebuild reproduces the file bit-for-bit', (name, recipe) => {
    const entry = manifest.find((m) => m.name === name)!;
    const { onnx, files } = recipe.build();
    expect(files).toEqual(entry.source.files);
    expect(sha256(onnx)).toBe(entry.sha256);
  });
});
