import fs from 'node:fs/promises';
import path from 'node:path';
import { xmlDocument } from './s3-xml';

/**
 * The multipart operations s3rver lacks — AbortMultipartUpload, ListMultipartUploads and
 * ListParts — done on its own files, so a refused upload can be removed and the removal
 * checked through the S3 protocol like on any other store. s3rver keeps an upload as
 *
 *   <root>/<bucket>/._S3rver_uploads/<upload id>/key        the object key
 *                                               /metadata   request headers
 *                                               /<n>, <n>.md5   part n and its ETag
 *
 * (s3rver 3.7, lib/stores/filesystem.js). A part still being written has no .md5 yet.
 * Its DeleteObject also forgets an object's tag file; removeObjectLeftovers does that.
 */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;
const UPLOADS = '._S3rver_uploads';

export interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
}

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR';

export class MultipartBook {
  /** Part and completion requests in flight per upload, and whether it was aborted meanwhile. */
  private readonly open = new Map<string, { inflight: number; aborted: boolean }>();

  constructor(private readonly root: string) {}

  private uploadDir(bucket: string, uploadId: string): string {
    return path.join(this.root, bucket, UPLOADS, uploadId);
  }

  async find(bucket: string, uploadId: string): Promise<UploadInfo | null> {
    if (!UPLOAD_ID.test(uploadId) || this.open.get(uploadId)?.aborted) return null;
    const keyFile = path.join(this.uploadDir(bucket, uploadId), 'key');
    try {
      const [key, st] = await Promise.all([fs.readFile(keyFile, 'utf8'), fs.stat(keyFile)]);
      return { key, uploadId, initiated: st.mtime };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async list(bucket: string, prefix = ''): Promise<UploadInfo[]> {
    let ids: string[];
    try {
      ids = (await fs.readdir(path.join(this.root, bucket, UPLOADS))).filter((id) => UPLOAD_ID.test(id));
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const found = await Promise.all(ids.map((id) => this.find(bucket, id)));
    return found
      .filter((u): u is UploadInfo => u !== null && u.key.startsWith(prefix))
      .sort((a, b) => (a.key === b.key ? cmp(a.uploadId, b.uploadId) : cmp(a.key, b.key)));
  }

  async parts(bucket: string, uploadId: string): Promise<PartInfo[]> {
    const dir = this.uploadDir(bucket, uploadId);
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => /^\d{1,5}$/.test(n));
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const parts = await Promise.all(
      names.map(async (n): Promise<PartInfo | null> => {
        try {
          const [md5, st] = await Promise.all([fs.readFile(path.join(dir, `${n}.md5`), 'utf8'), fs.stat(path.join(dir, n))]);
          return { partNumber: Number(n), size: st.size, etag: `"${md5.trim()}"`, lastModified: st.mtime };
        } catch (e) {
          if (isMissing(e)) return null;
          throw e;
        }
      }),
    );
    return parts.filter((p): p is PartInfo => p !== null).sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Removes the upload's files now, and again when the part requests still running end. */
  async abort(bucket: string, uploadId: string): Promise<void> {
    const entry = this.open.get(uploadId);
    if (entry) entry.aborted = true;
    await fs.rm(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
  }

  /**
   * Holds an upload open for one UploadPart or CompleteMultipartUpload. s3rver recreates
   * the upload's folder when it writes a part, so a part that was in flight during an abort
   * would otherwise bring the folder back; the returned release removes it again.
   */
  enter(bucket: string, uploadId: string): () => Promise<void> {
    const entry = this.open.get(uploadId) ?? { inflight: 0, aborted: false };
    entry.inflight++;
    this.open.set(uploadId, entry);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      entry.inflight--;
      if (entry.inflight > 0) return;
      this.open.delete(uploadId);
      if (entry.aborted) await fs.rm(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
    };
  }

  /** Upload folders without a key file (left by a crash, or by parts written after an abort). */
  async sweepOrphans(): Promise<number> {
    let swept = 0;
    for (const bucket of await fs.readdir(this.root, { withFileTypes: true })) {
      if (!bucket.isDirectory()) continue;
      let ids: string[];
      try {
        ids = await fs.readdir(path.join(this.root, bucket.name, UPLOADS));
      } catch (e) {
        if (isMissing(e)) continue;
        throw e;
      }
      for (const id of ids) {
        const dir = path.join(this.root, bucket.name, UPLOADS, id);
        try {
          await fs.stat(path.join(dir, 'key'));
        } catch (e) {
          if (!isMissing(e)) throw e;
          await fs.rm(dir, { recursive: true, force: true });
          swept++;
        }
      }
    }
    return swept;
  }
}

/**
 * s3rver's DeleteObject leaves `<name>._S3rver_tagging.xml` (tenant, subject and consent
 * ids) and so the folders above it: deletion must not keep what the tags say about a person,
 * and a new object under the same key must not inherit them.
 */
export async function removeObjectLeftovers(root: string, bucket: string, key: string): Promise<void> {
  const parts = key.split('/');
  const name = parts.pop()!;
  const bucketDir = path.join(root, bucket);
  await fs.rm(path.join(bucketDir, ...parts, `${name}._S3rver_tagging.xml`), { force: true });
  while (parts.length) {
    try {
      await fs.rmdir(path.join(bucketDir, ...parts));
    } catch {
      return; // not empty (or already gone): the folders above are in use too
    }
    parts.pop();
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const intParam = (v: string | undefined, fallback: number, max: number) => {
  const n = v === undefined ? fallback : Number(v);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
};

export function listUploadsXml(bucket: string, all: UploadInfo[], q: Map<string, string>): string {
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('upload-id-marker') ?? '';
  const max = intParam(q.get('max-uploads'), 1000, 1000);
  const after = all.filter((u) => !keyMarker || u.key > keyMarker || (u.key === keyMarker && idMarker !== '' && u.uploadId > idMarker));
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  const last = page[page.length - 1];
  return xmlDocument('ListMultipartUploadsResult', {
    Bucket: bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    ...(truncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.uploadId } : {}),
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: page.map((u) => ({ Key: u.key, UploadId: u.uploadId, StorageClass: 'STANDARD', Initiated: u.initiated })),
  });
}

export function listPartsXml(bucket: string, upload: UploadInfo, all: PartInfo[], q: Map<string, string>): string {
  const marker = intParam(q.get('part-number-marker'), 0, 10_000);
  const max = intParam(q.get('max-parts'), 1000, 1000);
  const after = all.filter((p) => p.partNumber > marker);
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  return xmlDocument('ListPartsResult', {
    Bucket: bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page[page.length - 1]?.partNumber ?? marker,
    MaxParts: max,
    IsTruncated: truncated,
    StorageClass: 'STANDARD',
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: p.etag, Size: p.size })),
  });
}
