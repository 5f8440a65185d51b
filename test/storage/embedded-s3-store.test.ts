import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../storage/embedded-s3';
import { STATE_FILE } from '../../storage/embedded-s3-state';
import { ObjectStore } from '../../storage/s3';
import type { ObjectTags } from '../../storage/tags';

/**
 * The service's own storage calls still work through the authenticating front of the
 * embedded store; the port and key pair survive a restart (so do presigned links); and an
 * upload that is refused or abandoned leaves no parts on disk.
 */
const BUCKET = 'lg-store-test';
const TAGS = { tenant: 't1', kind: 'portrait_image', state: 'quarantined', retention: 'seven_days', category: 'biometric' } satisfies ObjectTags;
const MiB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-s3-store-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dir: string, extra: Partial<Parameters<typeof startEmbeddedS3>[0]> = {}): Promise<{ s3: EmbeddedS3; store: ObjectStore }> {
  const s3 = await startEmbeddedS3({ directory: dir, bucket: BUCKET, ...extra });
  cleanups.push(() => s3.close());
  const store = new ObjectStore({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, forcePathStyle: true, ...s3.credentials });
  return { s3, store };
}

async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  const got = await store.read(key);
  const chunks: Buffer[] = [];
  for await (const c of got!.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under the bucket's folder, relative to it: what is really left on disk. */
function filesUnder(dir: string): string[] {
  const root = path.join(dir, BUCKET);
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}

const uploadDirs = (dir: string) => {
  const uploads = path.join(dir, BUCKET, '._S3rver_uploads');
  return fs.existsSync(uploads) ? fs.readdirSync(uploads) : [];
};

describe('embedded S3: the service calls through the authenticating front', () => {
  it('multipart putStream (> 5 MiB), tags, move, listKeys and deleteAllVersions', async () => {
    const dir = tempDir();
    const { store } = await start(dir);
    const big = randomBytes(11 * MiB + 123);
    await store.putStream('quarantine/t1/big', Readable.from([big.subarray(0, 3 * MiB), big.subarray(3 * MiB)]), 'video/mp4', TAGS);
    await store.putStream('quarantine/t1/small', Readable.from([Buffer.from('hello')]), 'text/plain', TAGS);
    expect((await bytesOf(store, 'quarantine/t1/big')).equals(big)).toBe(true);
    expect(await store.getTags('quarantine/t1/big')).toMatchObject({ tenant: 't1', state: 'quarantined' });

    await store.move('quarantine/t1/big', 'kept/t1/big', { ...TAGS, state: 'released' });
    expect(await store.exists('quarantine/t1/big')).toBe(false);
    expect(await store.getTags('kept/t1/big')).toMatchObject({ state: 'released' });
    expect((await bytesOf(store, 'kept/t1/big')).equals(big)).toBe(true);
    expect(await store.listKeys('')).toEqual(['kept/t1/big', 'quarantine/t1/small']);

    const deleted = await store.deleteAllVersions('kept/t1/');
    expect(deleted.map((d) => d.key)).toEqual(['kept/t1/big']);
    await store.deleteAllVersions('quarantine/');
    expect(await store.listKeys('')).toEqual([]);
    // Tag files too: what they say about a person goes with the object.
    expect(filesUnder(dir)).toEqual([]);
  });

  it('stores the plain bytes of aws-chunked bodies (SDK clients with checksums on)', async () => {
    const { s3 } = await start(tempDir());
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
    const body = randomBytes(200_000);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chunked', Body: Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]), ContentLength: body.length }));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'chunked' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });
});

describe('embedded S3: port and key pair are kept per data directory', () => {
  it('restarts on the same port with the same keys, and an earlier presigned URL still works', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await first.store.putStream('kept/t1/x', Readable.from([Buffer.from('still here')]), 'text/plain', TAGS);
    const url = await first.store.presignGet('kept/t1/x', 300);
    await first.s3.close();

    const state = path.join(dir, STATE_FILE);
    expect(fs.statSync(state).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toMatchObject({ port: first.s3.port, credentials: first.s3.credentials });

    const second = await start(dir);
    expect(second.s3.port).toBe(first.s3.port);
    expect(second.s3.credentials).toEqual(first.s3.credentials);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('still here');
  });

  it('falls back to a free port when the remembered one is busy, says so, and keeps remembering it', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const port = first.s3.port;
    await first.s3.close();
    const squatter = http.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => squatter.close(() => r())));

    const warnings: string[] = [];
    const second = await start(dir, { warn: (m) => warnings.push(m) });
    expect(second.s3.port).not.toBe(port);
    expect(warnings.join()).toMatch(new RegExp(`port ${port}.*busy`));
    expect(JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')).port).toBe(port);
  });

  it('keeps s3rver on a socket of its own inside the directory, so two processes on one directory do not collide', async () => {
    const dir = tempDir();
    // What a crash leaves behind: connecting to it is refused, so the next start removes it.
    const dead = path.join(dir, '.s3rver-0123456789abcdef.sock');
    fs.writeFileSync(dead, '');
    const a = await start(dir);
    expect(fs.existsSync(dead)).toBe(false);
    const sockets = () => fs.readdirSync(dir).filter((n) => n.endsWith('.sock'));
    expect(sockets()).toHaveLength(1);
    const b = await start(dir, { warn: () => {} });
    expect(sockets()).toHaveLength(2);
    await b.store.putStream('kept/t1/b', Readable.from([Buffer.from('from b')]), 'text/plain', TAGS);
    await b.s3.close();
    expect(sockets()).toHaveLength(1);
    expect((await bytesOf(a.store, 'kept/t1/b')).toString()).toBe('from b');
    await a.s3.close();
    expect(sockets()).toEqual([]);
  });

  it('uses configured credentials without writing them down', async () => {
    const dir = tempDir();
    const credentials = { accessKeyId: 'CONFIGURED', secretAccessKey: 'configured-secret' };
    const { s3, store } = await start(dir, { credentials });
    expect(s3.credentials).toEqual(credentials);
    await store.putStream('a', Readable.from([Buffer.from('x')]), 'text/plain', TAGS);
    expect(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')).not.toContain('configured-secret');
  });
});

describe('embedded S3: refused and abandoned uploads leave no parts', () => {
  it('an upload whose body fails mid-way (a size limit) is aborted, checked, and gone from disk', async () => {
    const dir = tempDir();
    const { store } = await start(dir);
    const refused = new Readable({ read() {} });
    let sent = 0;
    const feed = setInterval(() => {
      if (sent >= 12 * MiB) {
        clearInterval(feed);
        refused.destroy(new Error('media.too_large'));
        return;
      }
      refused.push(randomBytes(MiB));
      sent += MiB;
    }, 5);
    await expect(store.putStream('quarantine/t1/refused', refused, 'video/mp4', TAGS)).rejects.toThrow('media.too_large');
    expect(uploadDirs(dir)).toEqual([]);
    expect(await store.listUploads('')).toEqual([]);
    expect(await store.exists('quarantine/t1/refused')).toBe(false);
    expect(filesUnder(dir)).toEqual([]);
  });

  it('answers ListParts, ListMultipartUploads and AbortMultipartUpload, and refuses parts of an aborted upload', async () => {
    const dir = tempDir();
    const { store } = await start(dir);
    const c = store.client;
    const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp' }));
    await c.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp', UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
    const parts = await c.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 5 * MiB]]);
    expect(await store.listUploads('quarantine/')).toEqual([{ key: 'quarantine/t1/mp', uploadId: UploadId, initiated: expect.any(Date) }]);
    // Another key cannot add parts to (or abort) this upload.
    await expect(c.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'quarantine/t1/other', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });

    await c.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp', UploadId }));
    expect(uploadDirs(dir)).toEqual([]);
    await expect(c.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(
      c.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'quarantine/t1/mp', UploadId, PartNumber: 2, Body: Buffer.from('late part') })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(uploadDirs(dir)).toEqual([]);
  });

  it('aborts uploads older than a day at start-up housekeeping, and sweeps folders with no upload behind them', async () => {
    const dir = tempDir();
    const { s3, store } = await start(dir);
    const c = store.client;
    const old = await c.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'quarantine/t1/old' }));
    await c.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'quarantine/t1/old', UploadId: old.UploadId, PartNumber: 1, Body: Buffer.from('stale') }));
    const fresh = await c.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'quarantine/t1/fresh' }));
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    fs.utimesSync(path.join(dir, BUCKET, '._S3rver_uploads', old.UploadId!, 'key'), twoDaysAgo, twoDaysAgo);

    expect(await store.abortStaleUploads(24 * 3600_000)).toBe(1);
    expect((await store.listUploads(''))?.map((u) => u.uploadId)).toEqual([fresh.UploadId]);

    // A part folder with no key file (a crash between s3rver's writes) is not an upload anyone can list.
    const orphan = path.join(dir, BUCKET, '._S3rver_uploads', 'f'.repeat(32));
    fs.mkdirSync(orphan, { recursive: true });
    fs.writeFileSync(path.join(orphan, '1'), 'orphaned part');
    await s3.close();
    await start(dir);
    expect(uploadDirs(dir)).toEqual([fresh.UploadId]);
  });
});
