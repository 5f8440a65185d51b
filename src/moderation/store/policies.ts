import type { Queryable } from '../../db/db';
import { PolicySpecSchema, resolvePolicy, type Policy, type PolicySpec } from '../policy';

/**
 * Tenant policies from the database, cached per process for a short time: an edit
 * takes effect everywhere within POLICY_CACHE_MS (well inside the promised minute)
 * without a query per item.
 */
const POLICY_CACHE_MS = 15_000;

interface Loaded {
  active?: PolicySpec;
  shadow: PolicySpec[];
  at: number;
}

const cache = new Map<string, Loaded>();

async function load(q: Queryable, tenantId: string): Promise<Loaded> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < POLICY_CACHE_MS) return hit;
  const rows = await q.query<{ mode: string; spec: unknown }>(
    'select mode, spec from moderation_policies where tenant_id = $1 order by policy_id',
    [tenantId],
  );
  const specs = rows.map((r) => ({ mode: r.mode, spec: PolicySpecSchema.parse(r.spec) }));
  const loaded: Loaded = {
    active: specs.find((s) => s.mode === 'active')?.spec,
    shadow: specs.filter((s) => s.mode === 'shadow').map((s) => s.spec),
    at: Date.now(),
  };
  cache.set(tenantId, loaded);
  return loaded;
}

export interface TenantPolicies {
  active: Policy;
  shadow: Policy[];
}

/** The tenant's policy for a media kind, and its shadow candidates; defaults without a database. */
export async function policiesFor(q: Queryable | undefined, tenantId: string, kind: string): Promise<TenantPolicies> {
  if (!q) return { active: resolvePolicy(undefined, kind), shadow: [] };
  const l = await load(q, tenantId);
  return { active: resolvePolicy(l.active, kind), shadow: l.shadow.map((s) => resolvePolicy(s, kind)) };
}

export async function savePolicy(q: Queryable, tenantId: string, mode: 'active' | 'shadow', spec: PolicySpec): Promise<void> {
  if (mode === 'active') await q.query("delete from moderation_policies where tenant_id = $1 and mode = 'active'", [tenantId]);
  await q.query(
    `insert into moderation_policies (tenant_id, mode, policy_id, spec) values ($1, $2, $3, $4)
     on conflict (tenant_id, mode, policy_id) do update set spec = excluded.spec, updated_at = now()`,
    [tenantId, mode, spec.id, JSON.stringify(spec)],
  );
  cache.delete(tenantId);
}

export async function listPolicies(q: Queryable, tenantId: string): Promise<{ mode: string; spec: PolicySpec }[]> {
  return q.query('select mode, spec from moderation_policies where tenant_id = $1 order by mode, policy_id', [tenantId]);
}

export async function deleteShadowPolicy(q: Queryable, tenantId: string, policyId: string): Promise<boolean> {
  const rows = await q.query("delete from moderation_policies where tenant_id = $1 and mode = 'shadow' and policy_id = $2 returning 1", [
    tenantId,
    policyId,
  ]);
  cache.delete(tenantId);
  return rows.length > 0;
}
