import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/db';
import { AppError } from '../core/errors';
import { authenticate, type Tenant } from '../tenants/keys';

export type AuthEnv = { Variables: { tenant: Tenant } };

/** Accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requireApiKey(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : c.req.header('x-api-key');
    if (!key) throw new AppError('auth.missing_key', 'send an API key as Authorization: Bearer <key>');
    const tenant = await authenticate(db, key);
    if (!tenant) throw new AppError('auth.invalid_key', 'the API key is not valid');
    c.set('tenant', tenant);
    await next();
  };
}
