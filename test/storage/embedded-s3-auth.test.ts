import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../storage/embedded-s3';
import { ObjectStore } from '../../storage/s3';
import type { ObjectTags } from '../../storage/tags';

/**
 * The embedded S3 store answers only requests signed (SigV4) with the service's key pair:
 * everything else — unsigned, badly signed, expired, replayed with another body — is
 * refused with an S3 error, and the stored object is unchanged afterwards.
 */
const BUCKET = 'lg-auth-test';
const SECRET_BYTES = Buffer.from('quarantined portrait bytes');
const TAGS: ObjectTags = { tenant: 't1', kind: 'portrait_image', state: 'quarantined', retention: 'seven_days', category: 'biometric' };

let dir: string;
let s3: EmbeddedS3;
let store: ObjectStore;
let client: S3Client;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-s3-auth-'));
  s3 = await startEmbeddedS3({ directory: dir, bucket: BUCKET });
  store = new ObjectStore({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, forcePathStyle: true, ...s3.credentials });
  client = store.client;
  await store.putStream('quarantine/t1/a', Readable.from([SECRET_BYTES]), 'image/jpeg', TAGS);
});
afterAll(async () => {
  await s3?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function expectUntouched() {
  const got = await store.read('quarantine/t1/a');
  expect(got).not.toBeNull();
  const chunks: Buffer[] = [];
  for await (const c of got!.body) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).equals(SECRET_BYTES)).toBe(true);
}

async function expectS3Error(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/xml');
  expect(text).toContain(`<Code>${code}</Code>`);
  expect(text).not.toContain(SECRET_BYTES.toString());
}

/** A request signed by the SDK's signer, so a test can change it after signing. */
async function signed(method: string, key: string, body: string, opts: { secret?: string; accessKeyId?: string; date?: Date; headers?: Record<string, string> } = {}) {
  const url = new URL(`${s3.endpoint}/${BUCKET}/${key}`);
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? s3.credentials.accessKeyId, secretAccessKey: opts.secret ?? s3.credentials.secretAccessKey },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const out = await signer.sign(
    { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, ...opts.headers }, body },
    { signingDate: opts.date },
  );
  const { host: _host, ...headers } = out.headers;
  return { url: url.toString(), headers };
}

describe('embedded S3: every request is authenticated', () => {
  it('refuses unsigned GET, PUT, DELETE, listings and multipart starts', async () => {
    const object = `${s3.endpoint}/${BUCKET}/quarantine/t1/a`;
    await expectS3Error(await fetch(object), 403, 'AccessDenied');
    await expectS3Error(await fetch(object, { method: 'PUT', body: 'overwritten' }), 403, 'AccessDenied');
    await expectS3Error(await fetch(object, { method: 'DELETE' }), 403, 'AccessDenied');
    await expectS3Error(await fetch(`${object}?tagging`), 403, 'AccessDenied');
    await expectS3Error(await fetch(`${object}?uploads`, { method: 'POST' }), 403, 'AccessDenied');
    await expectS3Error(await fetch(`${s3.endpoint}/${BUCKET}?list-type=2`), 403, 'AccessDenied');
    await expectS3Error(await fetch(`${s3.endpoint}/${BUCKET}`), 403, 'AccessDenied');
    await expectS3Error(await fetch(`${s3.endpoint}/`), 403, 'AccessDenied');
    expect((await fetch(object, { method: 'HEAD' })).status).toBe(403);
    // SigV2 query signing (what s3rver's own check understood) is not accepted either.
    await expectS3Error(await fetch(`${object}?AWSAccessKeyId=${s3.credentials.accessKeyId}&Expires=9999999999&Signature=x`), 403, 'AccessDenied');
    await expectUntouched();
  });

  it('serves a valid presigned URL, and refuses a zeroed, a moved and a stretched one', async () => {
    const url = await store.presignGet('quarantine/t1/a', 60);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(SECRET_BYTES)).toBe(true);

    await expectS3Error(await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{64}/, `X-Amz-Signature=${'0'.repeat(64)}`)), 403, 'SignatureDoesNotMatch');
    await expectS3Error(await fetch(url.replace('/quarantine/t1/a?', '/quarantine/t1/b?')), 403, 'SignatureDoesNotMatch');
    await expectS3Error(await fetch(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=600')), 403, 'SignatureDoesNotMatch');
    await expectS3Error(await fetch(url.replace(/&X-Amz-Signature=[0-9a-f]{64}/, '')), 400, 'AuthorizationQueryParametersError');
  });

  it('applies the response overrides a presigned URL signs (s3rver itself refuses them once unsigned)', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: BUCKET, Key: 'quarantine/t1/a', ResponseContentDisposition: 'attachment; filename="a.jpg"' }),
      { expiresIn: 60 },
    );
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="a.jpg"');
    await res.arrayBuffer();
  });

  it('refuses an expired presigned URL', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'quarantine/t1/a' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const res = await fetch(url);
    await expectS3Error(res, 403, 'AccessDenied');
  });

  it('refuses a wrong secret, an unknown key and a stale date', async () => {
    const wrong = await signed('GET', 'quarantine/t1/a', '', { secret: 'not-the-secret' });
    await expectS3Error(await fetch(wrong.url, { headers: wrong.headers }), 403, 'SignatureDoesNotMatch');
    const unknown = await signed('GET', 'quarantine/t1/a', '', { accessKeyId: 'S3RVER', secret: 'S3RVER' });
    await expectS3Error(await fetch(unknown.url, { headers: unknown.headers }), 403, 'InvalidAccessKeyId');
    const stale = await signed('GET', 'quarantine/t1/a', '', { date: new Date(Date.now() - 20 * 60_000) });
    await expectS3Error(await fetch(stale.url, { headers: stale.headers }), 403, 'RequestTimeTooSkewed');
    const good = await signed('GET', 'quarantine/t1/a', '');
    const res = await fetch(good.url, { headers: good.headers });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(SECRET_BYTES)).toBe(true);
  });

  it('refuses a signed request replayed with another body or an unsigned x-amz header', async () => {
    const put = await signed('PUT', 'quarantine/t1/a', 'the signed body');
    await expectS3Error(await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'another body!!!' }), 400, 'XAmzContentSHA256Mismatch');
    const del = await signed('DELETE', 'quarantine/t1/a', '');
    await expectS3Error(await fetch(del.url, { method: 'DELETE', headers: { ...del.headers, 'x-amz-copy-source': `${BUCKET}/x` } }), 403, 'AccessDenied');
    await expectUntouched();
  });

  it('refuses keys that would leave the store folder, even signed', async () => {
    await expect(store.read('x/../../.embedded-s3.json')).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(store.read('../lg-auth-test/quarantine/t1/a')).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
