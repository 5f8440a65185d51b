import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/db';

/**
 * API keys look like `lg_<prefix>_<secret>`. The prefix finds the row; only the
 * sha256 of the secret is stored, and it is compared in constant time.
 */
const KEY_FORMAT = /^lg_([a-z0-9]{8})_([A-Za-z0-9_-]{20,})$/;

export interface Tenant {
  id: string;
  name: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function newApiKey(): string {
  const prefix = randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 8);
  return `lg_${prefix.padEnd(8, '0')}_${randomBytes(24).toString('base64url')}`;
}

export async function createTenant(q: Queryable, name: string, key = newApiKey()): Promise<{ tenant: Tenant; apiKey: string }> {
  const m = KEY_FORMAT.exec(key);
  if (!m) throw new Error('API key does not have the lg_<8 chars>_<secret> format');
  const tenant = { id: randomUUID(), name };
  await q.query('insert into tenants (id, name) values ($1, $2)', [tenant.id, name]);
  await q.query('insert into api_keys (id, tenant_id, prefix, secret_sha256) values ($1, $2, $3, $4)', [
    randomUUID(),
    tenant.id,
    m[1],
    sha256(m[2]!),
  ]);
  return { tenant, apiKey: key };
}

/**
 * Roles an API key may hold beyond the tenant's ordinary access. `approver` may approve reads
 * of protected children's data — never a request made with the same key (docs/consent.md).
 */
export const ROLES = ['approver'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyIdentity {
  id: string;
  roles: Role[];
}

export async function authenticateKey(q: Queryable, key: string): Promise<{ tenant: Tenant; key: ApiKeyIdentity } | null> {
  const m = KEY_FORMAT.exec(key);
  if (!m) return null;
  const rows = await q.query<{ id: string; name: string; key_id: string; roles: string[]; secret_sha256: string }>(
    `select t.id, t.name, k.id as key_id, k.roles, k.secret_sha256 from api_keys k join tenants t on t.id = k.tenant_id
     where k.prefix = $1 and k.revoked_at is null`,
    [m[1]],
  );
  const row = rows[0];
  if (!row) return null;
  const given = Buffer.from(sha256(m[2]!), 'hex');
  const stored = Buffer.from(row.secret_sha256, 'hex');
  if (!timingSafeEqual(given, stored)) return null;
  const roles = (row.roles ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { tenant: { id: row.id, name: row.name }, key: { id: row.key_id, roles } };
}

export async function authenticate(q: Queryable, key: string): Promise<Tenant | null> {
  return (await authenticateKey(q, key))?.tenant ?? null;
}

/** Another key for an existing tenant (e.g. an approver's), printed once by `likeness tenant key`. */
export async function createApiKey(
  q: Queryable,
  tenantId: string,
  opts: { roles?: Role[]; label?: string } = {},
  key = newApiKey(),
): Promise<{ keyId: string; apiKey: string }> {
  const m = KEY_FORMAT.exec(key);
  if (!m) throw new Error('API key does not have the lg_<8 chars>_<secret> format');
  const keyId = randomUUID();
  await q.query('insert into api_keys (id, tenant_id, prefix, secret_sha256, label, roles) values ($1, $2, $3, $4, $5, $6)', [
    keyId,
    tenantId,
    m[1],
    sha256(m[2]!),
    opts.label ?? '',
    opts.roles ?? [],
  ]);
  return { keyId, apiKey: key };
}

/** A tenant by id or by name (names are not unique: the oldest wins). */
export async function findTenant(q: Queryable, idOrName: string): Promise<Tenant | null> {
  const rows = await q.query<Tenant>(
    `select id, name from tenants where id::text = $1 or name = $1 order by (id::text = $1) desc, created_at limit 1`,
    [idOrName],
  );
  return rows[0] ?? null;
}

/**
 * On a database with no tenants, create the first one: with LIKENESS_BOOTSTRAP_KEY if
 * set (so deployments can provision it), else with a fresh key the caller prints once.
 */
export async function bootstrapTenant(q: Queryable, key?: string): Promise<{ apiKey: string; generated: boolean } | null> {
  const [{ n } = { n: 0 }] = await q.query<{ n: number }>('select count(*)::int as n from tenants');
  if (n > 0) return null;
  const { apiKey } = await createTenant(q, 'default', key);
  return { apiKey, generated: !key };
}
