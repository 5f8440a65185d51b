// QR codes in RGB pixels, decoded offline with jsQR (Apache-2.0). Pure: pixels in, codes out,
// so it can run in a model worker (model-workers.ts) instead of the event loop: a pass over a
// 640×360 video frame takes ~28 ms, a still with inversion 29–58 ms.
import jsQR from 'jsqr';
import sharp from 'sharp';
import type { Box, RgbImage } from './image.js';

export interface QrCode {
  payload: string;
  /** Axis-aligned box around the code, in the pixels of the image passed in. */
  box: Box;
}

/** More than this many codes in one picture is noise, and each one costs a full decoder pass. */
const MAX_CODES = 4;
/** jsQR's cost grows with the pixel count; above this the image is scanned downscaled. */
const MAX_SIDE = 2048;
/** A small image gets a second, 2× upscaled pass: jsQR needs a few pixels per module. */
const UPSCALE_BELOW = 512;

export interface ScanOptions {
  /**
   * Also look for light-on-dark codes and upscale small images. Inversion alone doubles
   * the time of a pass with no code (29 → 58 ms at 640×427, 2 cores at load 3), so
   * still images get it and sampled video frames (~28 ms each at 640×360) do not.
   */
  thorough?: boolean;
}

/** Every QR code found in an RGB image (whole image first, then a 2× upscale of small images). */
export async function scanQrCodes(image: RgbImage, { thorough = true }: ScanOptions = {}): Promise<QrCode[]> {
  const inversion = thorough ? 'attemptBoth' : 'dontInvert';
  const side = Math.max(image.width, image.height);
  if (side > MAX_SIDE) {
    const f = MAX_SIDE / side;
    return scanAt(await resized(image, Math.round(image.width * f), Math.round(image.height * f)), f, inversion);
  }
  const codes = scanAt(image, 1, inversion);
  if (codes.length || !thorough || side > UPSCALE_BELOW) return codes;
  return scanAt(await resized(image, image.width * 2, image.height * 2), 2, inversion);
}

async function resized(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Decode, blank the code found, decode again: jsQR returns one code per call. `scale` maps back to the caller's pixels. */
function scanAt(image: RgbImage, scale: number, inversionAttempts: 'attemptBoth' | 'dontInvert'): QrCode[] {
  const { width, height } = image;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[i * 4] = image.data[j]!;
    rgba[i * 4 + 1] = image.data[j + 1]!;
    rgba[i * 4 + 2] = image.data[j + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  const codes: QrCode[] = [];
  while (codes.length < MAX_CODES) {
    const code = jsQR(rgba, width, height, { inversionAttempts });
    if (!code) break;
    const l = code.location;
    const corners = [l.topLeftCorner, l.topRightCorner, l.bottomLeftCorner, l.bottomRightCorner];
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))));
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))));
    const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))));
    const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))));
    codes.push({
      payload: code.data,
      box: { x: Math.round(x0 / scale), y: Math.round(y0 / scale), width: Math.round((x1 - x0) / scale), height: Math.round((y1 - y0) / scale) },
    });
    // White over the code (and a quiet-zone margin) so the next pass finds another one.
    const m = Math.ceil((x1 - x0) / 10);
    for (let y = Math.max(0, y0 - m); y < Math.min(height, y1 + m); y++) rgba.fill(255, (y * width + Math.max(0, x0 - m)) * 4, (y * width + Math.min(width, x1 + m)) * 4);
  }
  return codes;
}
