import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Streaming authenticated encryption for protected objects: AES-256-GCM over fixed-size
 * chunks, in the shape of the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015)
 * as used by Tink's streaming AEAD. A 1 GiB video is never held in memory: each chunk is
 * sealed and opened on its own.
 *
 *   header  = "LGC1" | chunk size (u32 BE) | salt (16) | nonce prefix (7)        — 31 bytes
 *   key_obj = HKDF-SHA256(data key, salt, INFO | context)                          — per object
 *   chunk i = AES-256-GCM(key_obj, nonce = prefix | i (u32 BE) | final (1 byte), aad = header)
 *
 * The chunk index and the final flag are in the nonce, so reordered chunks, a dropped chunk
 * and a stream cut at a chunk boundary all fail authentication; the header is the AAD of
 * every chunk, so it cannot be edited either. The per-object key (random salt) means one
 * subject key can seal any number of objects without nonce reuse, and the context (the
 * media id) binds a ciphertext to its item: copied under another id it does not open.
 *
 * The decrypting side only ever releases a chunk after its tag checked, but a cut stream
 * is detected at its end: consumers must treat a stream error as "nothing read" (the worker
 * discards its temp file; an HTTP download is aborted mid-body).
 */
export const MAGIC = Buffer.from('LGC1', 'ascii');
export const HEADER_BYTES = MAGIC.length + 4 + 16 + 7;
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** A tampered header could otherwise make the reader buffer gigabytes before the first tag check. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const MAX_CHUNKS = 2 ** 32;
const INFO = 'likeness-gate/chunked-aes-256-gcm/v1';

export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

function objectKey(dataKey: Buffer, salt: Buffer, context: string): Buffer {
  if (dataKey.length !== 32) throw new Error('the data key must be 32 bytes (AES-256)');
  return Buffer.from(hkdfSync('sha256', dataKey, salt, Buffer.from(`${INFO}|${context}`, 'utf8'), 32));
}

function nonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = final ? 1 : 0;
  return n;
}

/** A FIFO of byte chunks that hands out exact lengths without re-concatenating everything on each write. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    if (b.length) {
      this.parts.push(b);
      this.length += b.length;
    }
  }

  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const head = this.parts[0]!;
      const need = n - at;
      if (head.length <= need) {
        head.copy(out, at);
        at += head.length;
        this.parts.shift();
      } else {
        head.copy(out, at, 0, need);
        this.parts[0] = head.subarray(need);
        at += need;
      }
    }
    this.length -= n;
    return out;
  }
}

export class EncryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private readonly header: Buffer;
  private readonly key: Buffer;
  private readonly prefix: Buffer;
  private index = 0;
  private started = false;

  constructor(dataKey: Buffer, context: string, private readonly chunkBytes = DEFAULT_CHUNK_BYTES) {
    super();
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new Error('invalid chunk size');
    const salt = randomBytes(16);
    this.prefix = randomBytes(7);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunkBytes);
    this.header = Buffer.concat([MAGIC, size, salt, this.prefix]);
    this.key = objectKey(dataKey, salt, context);
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    if (this.index >= MAX_CHUNKS) throw new Error('too many chunks for one object');
    const c = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index, final), { authTagLength: TAG_BYTES });
    c.setAAD(this.header);
    const out = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    this.index += 1;
    return out;
  }

  private begin(): void {
    if (!this.started) {
      this.started = true;
      this.push(this.header);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.begin();
      this.queue.push(chunk);
      // Only chunks known not to be the last are sealed here: the final flag needs the end of input.
      while (this.queue.length > this.chunkBytes) this.push(this.seal(this.queue.take(this.chunkBytes), false));
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.begin();
      // The remainder (0..chunkBytes bytes) is the final chunk; an empty input still gets one, so "no chunks" is never valid.
      this.push(this.seal(this.queue.take(this.queue.length), true));
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

export class DecryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private header: Buffer | undefined;
  private key: Buffer | undefined;
  private prefix: Buffer | undefined;
  private sealedBytes = 0;
  private index = 0;

  constructor(private readonly dataKey: Buffer, private readonly context: string) {
    super();
  }

  private readHeader(): boolean {
    if (this.header) return true;
    if (this.queue.length < HEADER_BYTES) return false;
    const header = this.queue.take(HEADER_BYTES);
    if (!header.subarray(0, 4).equals(MAGIC)) throw new IntegrityError('not a likeness-gate encrypted object (bad magic)');
    const chunkBytes = header.readUInt32BE(4);
    if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new IntegrityError('invalid chunk size in header');
    this.header = header;
    this.sealedBytes = chunkBytes + TAG_BYTES;
    this.prefix = header.subarray(24, 31);
    this.key = objectKey(this.dataKey, header.subarray(8, 24), this.context);
    return true;
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    if (sealed.length < TAG_BYTES) throw new IntegrityError(`chunk ${this.index} is truncated`);
    const d = createDecipheriv('aes-256-gcm', this.key!, nonce(this.prefix!, this.index, final), { authTagLength: TAG_BYTES });
    d.setAAD(this.header!);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = sealed.subarray(0, sealed.length - TAG_BYTES);
    try {
      const out = Buffer.concat([d.update(body), d.final()]);
      this.index += 1;
      return out;
    } catch {
      throw new IntegrityError(`chunk ${this.index} failed authentication (tampered, reordered, truncated or wrong key)`);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.queue.push(chunk);
      if (!this.readHeader()) return done();
      // A full chunk with more bytes behind it is not the final one.
      while (this.queue.length > this.sealedBytes) this.push(this.open(this.queue.take(this.sealedBytes), false));
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.readHeader()) throw new IntegrityError('the object ends inside its header');
      this.push(this.open(this.queue.take(this.queue.length), true));
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/** Ciphertext size for a plaintext size: header, one tag per chunk, and always a final chunk. */
export function sealedSize(plainBytes: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  const fullNonFinal = plainBytes === 0 ? 0 : Math.ceil(plainBytes / chunkBytes) - 1;
  return HEADER_BYTES + plainBytes + (fullNonFinal + 1) * TAG_BYTES;
}

// ---- Key wrapping (envelope encryption): a data key sealed under the master key. ----

/** AES-256-GCM of a 32-byte data key under the master key; `aad` binds it to its owner (tenant, subject, key id). */
export function wrapKey(master: Buffer, dataKey: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, c.update(dataKey), c.final(), c.getAuthTag()]).toString('base64');
}

export function unwrapKey(master: Buffer, wrapped: string, aad: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== 12 + 32 + TAG_BYTES) throw new IntegrityError('wrapped key has the wrong length');
  const d = createDecipheriv('aes-256-gcm', master, raw.subarray(0, 12));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([d.update(raw.subarray(12, raw.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new IntegrityError('the wrapped key does not open under this master key');
  }
}
