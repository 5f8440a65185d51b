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
  /**
   * The models' input normalisation, `v * scale + offset` per 8-bit value. tfjs normalises
   * before resizing; being affine, the same map applied after interpolating is equal up to
   * float rounding (< 1e-6 here), and interpolating bytes is what makes this loop fast.
   */
  scale: number;
  offset: number;
}

/**
 * Bilinear crop-and-resize of `box` to outW×outH, written into `out` at `outOffset`
 * (NHWC float32). With the whole image as `box` this is tf.image.resizeBilinear (no
 * half-pixel centres, no antialias); with alignCorners and a crop box it samples like
 * tf.image.cropAndResize, including its extrapolation: a sample that falls outside
 * the image is black (`offset`) instead of interpolated.
 */
export function resample(image: RgbImage, box: Box, outW: number, outH: number, opts: ResampleOptions, out: Float32Array, outOffset = 0): void {
  const ys = axisSamples(box.y, box.height, outH, opts.alignCorners, image.height);
  const xs = axisSamples(box.x, box.width, outW, opts.alignCorners, image.width);
  const src = image.data;
  const stride = image.width * 3;
  const { scale, offset } = opts;
  const left = new Int32Array(outW), right = new Int32Array(outW);
  for (let c = 0; c < outW; c++) {
    left[c] = xs.lo[c]! * 3;
    right[c] = xs.hi[c]! * 3;
  }
  const xfrac = xs.frac;
  let o = outOffset;
  for (let r = 0; r < outH; r++) {
    if (ys.lo[r]! < 0) {
      out.fill(offset, o, o + outW * 3);
      o += outW * 3;
      continue;
    }
    const fy = ys.frac[r]!;
    const top = ys.lo[r]! * stride;
    const bottom = ys.hi[r]! * stride;
    for (let c = 0; c < outW; c++) {
      const l = left[c]!;
      if (l < 0) {
        out[o++] = offset; out[o++] = offset; out[o++] = offset;
        continue;
      }
      const rt = right[c]!;
      const fx = xfrac[c]!;
      for (let ch = 0; ch < 3; ch++) {
        const tl = src[top + l + ch]!, tr = src[top + rt + ch]!;
        const bl = src[bottom + l + ch]!, br = src[bottom + rt + ch]!;
        const t = tl + (tr - tl) * fx;
        const b = bl + (br - bl) * fx;
        out[o++] = (t + (b - t) * fy) * scale + offset;
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
