import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../core/errors';
import { KINDS, type MediaKind } from './kinds';

/** Bytes enough for every magic number file-type knows. */
export const SNIFF_BYTES = 4100;

/**
 * The type comes from the bytes, never from the client's Content-Type. Text has no
 * magic number: it is accepted for text kinds when no binary signature matches, and
 * strict UTF-8 is checked by the pipeline.
 */
export async function sniffType(kind: MediaKind, head: Buffer): Promise<string> {
  if (head.length === 0) throw new AppError('media.empty', 'the upload has no content');
  const found = await fileTypeFromBuffer(head);
  const spec = KINDS[kind];
  if (spec.modality === 'text') {
    if (found) throw new AppError('media.unsupported_type', `a ${kind} must be text, the bytes are ${found.mime}`, { detected: found.mime });
    return 'text/plain; charset=utf-8';
  }
  const mime = found?.mime;
  if (!mime || !spec.accepts.includes(mime)) {
    throw new AppError('media.unsupported_type', `a ${kind} must be one of ${spec.accepts.join(', ')}`, {
      detected: mime ?? 'unknown',
      accepted: spec.accepts,
    });
  }
  return mime;
}
