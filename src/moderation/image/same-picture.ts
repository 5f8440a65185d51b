import type { RgbImage } from '../../inference';

/**
 * Whether a video frame can show text that the last OCR'd frame did not: the test that lets
 * repeated frames skip OCR. A perceptual hash cannot answer it: a 64-bit hash of the whole
 * picture moves 0–4 bits when a 12–20 px caption appears over a 448×252 frame, and OCR reads
 * such a caption (and fonts down to 6–7 px). Here the frames are compared locally instead:
 * aligned by the best small shift (encoder jitter, a steadied camera), then every CELL×CELL
 * block must match on average within codec noise. Any block that changed, anything that
 * moved further, a different size: the frame is read again.
 */

export interface Sketch {
  /** Luma, for the alignment search. */
  grey: Uint8Array;
  /** The frame's RGB: blocks are compared on all three channels, so text of the same brightness as its background (red on green) still counts. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * The largest shift absorbed, in pixels of the sampled frame. The strip it uncovers at the
 * edge is never read, so it must be too narrow for a legible glyph: the smallest font OCR read
 * on a 448×252 frame was 6 px.
 */
const MAX_SHIFT = 4;
/** Block side for the local test (a 6–8 px caption line covers a good part of a block). */
const CELL = 16;
/**
 * Largest mean absolute difference (0–255, averaged over R, G and B) of one block between
 * frames that show the same picture. H.264 noise on a held picture stayed ≤ 3.6 (a photo held
 * 10 s, plain and with film grain at CRF 30); a 6-px caption moved its block by 11–29, and
 * faint grey text that moved it less than 8 was not read by OCR either.
 */
const CELL_LIMIT = 6;
/** Alignment is searched on every STEP-th pixel of every STEP-th row (the block test uses all). */
const STEP = 4;

export function sketch(image: RgbImage): Sketch {
  const { data, width, height } = image;
  const grey = new Uint8Array(width * height);
  // Integer Rec. 601 luma: what the eye (and a caption's contrast) sees, cheap per pixel.
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) grey[i] = (77 * data[j]! + 150 * data[j + 1]! + 29 * data[j + 2]!) >> 8;
  return { grey, rgb: data, width, height };
}

/** True when `current` shows nothing that `reference` did not (so text read on it stands). */
export function samePicture(reference: Sketch, current: Sketch): boolean {
  if (reference.width !== current.width || reference.height !== current.height) return false;
  // A held picture passes unshifted; only a frame that fails so is worth the shift search.
  if (worstBlock(reference, current, 0, 0, CELL_LIMIT) <= CELL_LIMIT) return true;
  const { dx, dy } = bestShift(reference, current);
  return (dx !== 0 || dy !== 0) && worstBlock(reference, current, dx, dy, CELL_LIMIT) <= CELL_LIMIT;
}

/** The mean difference of the most changed block once aligned (Infinity for frames of different sizes); for tests and tuning. */
export function pictureChange(reference: Sketch, current: Sketch): number {
  if (reference.width !== current.width || reference.height !== current.height) return Infinity;
  const { dx, dy } = bestShift(reference, current);
  return worstBlock(reference, current, dx, dy, Infinity);
}

/** The shift (current pixel (x, y) ↔ reference (x + dx, y + dy)) with the lowest mean difference; no shift wins ties. */
function bestShift(a: Sketch, b: Sketch): { dx: number; dy: number } {
  let best = { dx: 0, dy: 0, cost: meanDifference(a, b, 0, 0) };
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      if (!dx && !dy) continue;
      const cost = meanDifference(a, b, dx, dy);
      if (cost < best.cost) best = { dx, dy, cost };
    }
  }
  return best;
}

function meanDifference(a: Sketch, b: Sketch, dx: number, dy: number): number {
  const { width, height } = b;
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y += STEP) {
    const rowB = y * width;
    const rowA = (y + dy) * width + dx;
    for (let x = Math.max(0, -dx); x < Math.min(width, width - dx); x += STEP) {
      sum += Math.abs(b.grey[rowB + x]! - a.grey[rowA + x]!);
      n++;
    }
  }
  return n ? sum / n : Infinity;
}

/**
 * The mean difference of the worst block of the overlap (partial blocks at the edges by their
 * own area), or the first one found above `stopAbove`.
 */
function worstBlock(a: Sketch, b: Sketch, dx: number, dy: number, stopAbove: number): number {
  const { width, height } = b;
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(width, width - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(height, height - dy);
  let worst = 0;
  for (let cy = y0; cy < y1; cy += CELL) {
    for (let cx = x0; cx < x1; cx += CELL) {
      let sum = 0;
      const ey = Math.min(y1, cy + CELL);
      const ex = Math.min(x1, cx + CELL);
      for (let y = cy; y < ey; y++) {
        const rowB = (y * width + cx) * 3;
        const rowA = ((y + dy) * width + cx + dx) * 3;
        for (let i = 0; i < (ex - cx) * 3; i++) sum += Math.abs(b.rgb[rowB + i]! - a.rgb[rowA + i]!);
      }
      worst = Math.max(worst, sum / (3 * (ey - cy) * (ex - cx)));
      if (worst > stopAbove) return worst;
    }
  }
  return worst;
}
