import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../core/errors';
import { KINDS, type MediaKind } from './kinds';

/** Bytes enough for every magic number file-type knows. */
export const SNIFF_BYTES = 4100;

/**
 * The type comes from the bytes, never from the client's Content-Type. Text has no magic
 * number, and a signature test alone misreads prose: "I'm freezing…" carries QuickTime's
 * `free` atom name at offset 4. So for text kinds, a head that is clean UTF-8 is text; only
 * a head that is not is checked against the binary signatures. Strict UTF-8 of the whole
 * item is checked by the pipeline.
 */
export async function sniffType(kind: MediaKind, head: Buffer): Promise<string> {
  if (head.length === 0) throw new AppError('media.empty', 'the upload has no content');
  const spec = KINDS[kind];
  if (spec.modality === 'text') {
    if (looksLikeText(head, head.length < SNIFF_BYTES)) return TEXT_TYPE;
    const found = await fileTypeFromBuffer(head);
    if (found) throw new AppError('media.unsupported_type', `a ${kind} must be text, the bytes are ${found.mime}`, { detected: found.mime });
    return TEXT_TYPE;
  }
  const mime = (await fileTypeFromBuffer(head))?.mime;
  // Parameters such as `codecs=opus` (Ogg) do not change what the kind accepts.
  if (!mime || !spec.accepts.includes(mime.split(';')[0]!.trim())) {
    throw new AppError('media.unsupported_type', `a ${kind} must be one of ${spec.accepts.join(', ')}`, {
      detected: mime ?? 'unknown',
      accepted: spec.accepts,
    });
  }
  return mime;
}

const TEXT_TYPE = 'text/plain; charset=utf-8';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// C0 controls other than tab, newline and carriage return, and DEL: binary formats are full of them.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Clean UTF-8 without control characters; a head cut short may end inside a character. */
export function looksLikeText(head: Buffer, complete: boolean): boolean {
  let end = head.length;
  if (!complete) {
    let i = end - 1;
    while (i >= 0 && end - i <= 3 && (head[i]! & 0xc0) === 0x80) i--;
    if (i >= 0 && head[i]! >= 0xc0) end = i;
  }
  try {
    return !CONTROL.test(strictUtf8.decode(head.subarray(0, end)));
  } catch {
    return false;
  }
}
