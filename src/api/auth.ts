import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/db';
import { AppError } from '../core/errors';
import { authenticateKey, type ApiKeyIdentity, type Tenant } from '../tenants/keys';

/** `apiKey` is the calling key itself: approvals of protected reads need to know which key asked and which approves. */
export type AuthEnv = { Variables: { tenant: Tenant; apiKey: ApiKeyIdentity } };

/** Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requireApiKey(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : c.req.header('x-api-key');
    if (!key) throw new AppError('auth.missing_key', 'send an API key as Authorization: Bearer <key>');
    const found = await authenticateKey(db, key);
    if (!found) throw new AppError('auth.invalid_key', 'the API key is not valid');
    c.set('tenant', found.tenant);
    c.set('apiKey', found.key);
    await next();
  };
}
