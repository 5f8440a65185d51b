import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allGoldenImages, pixelHash, type GoldenImage } from '../../models/golden-inputs.js';
import { classifyImageSafety, classifyImageSafetyBatch, SAFETY_CLASSES } from '../../src/inference/safety.js';
import { releaseSessions } from '../../src/inference/sessions.js';

interface Golden {
  cases: { image: string; pixelsSha256: string; probabilities: number[]; classify: { className: string; probability: number }[] }[];
}

const golden = JSON.parse(readFileSync(new URL('../../models/goldens/nsfw-mobilenet-v2.json', import.meta.url), 'utf8')) as Golden;

describe('nsfw-mobilenet-v2 against nsfwjs on tfjs', () => {
  let images: GoldenImage[];
  beforeAll(async () => {
    images = await allGoldenImages();
  });
  afterAll(releaseSessions);

  it('has goldens for every fixed input', () => {
    expect(golden.cases.map((c) => c.image)).toEqual(images.map((i) => i.id));
  });

  it.each(golden.cases.map((c) => [c.image, c] as const))('%s: probabilities within 1e-4 and classify() reproduced', async (_, c) => {
    const img = images.find((i) => i.id === c.image)!;
    expect(pixelHash(img), 'decoded pixels differ from the ones the golden was recorded on').toBe(c.pixelsSha256);
    const result = await classifyImageSafety(img);
    SAFETY_CLASSES.forEach((cls, i) => expect(Math.abs(result.scores[cls] - c.probabilities[i]!)).toBeLessThan(1e-4));
    expect(result.top).toBe(c.classify[0]!.className);
    for (const { className, probability } of c.classify) {
      expect(Math.abs(result.scores[className as (typeof SAFETY_CLASSES)[number]] - probability)).toBeLessThan(1e-4);
    }
  });

  it('gives the same scores in a batch as one at a time', async () => {
    const batch = await classifyImageSafetyBatch(images.slice(0, 4));
    for (const [i, r] of batch.entries()) {
      const single = await classifyImageSafety(images[i]!);
      for (const cls of SAFETY_CLASSES) expect(Math.abs(r.scores[cls] - single.scores[cls])).toBeLessThan(1e-5);
    }
  });

  it('decodes encoded bytes (JPEG) itself', async () => {
    const bytes = readFileSync(new URL('../../node_modules/@vladmandic/face-api/demo/sample2.jpg', import.meta.url));
    const result = await classifyImageSafety(bytes);
    expect(result.top).toBe(golden.cases.find((c) => c.image.endsWith('sample2.jpg'))!.classify[0]!.className);
  });

  it('rejects malformed input with a stable code', async () => {
    await expect(classifyImageSafety(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'inference.bad_input' });
    await expect(classifyImageSafety({ data: new Uint8Array(5), width: 2, height: 2 })).rejects.toMatchObject({ code: 'inference.bad_input' });
  });
});
