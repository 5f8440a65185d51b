import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { AppError } from '../core/errors';

export interface UploadBody {
  fields: Record<string, string>;
  file: Readable;
  filename?: string;
  declaredBytes?: number;
}

/**
 * Turns a request into a byte stream without buffering it: a raw body is the file; a
 * multipart body yields its first file part, with the form fields that precede it
 * (as with S3's browser POST, metadata fields must come before the file).
 */
export async function uploadBody(req: Request): Promise<UploadBody> {
  if (!req.body) throw new AppError('media.empty', 'the upload has no body');
  const nodeBody = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    const length = req.headers.get('content-length');
    return { fields: {}, file: nodeBody, declaredBytes: length ? Number(length) : undefined };
  }
  return firstFilePart(nodeBody, type);
}

function firstFilePart(body: Readable, contentType: string): Promise<UploadBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (e) {
      reject(new AppError('request.invalid', `malformed multipart request: ${(e as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let settled = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    let part: PassThrough | undefined;
    const broken = (e: Error) => new AppError('request.invalid', `malformed multipart request: ${e.message}`);
    parser.on('file', (_name, file, info) => {
      if (settled) return file.resume();
      settled = true;
      // busboy fails the part itself with a plain Error when the body ends early; re-coded here.
      part = new PassThrough();
      file.on('error', (e) => part!.destroy(broken(e)));
      file.pipe(part);
      resolve({ fields, file: part, filename: info.filename || undefined });
    });
    parser.on('error', (e) => {
      const err = broken(e as Error);
      if (!settled) {
        settled = true;
        reject(err);
      } else {
        // The body broke after the file part began (no closing boundary): whoever reads the part
        // gets a coded error, so the upload is refused as bad input and cleaned up, never a 500.
        part?.destroy(err);
      }
    });
    parser.on('close', () => {
      if (!settled) {
        settled = true;
        reject(new AppError('media.empty', 'the multipart request has no file part'));
      }
    });
    body.on('error', (e) => parser.destroy(e));
    body.pipe(parser);
  });
}

/**
 * A small body read whole into memory (a photo to embed, a recording to check, a document
 * to hash), refused as soon as it passes `maxBytes` — declared or counted — rather than
 * after buffering it all.
 */
export async function readBodyUpTo(source: Request | Readable, maxBytes: number, what: string): Promise<Buffer> {
  const tooLarge = () => new AppError('media.too_large', `${what} is limited to ${maxBytes} bytes`, { maxBytes });
  let stream: AsyncIterable<Uint8Array> | null = source as Readable;
  if (source instanceof Request) {
    if (Number(source.headers.get('content-length') ?? NaN) > maxBytes) throw tooLarge();
    stream = source.body as AsyncIterable<Uint8Array> | null;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Throwing inside the loop cancels the stream: the rest of the body is not read.
  for await (const chunk of stream ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
