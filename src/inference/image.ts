// Decoded RGB pixels and the exact resampling the converted models were trained with.
import sharp from 'sharp';
import { badInput } from './errors.js';

/** Interleaved RGB, row-major, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Rectangle in source pixels; may extend past the image (outside reads clamp to the edge). */
export interface Box { x: number; y: number; width: number; height: number }

const MAX_PIXELS = 50_000_000;

/**
 * Decodes any format sharp reads into RGB. No EXIF rotation: tfjs-based reference
 * pipelines (nsfwjs, human) see the stored orientation, and scores must match theirs.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw badInput(`image could not be decoded: ${(err as Error).message}`);
  }
}

export function assertRgb(image: RgbImage): void {
  if (image.width <= 0 || image.height <= 0 || image.data.length !== image.width * image.height * 3) {
    throw badInput(`raw image must be RGB with width*height*3 bytes (got ${image.data.length} for ${image.width}x${image.height})`);
  }
}

export interface ResampleOptions {
  /** tf.image.resizeBilinear's alignCorners: corner pixels map to corner pixels. */
  alignCorners: boolean;
  /** Maps each 8-bit value before interpolation, as the tfjs pipelines normalise before resizing. */
  normalize: (v: number) => number;
}

/**
 * Bilinear crop-and-resize of `box` to outW×outH, written into `out` at `outOffset`
 * (NHWC float32). Matches tf.image.resizeBilinear (alignCorners, no half-pixel
 * centres, no antialias) when `box` is the whole image; crops follow
 * tf.image.cropAndResize's sampling of the box's first and last pixel rows/columns.
 */
export function resample(image: RgbImage, box: Box, outW: number, outH: number, opts: ResampleOptions, out: Float32Array, outOffset = 0): void {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = opts.normalize(v);
  const ys = axisSamples(box.y, box.height, outH, opts.alignCorners, image.height);
  const xs = axisSamples(box.x, box.width, outW, opts.alignCorners, image.width);
  const src = image.data;
  const stride = image.width * 3;
  let o = outOffset;
  for (let r = 0; r < outH; r++) {
    const top = ys.lo[r]! * stride;
    const bottom = ys.hi[r]! * stride;
    const fy = ys.frac[r]!;
    for (let c = 0; c < outW; c++) {
      const left = xs.lo[c]! * 3;
      const right = xs.hi[c]! * 3;
      const fx = xs.frac[c]!;
      for (let ch = 0; ch < 3; ch++) {
        const tl = lut[src[top + left + ch]!]!;
        const tr = lut[src[top + right + ch]!]!;
        const bl = lut[src[bottom + left + ch]!]!;
        const br = lut[src[bottom + right + ch]!]!;
        const t = tl + (tr - tl) * fx;
        const b = bl + (br - bl) * fx;
        out[o++] = t + (b - t) * fy;
      }
    }
  }
}

interface Samples { lo: Int32Array; hi: Int32Array; frac: Float64Array }

function axisSamples(start: number, length: number, outLength: number, alignCorners: boolean, limit: number): Samples {
  const lo = new Int32Array(outLength);
  const hi = new Int32Array(outLength);
  const frac = new Float64Array(outLength);
  const ratio = alignCorners && outLength > 1 ? (length - 1) / (outLength - 1) : length / outLength;
  for (let i = 0; i < outLength; i++) {
    const pos = start + ratio * i;
    const clamped = Math.min(Math.max(pos, 0), limit - 1);
    const floor = Math.floor(clamped);
    lo[i] = floor;
    hi[i] = Math.min(limit - 1, Math.ceil(clamped));
    frac[i] = clamped - floor;
  }
  return { lo, hi, frac };
}
