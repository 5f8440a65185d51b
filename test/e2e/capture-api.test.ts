import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORDING_BYTES } from '../../src/consent/ceremony';
import { attestation, call, subject } from '../consent/support';
import { startService, type Service } from '../support/harness';
import { consentWithLink, fixCode, readAloud, speechToolsMissing, statementOnPage } from './support';

/**
 * The capture-link API and the page's server side, without a browser (the browser drives the
 * page in capture-page.test.ts): link creation, what is stored, the headers, every refusal.
 */
const CI = !!process.env.CI;
if (speechToolsMissing && !CI) console.warn(`capture upload test skipped: ${speechToolsMissing}`);

describe('capture links', () => {
  let svc: Service;
  let tmp: string;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-capture-api-'));
  });
  afterAll(async () => {
    await svc?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const page = (token: string) => fetch(`${svc.baseUrl}/capture/${token}`);
  const post = (token: string, body: Buffer | string, type = 'audio/webm') =>
    fetch(`${svc.baseUrl}/capture/${token}/recording`, { method: 'POST', headers: { 'content-type': type }, body });

  it('creates a link: a 256-bit token, stored only as its hash, expiring with its challenge, never an API key', async () => {
    const link = await consentWithLink(svc);
    expect(link.token).toMatch(/^lgc_[A-Za-z0-9_-]{43}$/);
    expect(link.url).toBe(`${svc.baseUrl}/capture/${link.token}`);
    const [challenge] = await svc.ctx.db.query<{ expires_at: Date }>('select expires_at from consent_challenges where id = $1', [link.challengeId]);
    expect(new Date(link.expiresAt).getTime()).toBe(new Date(challenge!.expires_at).getTime());
    expect(new Date(link.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const rows = await svc.ctx.db.query<Record<string, unknown>>('select * from consent_capture_links where challenge_id = $1', [link.challengeId]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(link.token);
    expect(rows[0]!.token_sha256).toBe(createHash('sha256').update(link.token).digest('hex'));
    // The token opens its page only: as an API key it is refused.
    for (const header of [{ authorization: `Bearer ${link.token}` }, { 'x-api-key': link.token }] as Record<string, string>[]) {
      const r = await fetch(`${svc.baseUrl}/v1/consents/${link.attestationId}`, { headers: header });
      expect(r.status).toBe(401);
      expect(((await r.json()) as { code: string }).code).toBe('auth.invalid_key');
    }
  });

  it('serves one self-contained page under a strict CSP, no-store and no-referrer', async () => {
    const link = await consentWithLink(svc, { name: 'Jo <img src=x onerror=alert(1)> Doe' });
    const res = await page(link.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await res.text();
    // The inline script and style are exactly what the policy's hashes allow, and nothing is loaded from elsewhere.
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(csp).toContain(`script-src ${sha(script)}`);
    expect(csp).toContain(`style-src ${sha(style)}`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<[^>]*\s(src|href)=|<link|@import|url\(/);
    // Markup in the subject's name is shown as text.
    expect(html).toContain('Jo &lt;img src=x onerror=alert(1)&gt; Doe');
    expect(html).toContain('<strong id="company">Acme Studios</strong>');
    expect(html).toContain('<strong id="scope">your voice</strong>');
    expect(html).toContain('a synthetic copy of your voice');
    const [row] = await svc.ctx.db.query<{ statement: string }>('select statement from consent_challenges where id = $1', [link.challengeId]);
    expect(statementOnPage(html)).toBe(row!.statement);
    expect(html).toContain('data-video="false"');
  });

  it('takes an existing unused challenge, once; refuses used, unknown and other tenants\' ones', async () => {
    const sid = await subject(svc, { display_name: 'Ann Lee' });
    const a = await attestation(svc, sid, { scopes: ['face', 'voice'], purposes: ['video_avatar'] });
    const ch = await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Blue Fox Films' });
    const r = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: ch.body.id });
    expect(r.status).toBe(201);
    expect(r.body.challenge_id).toBe(ch.body.id);
    expect(r.body.expires_at).toBe(ch.body.expires_at);
    const html = await (await page(r.body.token)).text();
    expect(html).toContain('<strong id="company">Blue Fox Films</strong>');
    expect(html).toContain('<strong id="scope">your face and your voice</strong>');
    expect(html).toContain('data-video="true"');
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: ch.body.id })).body.code).toBe('consent.conflict');
    const unknown = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: '00000000-0000-4000-8000-000000000000' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'consent.challenge_not_found']);
    const other = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, {}, svc.keyB);
    expect([other.status, other.body.code]).toEqual([404, 'consent.not_found']);
    const bad = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: 'x', extra: 1 });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);

    // The creator spends the challenge through the API: the link is used up with it.
    const ch2 = await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, {});
    const link2 = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: ch2.body.id });
    await fetch(`${svc.baseUrl}/v1/consents/${a.id}/challenges/${ch2.body.id}/recording`, {
      method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'audio/wav' }, body: Buffer.from('RIFF0000WAVE'),
    });
    expect((await page(link2.body.token)).status).toBe(410);
    const again = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { challenge_id: ch2.body.id });
    expect(again.body.code).toBe('consent.challenge_used');
  });

  it('answers unknown, expired and revoked links with a clear page and problem+json codes, consuming nothing', async () => {
    const expect404 = async (token: string) => {
      const p = await page(token);
      expect(p.status).toBe(404);
      expect(p.headers.get('cache-control')).toBe('no-store');
      expect(await p.text()).toContain('This link does not exist');
      const u = await post(token, 'x');
      expect(u.status).toBe(404);
      expect(u.headers.get('content-type')).toBe('application/problem+json');
      expect(((await u.json()) as { code: string }).code).toBe('capture.link_not_found');
    };
    await expect404(`lgc_${'A'.repeat(43)}`);
    await expect404('not-a-token');

    const expired = await consentWithLink(svc);
    await svc.ctx.db.query(`update consent_capture_links set expires_at = now() - interval '1 second' where challenge_id = $1`, [expired.challengeId]);
    const p = await page(expired.token);
    expect(p.status).toBe(410);
    expect(await p.text()).toMatch(/This link has expired[\s\S]*capture\.link_expired/);
    const u = await post(expired.token, 'x');
    expect([u.status, ((await u.json()) as { code: string }).code]).toEqual([410, 'capture.link_expired']);

    const revoked = await consentWithLink(svc);
    await call(svc, 'POST', `/v1/consents/${revoked.attestationId}/revoke`, {});
    const rp = await page(revoked.token);
    expect(rp.status).toBe(410);
    expect(await rp.text()).toContain('capture.consent_inactive');

    const used = await svc.ctx.db.query<{ n: number }>(
      `select count(*)::int as n from consent_challenges where id = any($1::uuid[]) and used_at is not null`,
      [[expired.challengeId, revoked.challengeId]],
    );
    expect(used[0]!.n).toBe(0);
  });

  it('refuses an empty or oversized recording with the ceremony limit, and the link stays usable', async () => {
    const link = await consentWithLink(svc);
    const empty = await post(link.token, Buffer.alloc(0));
    expect([empty.status, ((await empty.json()) as { code: string }).code]).toEqual([400, 'media.empty']);
    const big = await post(link.token, Buffer.alloc(MAX_RECORDING_BYTES + 1));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('media.too_large');
    // Without a declared length (chunked), the count stops it while streaming.
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent++ > MAX_RECORDING_BYTES / chunk.length) ctl.close();
        else ctl.enqueue(chunk);
      },
    });
    const chunked = await fetch(`${svc.baseUrl}/capture/${link.token}/recording`, {
      method: 'POST', headers: { 'content-type': 'audio/webm' }, body: stream, duplex: 'half',
    } as RequestInit).catch((e: Error) => e);
    if (chunked instanceof Error) throw chunked;
    expect([chunked.status, ((await chunked.json()) as { code: string }).code]).toEqual([413, 'media.too_large']);
    expect((await page(link.token)).status).toBe(200);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${svc.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/consents/{id}/capture-links']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/capture/{token}']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/capture/{token}/recording']!)).toEqual(['post']);
  });

  it.skipIf(!!speechToolsMissing && !CI)('an upload through the link runs the ceremony checks, once', async () => {
    const link = await consentWithLink(svc);
    const statement = await fixCode(svc, link.challengeId);
    const { file } = readAloud(statement, tmp);
    const res = await post(link.token, fs.readFileSync(file), 'audio/wav');
    const body = (await res.json()) as { outcome: string; checks: { name: string; status: string; message: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.outcome).toBe('verified');
    expect(body.checks.map((c) => [c.name, c.status])).toEqual([['code', 'pass'], ['speech', 'pass']]);
    const stored = await svc.ctx.db.query<{ name: string; status: string }>(
      'select name, status from consent_checks where challenge_id = $1 order by name', [link.challengeId]);
    expect(stored).toEqual([{ name: 'code', status: 'pass' }, { name: 'speech', status: 'pass' }]);
    const events = await svc.ctx.db.query<{ type: string; actor: string }>(
      'select type, actor from consent_events where attestation_id = $1 order by id', [link.attestationId]);
    expect(events.map((e) => e.type)).toEqual(['created', 'challenge_issued', 'verified']);
    expect(events[2]!.actor).toMatch(/^capture_link:[0-9a-f-]{36}$/);
    const second = await post(link.token, fs.readFileSync(file), 'audio/wav');
    expect([second.status, ((await second.json()) as { code: string }).code]).toEqual([410, 'capture.link_used']);
    expect(await (await page(link.token)).text()).toContain('This link was already used');
  });
});
