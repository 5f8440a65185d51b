import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Db } from '../db/db';
import { AppError } from '../core/errors';
import { linkKeyOf, sessionOf } from '../review/accounts';
import type { ModeratorRow } from '../review/repo';

/**
 * The review console's own authentication: a session cookie, never an API key. Every state
 * change must also carry the session's CSRF token in a header (a cross-site form cannot set
 * one) as JSON, and must not come from another origin.
 */
export const SESSION_COOKIE = 'lg_review';

/** `linkKey` signs this session's media links; `sessionCookie` is what logout ends. */
export type ModeratorEnv = { Variables: { moderator: ModeratorRow; csrfToken: string; sessionCookie: string; linkKey: string } };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requireModerator(db: Db): MiddlewareHandler<ModeratorEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie ? await sessionOf(db, cookie) : null;
    if (!session) throw new AppError('review.session_required', 'log in to the review console');
    if (!SAFE.has(c.req.method)) {
      checkStateChange(c.req.raw);
      const sent = Buffer.from(c.req.header('x-csrf-token') ?? '');
      const want = Buffer.from(session.csrfToken);
      if (sent.length !== want.length || !timingSafeEqual(sent, want)) throw new AppError('review.csrf', 'missing or wrong X-CSRF-Token');
    }
    c.set('moderator', session.moderator);
    c.set('csrfToken', session.csrfToken);
    c.set('sessionCookie', cookie!);
    c.set('linkKey', linkKeyOf(cookie!));
    await next();
  };
}

/** JSON from this origin only: what a page of another site cannot send without a preflight. */
export function checkStateChange(req: Request): void {
  const origin = req.headers.get('origin');
  if (origin && origin !== new URL(req.url).origin && origin !== forwardedOrigin(req)) {
    throw new AppError('review.csrf', 'cross-origin requests are refused');
  }
  if (!(req.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new AppError('review.csrf', 'state changes are sent as application/json');
  }
}

const forwardedOrigin = (req: Request) => {
  const proto = req.headers.get('x-forwarded-proto');
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  return proto && host ? `${proto}://${host}` : null;
};

/** `Secure` when the browser reached us over HTTPS, directly or through a proxy. */
export const overHttps = (req: Request) => new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
