import { afterAll, describe, expect, it } from 'vitest';
import { samplePhoto } from '../../models/golden-inputs.js';
import { pose, sharpness } from '../../src/inference/face-quality.js';
import { detectionTiles, TILE_MAX_FACE, type DetectedFace } from '../../src/inference/faces.js';
import { resample, type RgbImage } from '../../src/inference/image.js';
import { closeModelWorkers } from '../../src/inference/model-workers.js';
import { detectFaces } from '../../src/inference/portrait.js';
import { faceInventory } from '../../src/inference/portrait-pass.js';

/** `face`'s region of `img` (enlarged `margin`×) resampled to `side` px and pasted at (x, y) on a grey canvas. */
function paste(canvas: RgbImage, img: RgbImage, face: DetectedFace, side: number, x: number, y: number, margin = 2): void {
  const s = Math.max(face.box.width, face.box.height) * margin;
  const box = { x: face.box.x + face.box.width / 2 - s / 2, y: face.box.y + face.box.height / 2 - s / 2, width: s, height: s };
  const px = new Float32Array(side * side * 3);
  resample(img, box, side, side, { alignCorners: true, scale: 1, offset: 128 }, px);
  for (let r = 0; r < side; r++) for (let c = 0; c < side * 3; c++) canvas.data[((y + r) * canvas.width + x) * 3 + c] = Math.round(px[r * side * 3 + c]!);
}

const grey = (width: number, height: number): RgbImage => ({ data: new Uint8Array(width * height * 3).fill(128), width, height });

describe('tiles for small faces', () => {
  it('covers a large image with half-size squares stepping by half a tile; small images get none', () => {
    const tiles = detectionTiles({ width: 1200, height: 900 });
    expect(tiles).toHaveLength(6);
    for (const t of tiles) expect(t).toMatchObject({ width: 600, height: 600 });
    expect(new Set(tiles.map((t) => t.x))).toEqual(new Set([0, 300, 600]));
    expect(new Set(tiles.map((t) => t.y))).toEqual(new Set([0, 300]));
    expect(detectionTiles({ width: 250, height: 250 })).toEqual([]);
    // A long strip: the tiles are centred on the short side, overhanging it (black, as in the letterbox).
    expect(detectionTiles({ width: 1200, height: 400 })[0]).toMatchObject({ y: -100, width: 600 });
  });

  it('finds a 48-px face in a 1200×900 photo that the whole view misses, and adds no tile face larger than its limit', async () => {
    const sample = await samplePhoto('demo/sample1.jpg');
    const [big, small] = await detectFaces(sample);
    const canvas = grey(1200, 900);
    paste(canvas, sample, big!, 800, 50, 50);
    paste(canvas, sample, small!, 96, 1000, 600);
    const near = (fs: DetectedFace[]) => fs.filter((f) => Math.abs(f.box.x + f.box.width / 2 - 1048) < 24 && Math.abs(f.box.y + f.box.height / 2 - 648) < 24);
    expect(near(await detectFaces(canvas))).toEqual([]);
    const tiled = await detectFaces(canvas, { tiled: true });
    expect(near(tiled)).toHaveLength(1);
    expect(near(tiled)[0]!.box.width).toBeGreaterThan(30);
    expect(near(tiled)[0]!.box.width).toBeLessThan(TILE_MAX_FACE * 600);
    // The big face is still found once.
    expect(tiled.filter((f) => f.box.width > 300)).toHaveLength(1);
  });
});

describe('quality hints', () => {
  it('pose: a level frontal face reads yaw 0 and roll 0; a turned and tilted one does not', () => {
    const eyes = (rx: number, ry: number, lx: number, ly: number, nx: number, ny: number) => ({ keypoints: [{ x: rx, y: ry }, { x: lx, y: ly }, { x: nx, y: ny }] });
    expect(pose(eyes(40, 50, 80, 50, 60, 70))).toEqual({ yaw: 0, roll: 0 });
    expect(pose(eyes(40, 50, 80, 50, 76, 70)).yaw).toBeCloseTo(0.4);
    const tilted = pose(eyes(40, 50, 80, 90, 45, 85)); // nose square below the eye line's midpoint
    expect(tilted.roll).toBeCloseTo(45);
    expect(tilted.yaw).toBeCloseTo(0, 5);
    expect(pose({ keypoints: [] })).toEqual({ yaw: 0, roll: 0 });
  });

  it('sharpness falls when the same face is blurred', async () => {
    const sample = await samplePhoto('demo/sample1.jpg');
    const [face] = await detectFaces(sample);
    const soft = grey(400, 400), crisp = grey(400, 400);
    paste(crisp, sample, face!, 200, 100, 100, 1);
    paste(soft, sample, face!, 40, 180, 180, 1); // downscaled: what the 64-px crop reads back is blurred
    const box = { x: 100, y: 100, width: 200, height: 200 };
    expect(sharpness(crisp, box)).toBeGreaterThan(2 * sharpness(soft, { x: 180, y: 180, width: 40, height: 40 }));
  });
});

describe('faceInventory', () => {
  afterAll(() => closeModelWorkers());

  it('returns every face with embedding, age, spoof hints and quality; `keep` runs before the per-face models', async () => {
    const sample = await samplePhoto('demo/sample1.jpg');
    const inv = await faceInventory(sample);
    expect(inv).toMatchObject({ width: sample.width, height: sample.height, capped: false });
    expect(inv.faces).toHaveLength(3);
    for (const f of inv.faces) {
      expect(f.embedding.vector).toHaveLength(1024);
      expect(f.age.age).toBeGreaterThan(10);
      expect(f.quality.size).toBe(Math.max(f.box.width, f.box.height));
      expect(f.quality.sharpness).toBeGreaterThan(0);
      expect(Math.abs(f.quality.yaw)).toBeLessThan(1);
    }
    let seen = 0;
    const one = await faceInventory(sample, { keep: (fs) => ((seen = fs.length), fs.slice(0, 1)) });
    expect(seen).toBe(3);
    expect(one.faces).toHaveLength(1);
    expect((await faceInventory(sample, { maxFaces: 2 })).capped).toBe(true);
  });
});
