import { afterAll, describe, expect, it } from 'vitest';
import { renderedImages, samplePhoto } from '../../models/golden-inputs.js';
import {
  alignedCrop128, CHIP_KEYPOINTS, DESCRIPTOR_128_MATCH_THRESHOLD, DESCRIPTOR_128_SIZE, descriptor128Similarity, embedFace128,
} from '../../src/inference/face-descriptor-128.js';
import type { DetectedFace } from '../../src/inference/faces.js';
import type { RgbImage } from '../../src/inference/image.js';
import { detectFaces } from '../../src/inference/portrait.js';
import { releaseSessions } from '../../src/inference/sessions.js';

/** A crop of `img` (integer box), as a new RGB image. */
function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) data.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { data, width: w, height: h };
}

describe('keypoint-aligned crop', () => {
  it('undoes a rotation, scale and shift of the face', () => {
    // Chip (u,v) → source: rotate 30°, scale 1.7, shift; every source pixel stores its chip
    // coordinates, which bilinear sampling reproduces exactly up to the byte rounding.
    const s = 1.7, th = Math.PI / 6, ox = 180, oy = 20;
    const c = Math.cos(th) * s, n = Math.sin(th) * s;
    const toSource = (u: number, v: number) => ({ x: ox + c * u - n * v, y: oy + n * u + c * v });
    const W = 400, H = 400, data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const dx = x - ox, dy = y - oy;
        const u = (c * dx + n * dy) / (s * s), v = (-n * dx + c * dy) / (s * s);
        if (u >= 0 && v >= 0 && u <= 255 && v <= 255) data.set([Math.round(u), Math.round(v), 7], (y * W + x) * 3);
      }
    const face: DetectedFace = { box: { x: 0, y: 0, width: 10, height: 10 }, score: 1, keypoints: [...CHIP_KEYPOINTS.map((p) => toSource(p.x, p.y)), { x: 0, y: 0 }, { x: 0, y: 0 }] };
    const out = alignedCrop128({ data, width: W, height: H }, face);
    let worst = 0;
    for (let v = 2; v < DESCRIPTOR_128_SIZE - 2; v++)
      for (let u = 2; u < DESCRIPTOR_128_SIZE - 2; u++) {
        const o = (v * DESCRIPTOR_128_SIZE + u) * 3;
        worst = Math.max(worst, Math.abs(out[o]! - u), Math.abs(out[o + 1]! - v), Math.abs(out[o + 2]! - 7));
      }
    expect(worst).toBeLessThan(1.01);
  });

  it('is black where the chip falls outside the image', () => {
    const img: RgbImage = { data: new Uint8Array(40 * 40 * 3).fill(200), width: 40, height: 40 };
    // Keypoints at the chip's own positions shifted far left: most of the chip lies left of the image.
    const face: DetectedFace = { box: { x: 0, y: 0, width: 10, height: 10 }, score: 1, keypoints: CHIP_KEYPOINTS.map((p) => ({ x: p.x - 120, y: p.y - 60 })) };
    const out = alignedCrop128(img, face);
    expect(out[0]).toBe(0);
    const inside = ((70 * DESCRIPTOR_128_SIZE) + 140) * 3; // chip (140,70) → source (20,10)
    expect(out[inside]).toBeCloseTo(200, 3);
  });
});

describe('embedFace128 end to end', () => {
  afterAll(releaseSessions);

  it('matches a face with a shifted re-crop of itself and not with another person', async () => {
    const photo = await samplePhoto('demo/sample6.jpg');
    const [a, b] = await detectFaces(photo);
    const full = (await embedFace128(photo, a))!;
    const other = (await embedFace128(photo, b))!;
    const shifted = crop(photo, 100, 60, photo.width - 300, photo.height - 200);
    const moved = (await detectFaces(shifted)).find((f) => Math.abs(f.box.x + 100 - a!.box.x) < 20 && Math.abs(f.box.y + 60 - a!.box.y) < 20);
    expect(moved, 'the same face is found in the re-crop').toBeDefined();
    const again = (await embedFace128(shifted, moved))!;
    expect(full.vector.length).toBe(128);
    expect(descriptor128Similarity(full, again)).toBeGreaterThan(DESCRIPTOR_128_MATCH_THRESHOLD);
    expect(descriptor128Similarity(full, other)).toBeLessThan(DESCRIPTOR_128_MATCH_THRESHOLD);
  });

  it('returns null when there is no face', async () => {
    expect(await embedFace128(renderedImages().find((i) => i.id.includes('noise'))!)).toBeNull();
  });
});
