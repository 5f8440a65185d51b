import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModerator } from '../../src/review/accounts';
import { backends, startService, type Service } from '../support/harness';
import { verifiedConsent } from '../support/consent';
import { api, Console, moderator, reviewEverything, reviewItemOf, textInReview } from './support';

/**
 * The console's doors on the real service (PGlite and PostgreSQL): logins with lock-out, the
 * session cookie, CSRF on every state change, tenant keys kept out, and media links that only
 * the session that got them can use, briefly.
 */
describe.each(backends())('review console sign-in and doors on %s', (backend) => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService(backend);
    await reviewEverything(svc);
  });
  afterAll(async () => svc?.close());

  it('logs in with a session cookie that is HttpOnly, SameSite=Lax, path /review, Secure only over HTTPS', async () => {
    await createModerator(svc.ctx.db, { email: 'Cookie@Example.com', role: 'moderator', password: 'a long enough password' });
    const c = new Console(svc, 'cookie@example.com', 'a long enough password');
    const res = await c.login();
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^lg_review=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/review/);
    expect(cookie).not.toMatch(/Secure/);
    const session = await c.call('GET', '/review/api/session');
    expect(session.body.moderator).toMatchObject({ email: 'cookie@example.com', role: 'moderator' });
    expect(session.body.reject_reasons).toContain('gambling');

    const behindTls = await fetch(`${svc.baseUrl}/review/api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ email: 'cookie@example.com', password: 'a long enough password' }),
    });
    expect(behindTls.headers.get('set-cookie')).toMatch(/Secure/);

    expect((await c.call('POST', '/review/api/logout')).status).toBe(200);
    expect((await c.call('GET', '/review/api/session')).body.code).toBe('review.session_required');
  });

  it('stores passwords as scrypt hashes and locks the account after five failures, even against the right password', async () => {
    await createModerator(svc.ctx.db, { email: 'lock@example.com', role: 'moderator', password: 'the right password' });
    const [row] = await svc.ctx.db.query<{ password_hash: string }>(`select password_hash from moderators where email = 'lock@example.com'`);
    expect(row!.password_hash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(row!.password_hash).not.toContain('the right password');
    const wrong = new Console(svc, 'lock@example.com', 'not the password');
    for (let i = 0; i < 5; i++) expect((await wrong.login()).status).toBe(401);
    const right = new Console(svc, 'lock@example.com', 'the right password');
    const locked = await right.login();
    expect(locked.status).toBe(423);
    expect(((await locked.json()) as any).code).toBe('review.locked');
    const unknown = await new Console(svc, 'nobody@example.com', 'whatever it is').login();
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as any).code).toBe('review.login_failed');
  });

  it('refuses state changes without the CSRF token, as a form post, or from another origin', async () => {
    const mod = await moderator(svc, 'moderator');
    const noToken = await mod.call('POST', '/review/api/queues/all/claim', {}, { 'x-csrf-token': '' });
    expect(noToken).toMatchObject({ status: 403, body: { code: 'review.csrf' } });
    const wrongToken = await mod.call('POST', '/review/api/queues/all/claim', {}, { 'x-csrf-token': 'x'.repeat(mod.csrf.length) });
    expect(wrongToken.body.code).toBe('review.csrf');
    const form = await mod.call('POST', '/review/api/queues/all/claim', {}, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.body.code).toBe('review.csrf');
    const foreign = await mod.call('POST', '/review/api/queues/all/claim', {}, { origin: 'https://evil.example' });
    expect(foreign.body.code).toBe('review.csrf');
    const loginFromElsewhere = await fetch(`${svc.baseUrl}/review/api/login`, {
      method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body: '{}',
    });
    expect(loginFromElsewhere.status).toBe(403);
    expect((await mod.claimNext()).status).toBe(200);
  });

  it('keeps tenant keys out: no console with an API key, and the tenant can no longer settle its own ceremony', async () => {
    const consentId = await verifiedConsent(svc);
    const settle = await api(svc, 'POST', `/v1/consents/${consentId}/verification`, { decision: 'verified', reason: 'mine', reviewer: 'me' });
    expect(settle).toMatchObject({ status: 403, body: { code: 'consent.moderator_only' } });
    const res = await fetch(`${svc.baseUrl}/review/api/queues`, { headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe('review.session_required');
  });

  it('serves media bytes only to the session that holds a live signed link, with ranges', async () => {
    const text = `Join our online casino now, bets from 1 yuan ${Date.now()}`;
    const mediaId = await textInReview(svc, text);
    const itemId = await reviewItemOf(svc, mediaId);
    const mod = await moderator(svc, 'moderator');
    const view = (await mod.item(itemId)).body;
    expect(view.media.url).toMatch(/^\/review\/api\/items\/.+\/media\?exp=\d+&sig=/);
    const get = (path: string, cookie: string, headers: Record<string, string> = {}) => fetch(`${svc.baseUrl}${path}`, { headers: { cookie, ...headers } });
    const ok = await get(view.media.url, mod.cookie);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(text);
    const part = await get(view.media.url, mod.cookie, { range: 'bytes=0-3' });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('Join');
    expect((await get(view.media.url, '')).status).toBe(401);
    const other = await moderator(svc, 'moderator');
    expect((await get(view.media.url, other.cookie)).status).toBe(403);
    expect((await get(view.media.url.replace(/sig=[^&]+/, 'sig=AAAA'), mod.cookie)).status).toBe(403);
    const expired = view.media.url.replace(/exp=\d+/, `exp=${Math.floor(Date.now() / 1000) - 1}`);
    expect((await get(expired, mod.cookie)).status).toBe(403);
    // The page knows its CSRF token, not the cookie: a link it signs itself, for a year, is refused.
    const exp = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const forged = createHmac('sha256', mod.csrf).update(`${itemId}:media:${exp}`).digest('base64url');
    expect((await get(`/review/api/items/${itemId}/media?exp=${exp}&sig=${forged}`, mod.cookie)).status).toBe(403);
  });
});
