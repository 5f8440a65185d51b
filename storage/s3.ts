import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fromTagSet, toTagSet, type ObjectTags } from './tags';

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  /** Both unset: the AWS SDK's default credential chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated?: Date;
}

export interface DeletedObject {
  key: string;
  versionId?: string;
}

/**
 * Everything the service does with object storage, on the S3 protocol only. Tags are
 * always written with PutObjectTagging after the object exists: some S3 servers
 * (s3rver among them) ignore the Tagging header on PutObject and CopyObject.
 */
export class ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  /** Learned on first use: stores without versioning answer ListObjectVersions with 405/501. */
  private versioning: boolean | undefined;

  constructor(s: S3Settings) {
    this.bucket = s.bucket;
    this.client = new S3Client({
      endpoint: s.endpoint,
      region: s.region,
      forcePathStyle: s.forcePathStyle,
      credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
      // Checksums on every request are on by default in new SDKs; not all S3 servers accept them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  /**
   * Streams the body up (multipart above 5 MiB). An error in the body (a size limit, a
   * client gone) aborts the upload, and the abort is then checked: parts the store still
   * lists for this key are aborted again, so a refused upload leaves no bytes behind.
   */
  async putStream(key: string, body: Readable, contentType: string, tags: ObjectTags): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      try {
        await this.abortUploads(key, { exactKey: true });
      } catch (cleanup) {
        throw new Error(`the upload of ${key} failed and its parts could not be removed: ${(cleanup as Error).message}`, { cause: e });
      }
      throw e;
    }
    await this.setTags(key, tags);
  }

  /** Multipart uploads in progress under a prefix; null when the store cannot list them. */
  async listUploads(prefix: string): Promise<PendingUpload[] | null> {
    const found: PendingUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const u of out.Uploads ?? []) if (u.Key && u.UploadId) found.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated });
        keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
        uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (e) {
      if (isUnsupported(e)) return null;
      throw e;
    }
    return found;
  }

  /**
   * Aborts the multipart uploads under `prefix` (only those of exactly that key with
   * `exactKey`, only those started before `initiatedBefore` when given), then lists again
   * and fails if any of them is still there. Returns how many were aborted.
   */
  async abortUploads(prefix: string, opts: { exactKey?: boolean; initiatedBefore?: Date } = {}): Promise<number> {
    const pick = (u: PendingUpload) =>
      (!opts.exactKey || u.key === prefix) && (!opts.initiatedBefore || (u.initiated !== undefined && u.initiated < opts.initiatedBefore));
    const targets = (await this.listUploads(prefix))?.filter(pick);
    if (!targets?.length) return 0;
    let pending = targets;
    for (let attempt = 1; ; attempt++) {
      for (const u of pending) {
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.key, UploadId: u.uploadId }));
        } catch (e) {
          if (!isNoSuchUpload(e)) throw e;
        }
      }
      const ids = new Set(pending.map((u) => u.uploadId));
      pending = ((await this.listUploads(prefix)) ?? []).filter((u) => ids.has(u.uploadId));
      if (!pending.length) return targets.length;
      // S3 documents that a part in flight during an abort may still land: abort again.
      if (attempt === 3) throw new Error(`multipart uploads still listed after abort: ${pending.map((u) => `${u.key} (${u.uploadId})`).join(', ')}`);
    }
  }

  /** Start-up housekeeping: uploads a crash or a lost client left behind. */
  abortStaleUploads(olderThanMs: number): Promise<number> {
    return this.abortUploads('', { initiatedBefore: new Date(Date.now() - olderThanMs) });
  }

  async setTags(key: string, tags: ObjectTags): Promise<void> {
    await this.client.send(
      new PutObjectTaggingCommand({ Bucket: this.bucket, Key: key, Tagging: { TagSet: toTagSet(tags) } }),
    );
  }

  async getTags(key: string): Promise<Record<string, string>> {
    const out = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
    return fromTagSet(out.TagSet);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** The stored content type of an object, or null when there is no such object. */
  async contentType(key: string): Promise<string | null> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentType ?? 'application/octet-stream';
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Streams an object to a file; false when there is no such object. */
  async download(key: string, file: string): Promise<boolean> {
    let body: Readable;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body as Readable;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    await pipeline(body, fs.createWriteStream(file));
    return true;
  }

  /**
   * A readable body of an object, or of a byte range of it (`bytes=a-b`), for serving it on;
   * null when there is no such object.
   */
  async read(key: string, range?: string): Promise<{ body: Readable; size: number; contentRange?: string; contentType?: string } | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      return { body: out.Body as Readable, size: Number(out.ContentLength ?? 0), contentRange: out.ContentRange, contentType: out.ContentType };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Copy then delete: S3 has no rename. The destination is tagged before the source goes. */
  async move(from: string, to: string, tags: ObjectTags): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${encodeKey(from)}` }),
    );
    await this.setTags(to, tags);
    // Exactly `from`: as a prefix, moving a to a2 would delete the copy just made.
    await this.deleteAllVersions(from, { exactKey: true });
  }

  presignGet(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: ttlSeconds,
    });
  }

  /**
   * Deletes every version (and delete marker) of every object whose key starts with
   * `prefix` (or of that one key, with `exactKey`). Stores without versioning support get
   * a plain listing and delete.
   */
  async deleteAllVersions(prefix: string, opts: { exactKey?: boolean } = {}): Promise<DeletedObject[]> {
    const targets = (await this.listVersions(prefix)).filter((t) => !opts.exactKey || t.key === prefix);
    for (const t of targets) {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: t.key, VersionId: t.versionId }),
      );
    }
    return targets;
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async listVersions(prefix: string): Promise<DeletedObject[]> {
    if (this.versioning === false) return (await this.listKeys(prefix)).map((key) => ({ key }));
    try {
      const found: DeletedObject[] = [];
      let keyMarker: string | undefined;
      let versionMarker: string | undefined;
      do {
        const out = await this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            VersionIdMarker: versionMarker,
          }),
        );
        for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
          if (v.Key) found.push({ key: v.Key, versionId: v.VersionId ?? undefined });
        }
        keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
        versionMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
      } while (keyMarker);
      this.versioning = true;
      return found;
    } catch (e) {
      if (!isUnsupported(e)) throw e;
      this.versioning = false;
      return (await this.listKeys(prefix)).map((key) => ({ key }));
    }
  }
}

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
const isNoSuchUpload = (e: unknown) => statusOf(e) === 404 || (e as Error)?.name === 'NoSuchUpload';
const isNotFound = (e: unknown) => statusOf(e) === 404 || ['NotFound', 'NoSuchKey'].includes((e as Error)?.name);
const isUnsupported = (e: unknown) => {
  const s = statusOf(e);
  const name = (e as Error)?.name ?? '';
  return s === 501 || s === 405 || name === 'NotImplemented' || name === 'MethodNotAllowed';
};
