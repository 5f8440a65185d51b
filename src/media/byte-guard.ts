import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../core/errors';

/**
 * Counts and hashes bytes on their way to storage and fails the stream the moment
 * the limit is passed, so an oversized upload is refused while streaming and the
 * storage upload aborts with it.
 */
export class ByteGuard extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new AppError('media.too_large', `the upload is over the ${this.maxBytes}-byte limit for this kind`, { maxBytes: this.maxBytes }));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
