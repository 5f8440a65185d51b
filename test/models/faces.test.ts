import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderedImages, samplePhoto } from '../../models/golden-inputs.js';
import { FACE_MATCH_THRESHOLD as MATCH_THRESHOLD, faceSimilarity } from '../../src/inference/face-analysis.js';
import { decodeDetections, iou, nonMaxSuppression, type DetectedFace } from '../../src/inference/faces.js';
import { decodeImage, type RgbImage } from '../../src/inference/image.js';
import { antispoof, detectFaces, embedFace, estimateAge } from '../../src/inference/portrait.js';
import { closeModelWorkers } from '../../src/inference/model-workers.js';
import { analyzeFaces, analyzePortrait } from '../../src/inference/portrait-pass.js';
import { classifyImageSafety, SAFETY_CLASSES } from '../../src/inference/safety.js';
import { releaseSessions } from '../../src/inference/sessions.js';


const face = (x: number, y: number, size: number, score: number): DetectedFace => ({ box: { x, y, width: size, height: size }, score, keypoints: [] });

/** A crop of `img` (integer box), as a new RGB image. */
function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) data.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { data, width: w, height: h };
}

describe('face detection post-processing', () => {
  it('computes IoU of boxes', () => {
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });

  it('keeps the best of overlapping boxes and every separate one', () => {
    const kept = nonMaxSuppression([face(0, 0, 100, 0.7), face(5, 5, 100, 0.9), face(300, 0, 80, 0.6)], 0.3, 10);
    expect(kept.map((f) => f.score)).toEqual([0.9, 0.6]);
  });

  it('decodes an anchor row into source pixels', () => {
    const raw = new Float32Array(896 * 17).fill(-20);
    // Anchor 0 sits at (8, 8) in the 256-px detector square; logit 2 → score 0.881.
    raw.set([2, 4, -2, 32, 32, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], 0);
    const [f] = decodeDetections(raw, { x: -100, y: 0, width: 512, height: 512 }, { minScore: 0.5 });
    expect(f!.score).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(f!.box).toEqual({ x: -100 + (12 - 16) * 2, y: (6 - 16) * 2, width: 64, height: 64 });
    expect(f!.keypoints[1]).toEqual({ x: -100 + 9 * 2, y: 9 * 2 });
  });
});

describe('face models end to end', () => {
  afterAll(() => Promise.all([releaseSessions(), closeModelWorkers()]));

  it('finds the faces in the face-api group photos and none in noise', async () => {
    const sample1 = await samplePhoto('demo/sample1.jpg');
    const faces = await detectFaces(sample1);
    expect(faces.length).toBe(3);
    for (const f of faces) expect(f.box.width).toBeGreaterThan(100);
    expect(await detectFaces(renderedImages().find((i) => i.id.includes('noise'))!)).toEqual([]);
  });

  it('matches a face with a shifted re-crop of itself and not with another person', async () => {
    const photo = await samplePhoto('demo/sample6.jpg');
    const [a, b] = await detectFaces(photo);
    const full = (await embedFace(photo, a))!;
    const other = (await embedFace(photo, b))!;
    // Same pixels of the same person, seen inside a different crop of the photo.
    const shifted = crop(photo, 100, 60, photo.width - 300, photo.height - 200);
    const moved = (await detectFaces(shifted)).find((f) => Math.abs(f.box.x + 100 - a!.box.x) < 20 && Math.abs(f.box.y + 60 - a!.box.y) < 20);
    expect(moved, 'the same face is found in the re-crop').toBeDefined();
    const again = (await embedFace(shifted, moved))!;
    expect(faceSimilarity(full, again)).toBeGreaterThan(MATCH_THRESHOLD);
    expect(faceSimilarity(full, other)).toBeLessThan(MATCH_THRESHOLD);
  });

  it('returns null when there is no face', async () => {
    const noise = renderedImages().find((i) => i.id.includes('noise'))!;
    expect(await embedFace(noise)).toBeNull();
    expect(await antispoof(noise)).toBeNull();
    expect(await estimateAge(noise)).toBeNull();
  });

  it('runs the full portrait pass on a JPEG', async () => {
    const bytes = readFileSync(new URL('../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url));
    const r = await analyzePortrait(bytes);
    expect(r.safety.top).toBe('Neutral');
    expect(r.faces).toHaveLength(3);
    for (const f of r.faces) {
      expect(f.age.age).toBeGreaterThan(15);
      expect(f.age.age).toBeLessThan(60);
      expect(f.spoof.real).toBeGreaterThanOrEqual(0);
      expect(f.spoof.real).toBeLessThanOrEqual(1);
      expect(f.age.bands).toBeUndefined();
      expect(f.embedding.age).toBeGreaterThan(15);
      expect(f.embedding.age).toBeLessThan(60);
    }
  });

  it('gives in its workers what the models give one by one in this thread', async () => {
    const bytes = readFileSync(new URL('../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url));
    const img = await decodeImage(bytes);
    const r = await analyzePortrait(bytes, { ageBands: true });
    const safety = await classifyImageSafety(img);
    for (const c of SAFETY_CLASSES) expect(r.safety.scores[c]).toBeCloseTo(safety.scores[c], 5);
    const here = await detectFaces(img, { maxFaces: 5 });
    expect(r.faces.map((f) => f.box)).toEqual(here.map((f) => f.box));
    for (const [i, f] of r.faces.entries()) {
      const face = here[i]!;
      expect(faceSimilarity(f.embedding, (await embedFace(img, face))!)).toBeGreaterThan(0.99999);
      const spoof = (await antispoof(img, face))!;
      expect(f.spoof.real).toBeCloseTo(spoof.real, 5);
      expect(f.spoof.live).toBeCloseTo(spoof.live, 5);
      const age = (await estimateAge(img, face))!;
      expect(f.age.age).toBeCloseTo(age.age, 4);
      expect(f.age.under20).toBeCloseTo(age.under20!, 5);
    }
  });

  it('answers one face per detection with analyzeFaces, and none for noise', async () => {
    const noise = renderedImages().find((i) => i.id.includes('noise'))!;
    expect(await analyzeFaces(noise)).toEqual([]);
    const best = await analyzeFaces(await samplePhoto('demo/sample1.jpg'), { maxFaces: 1 });
    expect(best).toHaveLength(1);
    expect(best[0]!.embedding.vector).toHaveLength(1024);
  });

  it('fails a pass with a coded error: undecodable bytes here, a missing model file in a worker', async () => {
    await expect(analyzePortrait(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'inference.bad_input' });
    await closeModelWorkers();
    const before = process.env.LIKENESS_MODELS_DIR;
    process.env.LIKENESS_MODELS_DIR = mkdtempSync(join(tmpdir(), 'lg-no-models-'));
    try {
      // Workers copy the environment when they start: these see an empty models directory.
      await expect(analyzePortrait(await samplePhoto('demo/sample1.jpg'))).rejects.toMatchObject({ code: 'model.missing' });
    } finally {
      await closeModelWorkers();
      if (before === undefined) delete process.env.LIKENESS_MODELS_DIR;
      else process.env.LIKENESS_MODELS_DIR = before;
    }
  });
});

describe('estimateAge', () => {
  afterAll(releaseSessions);
  it('returns GEAR bands that sum to one with the SSR-Net age', async () => {
    const r = (await estimateAge(await samplePhoto('demo/sample1.jpg')))!;
    expect(Object.values(r.bands!).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
    expect(r.under20).toBe(r.bands!['<20']);
    expect(r.age).toBeGreaterThan(15);
  });
});
