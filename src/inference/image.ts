// Decoded RGB pixels and the exact resampling the converted models were trained with.
import sharp from 'sharp';
import { badInput } from './errors.js';

/** Interleaved RGB, row-major, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Rectangle in source pixels; may extend past the image (samples outside it read as black). */
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
 * (NHWC float32). With the whole image as `box` this is tf.image.resizeBilinear (no
 * half-pixel centres, no antialias); with alignCorners and a crop box it samples like
 * tf.image.cropAndResize, including its extrapolation: a sample that falls outside
 * the image is black (normalize(0)) instead of interpolated.
 */
export function resample(image: RgbImage, box: Box, outW: number, outH: number, opts: ResampleOptions, out: Float32Array, outOffset = 0): void {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = opts.normalize(v);
  const ys = axisSamples(box.y, box.height, outH, opts.alignCorners, image.height);
  const xs = axisSamples(box.x, box.width, outW, opts.alignCorners, image.width);
  const src = image.data;
  const stride = image.width * 3;
  const black = lut[0]!;
  const { lo: xlo, hi: xhi, frac: xfrac } = xs;
  let o = outOffset;
  for (let r = 0; r < outH; r++) {
    const fy = ys.frac[r]!;
    const top = ys.lo[r]! * stride;
    const bottom = ys.hi[r]! * stride;
    const rowOutside = ys.lo[r]! < 0;
    for (let c = 0; c < outW; c++) {
      if (rowOutside || xlo[c]! < 0) {
        out[o++] = black; out[o++] = black; out[o++] = black;
        continue;
      }
      const left = xlo[c]! * 3;
      const right = xhi[c]! * 3;
      const fx = xfrac[c]!;
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

/** Per output row (or column): the two source indices and the weight of the second; lo = -1 outside. */
interface Samples { lo: Int32Array; hi: Int32Array; frac: Float64Array }

function axisSamples(start: number, length: number, outLength: number, alignCorners: boolean, limit: number): Samples {
  const lo = new Int32Array(outLength);
  const hi = new Int32Array(outLength);
  const frac = new Float64Array(outLength);
  const ratio = alignCorners && outLength > 1 ? (length - 1) / (outLength - 1) : length / outLength;
  for (let i = 0; i < outLength; i++) {
    const pos = start + ratio * i;
    // Past the last pixel centre but inside the image, tf.image.resizeBilinear clamps; beyond it is padding.
    if (pos < 0 || pos >= limit) {
      lo[i] = -1;
      continue;
    }
    const floor = Math.min(Math.floor(pos), limit - 1);
    lo[i] = floor;
    hi[i] = Math.min(limit - 1, Math.ceil(pos));
    frac[i] = pos - floor;
  }
  return { lo, hi, frac };
}
