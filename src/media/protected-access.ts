import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/db';
import type { ApiKeyIdentity } from '../tenants/keys';
import { ProtectedDataError, type ProtectedCode } from './protection';

/**
 * Approval-gated reads of children's data. A key asks (with a reason); a *different* key of
 * the same tenant holding the `approver` role approves or denies; the approval is a grant
 * that only the asking key can redeem, once, within GRANT_TTL_SECONDS. The grant is the
 * request's id: it is not a secret — redeeming it also takes the requester's API key.
 *
 * Every request, approval, denial, refusal and read is appended to `protected_access_log`
 * (append-only by database rule). Refusals are logged before the error is thrown, outside
 * any transaction, so a refused attempt is never lost with a rollback.
 */
export const GRANT_TTL_SECONDS = 300;

export type AccessAction = 'requested' | 'approved' | 'denied' | 'refused' | 'read' | 'read_failed';

export interface AccessRequestRow {
  id: string;
  tenant_id: string;
  media_id: string;
  requested_by: string;
  reason: string;
  state: 'pending' | 'approved' | 'denied' | 'used';
  decided_by: string | null;
  decision_note: string | null;
  decided_at: Date | null;
  grant_expires_at: Date | null;
  used_at: Date | null;
  created_at: Date;
}

export interface AccessLogRow {
  id: string;
  request_id: string | null;
  action: AccessAction;
  actor_key_id: string | null;
  code: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

interface Item {
  id: string;
  tenant_id: string;
}

export async function logAccess(
  q: Queryable,
  e: { item: Item; action: AccessAction; requestId?: string | null; actor?: string | null; code?: string; detail?: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `insert into protected_access_log (tenant_id, media_id, request_id, action, actor_key_id, code, detail)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [e.item.tenant_id, e.item.id, e.requestId ?? null, e.action, e.actor ?? null, e.code ?? null, JSON.stringify(e.detail ?? {})],
  );
}

/** Logs the refusal, then throws it. */
async function refuse(
  q: Queryable,
  item: Item,
  actor: ApiKeyIdentity,
  code: ProtectedCode,
  message: string,
  requestId?: string | null,
): Promise<never> {
  await logAccess(q, { item, action: 'refused', requestId, actor: actor.id, code });
  throw new ProtectedDataError(code, message, requestId ? { request_id: requestId } : {});
}

export async function createAccessRequest(db: Db, item: Item, by: ApiKeyIdentity, reason: string): Promise<AccessRequestRow> {
  return db.tx(async (q) => {
    const [row] = await q.query<AccessRequestRow>(
      `insert into protected_access_requests (id, tenant_id, media_id, requested_by, reason) values ($1, $2, $3, $4, $5) returning *`,
      [randomUUID(), item.tenant_id, item.id, by.id, reason],
    );
    await logAccess(q, { item, action: 'requested', requestId: row!.id, actor: by.id, detail: { reason } });
    return row!;
  });
}

async function getRequest(q: Queryable, item: Item, requestId: string): Promise<AccessRequestRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(requestId)) return null;
  const [row] = await q.query<AccessRequestRow>(
    'select * from protected_access_requests where id = $1 and media_id = $2 and tenant_id = $3',
    [requestId, item.id, item.tenant_id],
  );
  return row ?? null;
}

export async function listAccessRequests(q: Queryable, item: Item): Promise<AccessRequestRow[]> {
  return q.query<AccessRequestRow>('select * from protected_access_requests where media_id = $1 and tenant_id = $2 order by created_at', [
    item.id,
    item.tenant_id,
  ]);
}

/**
 * Approve or deny. Only an approver, never the requesting key itself (four eyes), and only
 * a pending request. The state change is conditional, so two approvers racing decide once.
 */
export async function decideAccessRequest(
  db: Queryable,
  item: Item,
  requestId: string,
  by: ApiKeyIdentity,
  decision: 'approve' | 'deny',
  note?: string,
): Promise<AccessRequestRow> {
  const request = await getRequest(db, item, requestId);
  if (!request) throw new ProtectedDataError('access.request_not_found', 'no such access request for this item');
  if (!by.roles.includes('approver')) {
    return refuse(db, item, by, 'access.not_approver', 'approving reads of protected data needs an API key with the approver role', request.id);
  }
  if (request.requested_by === by.id) {
    return refuse(db, item, by, 'access.self_approval', 'a request must be approved by another key than the one that made it', request.id);
  }
  const approved = decision === 'approve';
  const [row] = await db.query<AccessRequestRow>(
    `update protected_access_requests
       set state = $2, decided_by = $3, decision_note = $4, decided_at = now(),
           grant_expires_at = case when $2 = 'approved' then now() + make_interval(secs => $5) else null end
     where id = $1 and state = 'pending' returning *`,
    [request.id, approved ? 'approved' : 'denied', by.id, note ?? null, GRANT_TTL_SECONDS],
  );
  if (!row) throw new ProtectedDataError('access.conflict', `the request is already ${request.state}`, { request_id: request.id });
  await logAccess(db, {
    item,
    action: approved ? 'approved' : 'denied',
    requestId: row.id,
    actor: by.id,
    detail: { ...(note ? { note } : {}), ...(approved ? { grant_expires_at: new Date(row.grant_expires_at!).toISOString() } : {}) },
  });
  return row;
}

/**
 * Spends the grant: one read, by the key that asked, before the grant runs out. Whatever
 * is wrong is logged as a refusal with its own code.
 */
export async function redeemGrant(db: Queryable, item: Item, grant: string | undefined, by: ApiKeyIdentity): Promise<AccessRequestRow> {
  if (!grant) return refuse(db, item, by, 'access.approval_required', 'reading protected data needs an approved access request (?grant=<request id>)');
  const request = await getRequest(db, item, grant);
  if (!request || request.state === 'pending' || request.state === 'denied') {
    return refuse(db, item, by, 'access.approval_required', 'the access request is not approved', request?.id);
  }
  if (request.requested_by !== by.id) return refuse(db, item, by, 'access.grant_not_yours', 'only the key that made the request may use its grant', request.id);
  const [row] = await db.query<AccessRequestRow>(
    `update protected_access_requests set state = 'used', used_at = now()
     where id = $1 and state = 'approved' and requested_by = $2 and grant_expires_at > now() returning *`,
    [request.id, by.id],
  );
  if (row) return row;
  const [now] = await db.query<{ expired: boolean; state: string }>(
    'select grant_expires_at <= now() as expired, state from protected_access_requests where id = $1',
    [request.id],
  );
  if (now?.state === 'used') return refuse(db, item, by, 'access.grant_used', 'the grant was already used (one read per approval)', request.id);
  if (now?.expired) return refuse(db, item, by, 'access.grant_expired', 'the grant ran out; ask again', request.id);
  return refuse(db, item, by, 'access.approval_required', 'the access request is not approved', request.id);
}

export async function listAccessLog(q: Queryable, item: Item): Promise<AccessLogRow[]> {
  return q.query<AccessLogRow>(
    `select id::text, request_id, action, actor_key_id, code, detail, at from protected_access_log
     where media_id = $1 and tenant_id = $2 order by protected_access_log.id`,
    [item.id, item.tenant_id],
  );
}
