import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedConsent } from '../support/consent';
import { backends, getItem, startService, upload, type Service } from '../support/harness';
import { jpeg, png, pngDeclaring } from '../support/media';

/**
 * Bad input gets problem+json with a stable code, the process stays up, and nothing
 * is left behind: no object in S3, no row in the database.
 */
describe.each(backends())('bad input on %s', (backend) => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService(backend, { env: { LIMIT_PORTRAIT_IMAGE_BYTES: String(256 * 1024), MAX_IMAGE_PIXELS: '4000000' } });
    svc.defaultConsent = await verifiedConsent(svc);
  });
  afterAll(async () => svc?.close());

  async function expectNothingLeft() {
    expect(await svc.ctx.store.listKeys('quarantine/')).toEqual([]);
    const rows = await svc.ctx.db.query<{ n: number }>("select count(*)::int as n from media where state in ('receiving', 'queued')");
    expect(rows[0]!.n).toBe(0);
  }

  async function expectProblem(res: { status: number; body: Record<string, unknown>; headers: Headers }, status: number, code: string) {
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(typeof res.body.detail).toBe('string');
    await expectNothingLeft();
    expect((await fetch(`${svc.baseUrl}/healthz`)).status).toBe(200);
  }

  it('empty body → media.empty', async () => {
    await expectProblem(await upload(svc, 'portrait_image', Buffer.alloc(0)), 400, 'media.empty');
    await expectProblem(await upload(svc, 'driving_text', Buffer.alloc(0), { multipart: true }), 400, 'media.empty');
  });

  it('wrong magic bytes → media.unsupported_type (the Content-Type header is not believed)', async () => {
    const text = Buffer.from('this is plainly not a JPEG '.repeat(20));
    await expectProblem(await upload(svc, 'portrait_image', text, { headers: { 'content-type': 'image/jpeg' } }), 415, 'media.unsupported_type');
    await expectProblem(await upload(svc, 'voice_sample', await png()), 415, 'media.unsupported_type');
    await expectProblem(await upload(svc, 'driving_text', await jpeg()), 415, 'media.unsupported_type');
  });

  it('truncated / corrupt image → rejected as media.corrupt, bytes dropped, record kept as rejected', async () => {
    const full = await jpeg(400, 300);
    const truncated = full.subarray(0, Math.floor(full.length * 0.6));
    const res = await upload(svc, 'portrait_image', truncated, { headers: { prefer: 'wait=20' } });
    await expectProblem(res, 422, 'media.corrupt');
    const id = res.body.media_id as string;
    const item = await getItem(svc, id);
    expect(item.body).toMatchObject({ state: 'rejected', decision: 'reject', reason: 'media.corrupt' });
    expect(await svc.ctx.store.listKeys(`quarantine/`)).toEqual([]);
  });

  it('decompression bomb (huge declared dimensions) → media.too_many_pixels before anything is stored', async () => {
    await expectProblem(await upload(svc, 'portrait_image', await pngDeclaring(60_000, 60_000)), 422, 'media.too_many_pixels');
  });

  it('oversized upload → media.too_large while streaming (no Content-Length), nothing in S3', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    (await jpeg()).copy(big, 0);
    // A stream body has no Content-Length, so the limit must be enforced on the bytes as they arrive.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < big.length; i += 64 * 1024) c.enqueue(big.subarray(i, i + 64 * 1024));
        c.close();
      },
    });
    const res = await fetch(`${svc.baseUrl}/v1/media?kind=portrait_image&consent_id=${svc.defaultConsent}`, {
      method: 'POST',
      body: stream,
      headers: { authorization: `Bearer ${svc.keyA}` },
      duplex: 'half',
    } as RequestInit);
    await expectProblem({ status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers }, 413, 'media.too_large');
    await expectProblem(await upload(svc, 'portrait_image', big), 413, 'media.too_large');
  });

  it('invalid UTF-8 text → media.invalid_text', async () => {
    const bad = Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xa0, 0xa1, 0x20, 0x6f, 0x6b]);
    const res = await upload(svc, 'driving_text', bad, { headers: { prefer: 'wait=20' } });
    await expectProblem(res, 422, 'media.invalid_text');
  });

  it('unknown kind → media.unknown_kind; bad parameters → request.invalid', async () => {
    await expectProblem(await upload(svc, 'hologram', await jpeg()), 400, 'media.unknown_kind');
    await expectProblem(await upload(svc, 'portrait_image', await jpeg(), { query: { retention_class: 'legal_hold' } }), 400, 'request.invalid');
    await expectProblem(await upload(svc, 'portrait_image', await jpeg(), { query: { consent_id: 'bad id with spaces & stuff' } }), 400, 'request.invalid');
  });

  it('missing or invalid API key → auth.missing_key / auth.invalid_key', async () => {
    const none = await fetch(`${svc.baseUrl}/v1/media?kind=driving_text`, { method: 'POST', body: 'hi' });
    await expectProblem({ status: none.status, body: (await none.json()) as Record<string, unknown>, headers: none.headers }, 401, 'auth.missing_key');
    await expectProblem(await upload(svc, 'driving_text', 'hi', { key: 'lg_abcdefgh_not-the-right-secret-at-all' }), 401, 'auth.invalid_key');
    await expectProblem(await upload(svc, 'driving_text', 'hi', { key: 'garbage' }), 401, 'auth.invalid_key');
  });

  it("another tenant's id, a malformed id and an unknown id are all 404 media.not_found", async () => {
    const mine = await upload(svc, 'driving_text', 'mine', { headers: { prefer: 'wait=20' } });
    for (const [id, key] of [
      [mine.body.id as string, svc.keyB],
      ['not-a-uuid', svc.keyA],
      ['00000000-0000-4000-8000-000000000000', svc.keyA],
    ] as const) {
      const r = await getItem(svc, id, key);
      expect(r.status).toBe(404);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.code).toBe('media.not_found');
    }
  });
});
