import sharp from 'sharp';

/**
 * A 64-bit DCT perceptual hash: the image reduced to 32×32 grey, its 2-D DCT, and
 * one bit per low-frequency coefficient (the 8×8 corner) above the corner's median. Resizing and re-encoding
 * barely move low frequencies, so copies of an image land a few bits apart.
 * Stored as 16 hex digits.
 */
const N = 32;
const COS = Array.from({ length: 8 }, (_, u) => Float64Array.from({ length: N }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N))));

export async function perceptualHash(input: Buffer | string | { data: Uint8Array; width: number; height: number }): Promise<string> {
  const source =
    typeof input === 'string' || Buffer.isBuffer(input)
      ? sharp(input, { limitInputPixels: 100_000_000 }).rotate()
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
  const grey = await source
    .greyscale()
    .resize(N, N, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return hashGrey(grey);
}

/** The hash of a 32×32 8-bit grey image (exported for frames already decoded). */
export function hashGrey(grey: Uint8Array): string {
  const rows = new Float64Array(8 * N);
  for (let u = 0; u < 8; u++) {
    for (let y = 0; y < N; y++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += grey[y * N + x]! * COS[u]![x]!;
      rows[u * N + y] = s;
    }
  }
  const coeffs: number[] = [];
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[u * N + y]! * COS[v]![y]!;
      coeffs.push(s);
    }
  }
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    const bit = coeffs[i]! > median ? 1 : 0;
    if (i < 32) hi = (hi << 1) | bit;
    else lo = (lo << 1) | bit;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export function hammingDistance(a: string, b: string): number {
  return popcount(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) + popcount(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16));
}

function popcount(x: number): number {
  x >>>= 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The hash of the horizontally mirrored image, from the hash alone: mirroring negates
 * every coefficient with an odd horizontal frequency u, and since the AC coefficients
 * are spread around the median (≈ 0), their bits flip. Bit order is v-major (one byte
 * per v row, u = 0…7 from the top bit), so the odd-u bits are 0x55 in every byte.
 */
export function mirrorHash(hash: string): string {
  const flip = (h: string): string => ((parseInt(h, 16) ^ 0x55555555) >>> 0).toString(16).padStart(8, '0');
  return flip(hash.slice(0, 8)) + flip(hash.slice(8));
}
