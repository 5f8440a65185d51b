import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/db';
import { AppError } from '../core/errors';
import { authenticateKey, type ApiKeyIdentity, type Tenant } from '../tenants/keys';

/** `apiKey` is the calling key itself: approvals of protected reads need to know which key asked and which approves. */
export type AuthEnv = { Variables: { tenant: Tenant; apiKey: ApiKeyIdentity } };

/** The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer` is `Bearer`. */
export const bearerOf = (header: string | undefined) => {
  const m = /^bearer[ \t]+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
};

/** Every 401 says how to authenticate (RFC 9110 §11.6.1). */
const CHALLENGE = { 'www-authenticate': 'Bearer realm="likeness-gate"' };

/** Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requireApiKey(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const key = bearerOf(c.req.header('authorization')) ?? c.req.header('x-api-key');
    if (!key) throw new AppError('auth.missing_key', 'send an API key as Authorization: Bearer <key>', {}, CHALLENGE);
    const found = await authenticateKey(db, key);
    if (!found) throw new AppError('auth.invalid_key', 'the API key is not valid', {}, { ...CHALLENGE, 'www-authenticate': `${CHALLENGE['www-authenticate']}, error="invalid_token"` });
    c.set('tenant', found.tenant);
    c.set('apiKey', found.key);
    await next();
  };
}
