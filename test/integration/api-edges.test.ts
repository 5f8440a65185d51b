import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_BODY_BYTES } from '../../src/api/body-limits';
import { startService, upload, type Service } from '../support/harness';

/**
 * The API's edges as an outside probe found them: bodies bounded before parsing (also where no
 * key is needed), the auth scheme case-insensitive with a challenge on every 401, unknown routes
 * 404, answers neither sniffed nor cached, no third-party script on /docs, a cut-off multipart
 * body a coded 400.
 */
describe('API edges', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
  });
  afterAll(async () => svc?.close());

  /** A raw HTTP/1.1 exchange: what fetch will not send (a lying Content-Length, a body cut short). */
  const raw = (request: string, body = '') => new Promise<string>((resolve, reject) => {
    const url = new URL(svc.baseUrl);
    // Written, not ended: the server answers a complete request on a connection still open.
    const sock = net.connect(Number(url.port), url.hostname, () => sock.write(request + body));
    let out = '';
    sock.on('data', (d) => {
      out += d.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(out)) sock.end();
    });
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
    setTimeout(() => sock.destroy(), 10_000);
  });

  it('refuses an oversized JSON body by its Content-Length, before reading it, on a route that needs no key', async () => {
    const started = Date.now();
    const answer = await raw(
      `POST /subject/${'x'.repeat(43)}/revoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 190000000\r\nConnection: close\r\n\r\n`,
      '{"reason":"',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"request.too_large"');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a chunked JSON body once it passes the limit', async () => {
    const big = JSON.stringify({ id: 'p', version: '1', allowList: ['x'.repeat(200)] }).padEnd(5 * 1024 * 1024, ' ');
    const res = await fetch(`${svc.baseUrl}/v1/policies/active`, {
      method: 'PUT', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'application/json' },
      body: new Blob([big]).stream(), duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).code).toBe('request.too_large');
    const small = await fetch(`${svc.baseUrl}/v1/consents`, {
      method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attester: 'x'.repeat(JSON_BODY_BYTES) }),
    });
    expect(small.status).toBe(413);
  });

  it('takes the bearer scheme in any case and answers every 401 with a challenge', async () => {
    const lower = await fetch(`${svc.baseUrl}/v1/media`, { headers: { authorization: `bearer ${svc.keyA}` } });
    expect(lower.status).toBe(200);
    const none = await fetch(`${svc.baseUrl}/v1/media`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    const bad = await fetch(`${svc.baseUrl}/v1/media`, { headers: { authorization: 'Bearer lg_nothing1_zzzzzzzzzzzzzzzzzzzzzzzz' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('answers unknown routes 404 request.not_found, and API answers carry nosniff and no-store', async () => {
    const res = await fetch(`${svc.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).code).toBe('request.not_found');
    const up = await upload(svc, 'driving_text', 'hello there');
    const item = await fetch(`${svc.baseUrl}/v1/media/${up.body.id}`, { headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(item.headers.get('x-content-type-options')).toBe('nosniff');
    expect(item.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the API reference without any script, from this origin only', async () => {
    const res = await fetch(`${svc.baseUrl}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/src="https?:/i);
    expect(html).toContain('/v1/media');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('answers a multipart body cut off mid-way with a coded 400, not a 500', async () => {
    const boundary = 'XyZ';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndriving_text\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello`;
    const answer = await raw(
      `POST /v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${svc.keyA}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length}\r\nConnection: close\r\n\r\n`,
      head,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(answer).toMatch(/"code":"(request\.invalid|media\.empty)"/);
  });
  it('refuses what the database cannot hold as a coded 400, and its errors carry no parameter values', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${svc.baseUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    });
    const nul = await post('/v1/subjects', { display_name: 'Jane\u0000Doe', language: 'en' });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as any).code).toBe('request.invalid');
    const future = await post('/v1/subjects', { display_name: 'Jane Doe', language: 'en', birth_date: '2999-01-01' });
    expect(future.status).toBe(400);
    const err = await svc.ctx.db.query('select $1::text as x where $1 <> $2', ['Jane\u0000Doe', 'secret']).catch((e: unknown) => e as Record<string, unknown>);
    expect(err).toMatchObject({ name: 'DatabaseError', code: '22021' });
    expect(JSON.stringify(err)).not.toContain('Jane');
    expect((err as any).params).toBeUndefined();
    const longKey = await upload(svc, 'driving_text', 'hello', { headers: { 'idempotency-key': 'k'.repeat(6000) } });
    expect(longKey).toMatchObject({ status: 400, body: { code: 'request.invalid' } });
    const longName = await upload(svc, 'driving_text', 'hello', { multipart: true, query: { filename: `${'n'.repeat(300)}.txt` } });
    expect(longName).toMatchObject({ status: 400, body: { code: 'request.invalid' } });
  });
  it('a reused Idempotency-Key with other bytes or parameters is 422; the same request replays', async () => {
    const first = await upload(svc, 'driving_text', 'the first text', { headers: { 'idempotency-key': 'same-key-1' } });
    expect(first.status).toBe(202);
    const replay = await upload(svc, 'driving_text', 'the first text', { headers: { 'idempotency-key': 'same-key-1' } });
    expect(replay).toMatchObject({ status: 200, body: { id: first.body.id } });
    const otherBytes = await upload(svc, 'driving_text', 'another text', { headers: { 'idempotency-key': 'same-key-1' } });
    expect(otherBytes).toMatchObject({ status: 422, body: { code: 'idempotency.mismatch' } });
    const otherName = await upload(svc, 'driving_text', 'the first text', { headers: { 'idempotency-key': 'same-key-1' }, query: { filename: 'b.txt' } });
    expect(otherName.body.code).toBe('idempotency.mismatch');
  });

  it('a kind that needs no consent may name only this tenant’s attestation and subject, never another’s or none', async () => {
    const post = async (path: string, body: unknown, key: string) => (await (await fetch(`${svc.baseUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })).json()) as any;
    const subjectB = await post('/v1/subjects', { display_name: 'Someone Else', language: 'en' }, svc.keyB);
    const foreign = await upload(svc, 'driving_text', 'hello', { query: { subject_id: subjectB.id } });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'consent.subject_not_found' } });
    const none = await upload(svc, 'driving_text', 'hello', { query: { consent_id: '00000000-0000-4000-8000-000000000000' } });
    expect(none).toMatchObject({ status: 404, body: { code: 'consent.not_found' } });
    const own = await post('/v1/subjects', { display_name: 'Jane Doe', language: 'en' }, svc.keyA);
    expect((await upload(svc, 'driving_text', 'hello', { query: { subject_id: own.id } })).status).toBe(202);
  });
});
