import sharp from 'sharp';
import { AppError } from '../core/errors';

/**
 * A decompression bomb announces itself in its header: when the first bytes already
 * declare more pixels than allowed, the upload is refused before anything is stored.
 * Headers that cannot be read from the first bytes are left to the pipeline's probe.
 */
export async function refuseImageBomb(head: Buffer, maxPixels: number): Promise<void> {
  let width = 0;
  let height = 0;
  try {
    ({ width = 0, height = 0 } = await sharp(head, { limitInputPixels: false }).metadata());
  } catch {
    return;
  }
  if (width * height > maxPixels) {
    throw new AppError('media.too_many_pixels', `the image declares ${width}x${height} pixels`, { width, height, maxPixels });
  }
}
