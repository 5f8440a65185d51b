import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/consent/receipts';
import { backends, startService, upload, type Service } from '../support/harness';
import { attestation, call, markVerified, speech, subject } from './support';

/** A request as the subject makes it: no API key. */
async function open(svc: Service, path: string, init: RequestInit = {}) {
  const res = await fetch(`${svc.baseUrl}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, headers: res.headers, text, body: (type.includes('json') && text ? JSON.parse(text) : {}) as Record<string, any> };
}

describe.each(backends())('subject links on %s', (backend) => {
  let svc: Service;
  // No background worker: the revocation test keeps its uploads queued.
  beforeAll(async () => {
    svc = await startService(backend, { worker: false });
  });
  afterAll(async () => svc?.close());

  const link = async (consentId: string, body: unknown = {}, key = svc.keyA) => call(svc, 'POST', `/v1/consents/${consentId}/subject-links`, body, key);

  it('the subject downloads the signed receipts without a key; every signature verifies with the key given beside them', async () => {
    const a = await attestation(svc, await subject(svc, { display_name: '<script>alert(1)</script> Doe' }));
    await call(svc, 'POST', `/v1/consents/${a.id}/suspend`);
    await call(svc, 'POST', `/v1/consents/${a.id}/resume`);
    const l = await link(a.id);
    expect(l.status).toBe(201);
    expect(l.body.token).toMatch(/^lgs_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(l.body.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const r = await open(svc, l.body.receipts_url);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    // The same receipts the creator sees, and the same key the API publishes.
    const creator = (await call(svc, 'GET', `/v1/consents/${a.id}/receipts`)).body.items;
    expect(r.body.items).toEqual(creator);
    expect(r.body.items.map((x: any) => x.body.event.type)).toEqual(['created', 'suspended', 'resumed']);
    expect(r.body.key.public_pem).toBe((await call(svc, 'GET', '/v1/consent-receipts/key')).body.public_pem);
    for (const receipt of r.body.items) expect(verifyReceipt(r.body.key.public_pem, receipt)).toBe(true);
    // A changed receipt no longer verifies: the check is real.
    const forged = structuredClone(r.body.items[0]);
    forged.body.consent.purposes = ['voice_clone'];
    expect(verifyReceipt(r.body.key.public_pem, forged)).toBe(false);

    // Only the token's hash is kept.
    const sha = createHash('sha256').update(l.body.token).digest('hex');
    const rows = await svc.ctx.db.query<Record<string, unknown>>('select * from consent_subject_links where attestation_id = $1', [a.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_sha256).toBe(sha);
    expect(JSON.stringify(rows)).not.toContain(l.body.token.slice(4));

    const page = await open(svc, l.body.url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    for (const receipt of creator) expect(page.text).toContain(receipt.id);
    expect(page.text).toContain(`href="${l.body.receipts_url}"`);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Doe');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain(`action="${l.body.url}/revoke"`);
  });

  it('unknown, malformed and expired tokens are refused with stable codes; only the creator makes links', async () => {
    const unknown = `lgs_${randomBytes(32).toString('base64url')}`;
    for (const path of [`/subject/${unknown}/receipts`, `/subject/${unknown}`, '/subject/not-a-token/receipts']) {
      const r = await open(svc, path);
      expect(r.status).toBe(404);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.code).toBe('subject_link.not_found');
    }
    expect((await open(svc, `/subject/${unknown}/revoke`, { method: 'POST' })).body.code).toBe('subject_link.not_found');

    const a = await attestation(svc, await subject(svc));
    const l = await link(a.id, { ttl_seconds: 60 });
    expect(l.status).toBe(201);
    expect(Date.parse(l.body.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await open(svc, l.body.receipts_url)).status).toBe(200);
    await svc.ctx.db.query(`update consent_subject_links set expires_at = now() - interval '1 second' where attestation_id = $1`, [a.id]);
    for (const r of [await open(svc, l.body.receipts_url), await open(svc, l.body.url), await open(svc, `${l.body.url}/revoke`, { method: 'POST' })]) {
      expect(r.status).toBe(410);
      expect(r.body.code).toBe('subject_link.expired');
    }
    expect((await call(svc, 'GET', `/v1/consents/${a.id}`)).body.state).toBe('active');

    expect((await link(a.id, {}, svc.keyB)).body.code).toBe('consent.not_found');
    expect((await link(a.id, { ttl_seconds: 10 })).body.code).toBe('request.invalid');
    const noKey = await open(svc, `/v1/consents/${a.id}/subject-links`, { method: 'POST' });
    expect(noKey.body.code).toBe('auth.missing_key');
  });

  it('the subject revokes: the cascade runs (queued items deleted), the events name the subject, the link still shows the proof', async () => {
    const audio = speech();
    const a = await attestation(svc, await subject(svc));
    await markVerified(svc, a.id);
    const queued: string[] = [];
    for (let i = 0; i < 2; i++) {
      const up = await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id } });
      expect(up.status).toBe(202);
      queued.push(up.body.id as string);
    }
    const l = (await link(a.id)).body;
    const r = await open(svc, `${l.url}/revoke`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'I changed my mind' }),
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('revoked');
    expect(r.body.receipt.body.event.type).toBe('revocation_completed');
    expect(r.body.receipt.body.event.data.not_processed.map((x: { media_id: string }) => x.media_id).sort()).toEqual([...queued].sort());
    expect(await svc.ctx.db.query('select id from media where consent_id = $1', [a.id])).toEqual([]);

    const got = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body;
    expect(got.state).toBe('revoked');
    const ended = got.events.filter((e: { type: string }) => e.type.startsWith('revo'));
    expect(ended.map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([['revoked', 'subject'], ['revocation_completed', 'subject']]);
    expect(ended[0].data.reason).toBe('I changed my mind');
    expect((await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id } })).body.code).toBe('consent.revoked');

    const proof = await open(svc, l.receipts_url);
    expect(proof.body.state).toBe('revoked');
    expect(proof.body.items.at(-1).id).toBe(r.body.receipt.id);
    for (const receipt of proof.body.items) expect(verifyReceipt(proof.body.key.public_pem, receipt)).toBe(true);
    expect((await open(svc, `${l.url}/revoke`, { method: 'POST' })).body.code).toBe('consent.conflict');
    expect((await open(svc, l.url)).text).not.toContain('<form');
  });

  it("the page's form revokes and leads back to the page", async () => {
    const a = await attestation(svc, await subject(svc), { revocation_policy: 'restrict' });
    const l = (await link(a.id)).body;
    const r = await open(svc, `${l.url}/revoke`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=please+stop',
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(l.url);
    const got = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body;
    expect(got.state).toBe('revoked');
    expect(got.events.find((e: { type: string }) => e.type === 'revoked')).toMatchObject({ actor: 'subject', data: { reason: 'please stop' } });
  });
});
