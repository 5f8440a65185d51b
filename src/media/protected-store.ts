import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DecryptStream, EncryptStream } from '../../storage/encryption';
import { protectedKey, quarantineKey, keptKey } from '../../storage/keys';
import type { ObjectStore } from '../../storage/s3';
import type { ObjectTags } from '../../storage/tags';
import type { Decision } from '../../pipelines/types';
import type { Queryable } from '../db/db';
import { loadDataKey, masterKey, type DataKey } from './protected-keys';
import { ProtectedDataError, protectionOf } from './protection';
import type { MediaRow, MediaState } from './repo';

/**
 * Bytes of protected items in and out of storage: sealing a stream or a file under the
 * subject's key, opening the stored ciphertext as a plaintext stream, and acting on a
 * pipeline decision without ever leaving plaintext outside the protected prefix.
 */

/** The ciphertext names its item: copied under another id it does not open. */
export const contextOf = (mediaId: string) => `media:${mediaId}`;

/** Seals a plaintext stream; an error on either side ends both (so a refused upload aborts its S3 upload). */
export function sealStream(body: Readable, key: DataKey, mediaId: string): Readable {
  const enc = new EncryptStream(key.key, contextOf(mediaId));
  pipeline(body, enc, () => {});
  return enc;
}

/** Seals a local file, checking on the way that it still is the item that was uploaded (its sha256). */
export function sealFile(file: string, key: DataKey, mediaId: string, sha256: string | null): Readable {
  const enc = new EncryptStream(key.key, contextOf(mediaId));
  pipeline(fs.createReadStream(file), new Sha256Check(sha256), enc, () => {});
  return enc;
}

class Sha256Check extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expected: string | null) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const got = this.hash.digest('hex');
    done(this.expected && got !== this.expected ? new Error(`the local copy's sha256 ${got} is not the item's ${this.expected}`) : null);
  }
}

/** The object's bytes as a stream; null when there is no such object. */
export async function getObjectStream(store: ObjectStore, key: string): Promise<Readable | null> {
  try {
    const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    return out.Body as Readable;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (status === 404 || ['NoSuchKey', 'NotFound'].includes((e as Error)?.name)) return null;
    throw e;
  }
}

/** The subject key of a protected item; a shredded key is a 410, never a silent empty read. */
export async function itemKey(db: Queryable, m: MediaRow): Promise<DataKey> {
  const p = protectionOf(m);
  if (!p) throw new ProtectedDataError('access.not_protected', 'the item is not protected');
  const key = p.keyId ? await loadDataKey(db, await masterKey(db), p.keyId) : null;
  if (!key) throw new ProtectedDataError('protected.key_destroyed', 'the subject key of this item was destroyed; its bytes cannot be read');
  return key;
}

/**
 * The plaintext of a protected item as a stream that decrypts on the fly. Each chunk is
 * authenticated before it is released; tampering or truncation errors the stream.
 */
export async function openPlaintext(db: Queryable, store: ObjectStore, m: MediaRow): Promise<Readable | null> {
  const key = await itemKey(db, m);
  const sealed = await getObjectStream(store, protectedKey(m.tenant_id, m.id));
  if (!sealed) return null;
  const dec = new DecryptStream(key.key, contextOf(m.id));
  pipeline(sealed, dec, () => {});
  return dec;
}

/**
 * Acts on a decision for a protected item: the bytes stay under the protected prefix
 * whatever the state (a released child's item is still only read through an approval);
 * a rejected item's bytes are dropped. Any plaintext a crashed conversion left in
 * quarantine or kept goes first, so nothing readable outlives the protection.
 */
export async function applyProtectedDecision(
  store: ObjectStore,
  m: MediaRow,
  decision: Decision,
  state: MediaState,
  tags: ObjectTags,
): Promise<{ state: MediaState; objectKey: string }> {
  const to = protectedKey(m.tenant_id, m.id);
  await store.deleteAllVersions(quarantineKey(m.tenant_id, m.id));
  await store.deleteAllVersions(keptKey(m.tenant_id, m.id));
  if (decision === 'reject') {
    await store.deleteAllVersions(to);
    return { state, objectKey: to };
  }
  await store.setTags(to, tags);
  return { state, objectKey: to };
}
