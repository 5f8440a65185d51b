import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Crc32 } from '@smithy/core/checksum';

/**
 * Decodes `Content-Encoding: aws-chunked` with an unsigned trailer
 * (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER), which the AWS SDK for
 * JavaScript sends for stream bodies when request checksums are on. s3rver would store
 * the framing as if it were the object; this turns it back into the plain bytes, checks
 * the decoded length against x-amz-decoded-content-length and, for the algorithms Node
 * has, the trailing checksum (CRC32, SHA-1, SHA-256; others are passed unchecked, as the
 * body is declared unsigned anyway).
 *
 *   <size hex>[;ext]\r\n <size bytes>\r\n  …  0\r\n <name>:<value>\r\n … \r\n
 */
const MAX_LINE = 4096;

type Digest = { update(b: Buffer): void; result(): Promise<string> };

function digestFor(trailer: string | undefined): Digest | undefined {
  if (trailer === 'x-amz-checksum-crc32') {
    const c = new Crc32();
    return { update: (b) => c.update(b), result: async () => Buffer.from(await c.digest()).toString('base64') };
  }
  const algo = trailer === 'x-amz-checksum-sha256' ? 'sha256' : trailer === 'x-amz-checksum-sha1' ? 'sha1' : undefined;
  if (!algo) return undefined;
  const h = createHash(algo);
  return { update: (b) => h.update(b), result: async () => h.digest('base64') };
}

export class AwsChunkedError extends Error {
  override readonly name = 'AwsChunkedError';
}

export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private left = 0;
  private decoded = 0;
  private readonly trailers = new Map<string, string>();
  private readonly digest: Digest | undefined;

  /** `trailer` is the x-amz-trailer header: the checksum the client promised to send last. */
  constructor(
    private readonly expectedLength: number,
    private readonly trailer: string | undefined,
  ) {
    super();
    this.digest = digestFor(trailer);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      this.consume();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    // Without a checksum the SDK ends at "0\r\n", with no empty line after the (absent) trailers.
    const ended = this.state === 'done' || (this.state === 'trailer' && !this.trailers.size);
    if (!ended || this.pending.length) return done(new AwsChunkedError('the aws-chunked body ended early'));
    if (this.decoded !== this.expectedLength) return done(new AwsChunkedError(`decoded ${this.decoded} bytes, x-amz-decoded-content-length says ${this.expectedLength}`));
    const sent = this.trailer ? this.trailers.get(this.trailer) : undefined;
    if (this.trailer && sent === undefined) return done(new AwsChunkedError(`the trailer ${this.trailer} is missing`));
    if (!this.digest) return done();
    this.digest.result().then(
      (got) => done(got === sent ? undefined : new AwsChunkedError(`${this.trailer} does not match the body`)),
      (e: Error) => done(e),
    );
  }

  private consume(): void {
    while (this.pending.length) {
      if (this.state === 'data') {
        const take = Math.min(this.left, this.pending.length);
        const piece = this.pending.subarray(0, take);
        this.pending = this.pending.subarray(take);
        this.left -= take;
        this.decoded += take;
        if (this.decoded > this.expectedLength) throw new AwsChunkedError('more bytes than x-amz-decoded-content-length');
        this.digest?.update(piece);
        this.push(piece);
        if (!this.left) this.state = 'data-end';
        continue;
      }
      const line = this.takeLine();
      if (line === undefined) return;
      if (this.state === 'size') {
        const size = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(line);
        if (!size) throw new AwsChunkedError('bad aws-chunked size line');
        this.left = parseInt(size[1]!, 16);
        this.state = this.left ? 'data' : 'trailer';
      } else if (this.state === 'data-end') {
        if (line !== '') throw new AwsChunkedError('an aws-chunked chunk is longer than its size');
        this.state = 'size';
      } else if (this.state === 'trailer') {
        if (line === '') {
          this.state = 'done';
          continue;
        }
        const at = line.indexOf(':');
        if (at < 1) throw new AwsChunkedError('bad aws-chunked trailer');
        this.trailers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
      } else {
        throw new AwsChunkedError('bytes after the end of the aws-chunked body');
      }
    }
  }

  private takeLine(): string | undefined {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) {
      if (this.pending.length > MAX_LINE) throw new AwsChunkedError('an aws-chunked line is too long');
      return undefined;
    }
    const line = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + 2);
    return line;
  }
}
