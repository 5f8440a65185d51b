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
  HeadObjectCommand,
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
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
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
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
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

  /** Streams the body up (multipart above 5 MiB); an error in the body aborts the upload. */
  async putStream(key: string, body: Readable, contentType: string, tags: ObjectTags): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
    await this.setTags(key, tags);
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
    await this.deleteAllVersions(from);
  }

  presignGet(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: ttlSeconds,
    });
  }

  /**
   * Deletes every version (and delete marker) of every object whose key starts with
   * `prefix`. Stores without versioning support get a plain listing and delete.
   */
  async deleteAllVersions(prefix: string): Promise<DeletedObject[]> {
    const targets = await this.listVersions(prefix);
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
const isNotFound = (e: unknown) => statusOf(e) === 404 || ['NotFound', 'NoSuchKey'].includes((e as Error)?.name);
const isUnsupported = (e: unknown) => {
  const s = statusOf(e);
  const name = (e as Error)?.name ?? '';
  return s === 501 || s === 405 || name === 'NotImplemented' || name === 'MethodNotAllowed';
};
