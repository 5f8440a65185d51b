import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../src/core/errors';
import type { Stage } from '../types';

/**
 * Reads the header first so a decompression bomb (huge declared dimensions) is refused
 * before any pixel is decoded, then decodes fully so truncated files fail here.
 */
export const probeImage: Stage = {
  name: 'probe.image',
  role: 'probe',
  async run({ file, limits, facts }) {
    let meta: Metadata;
    try {
      meta = await sharp(file, { limitInputPixels: false }).metadata();
    } catch (e) {
      throw new AppError('media.corrupt', 'the image header cannot be read', { decoder: (e as Error).message });
    }
    const { width = 0, height = 0, format } = meta;
    if (width * height > limits.maxImagePixels) {
      throw new AppError('media.too_many_pixels', `the image declares ${width}x${height} pixels`, {
        width,
        height,
        maxPixels: limits.maxImagePixels,
      });
    }
    try {
      await sharp(file, { limitInputPixels: limits.maxImagePixels, failOn: 'truncated', sequentialRead: true }).stats();
    } catch (e) {
      throw new AppError('media.corrupt', 'the image does not decode', { decoder: (e as Error).message });
    }
    const evidence = {
      format,
      width,
      height,
      channels: meta.channels,
      hasAlpha: meta.hasAlpha,
      orientation: meta.orientation ?? 1,
      hasExif: Boolean(meta.exif),
    };
    facts.image = evidence;
    return { status: 'pass', evidence };
  },
};
