import type { Queryable } from '../db/db';
import type { ModeratorFacts, PrimaryQueue, Role, SubjectType } from './policy';
import type { DecisionRecord, ItemState, ReviewEvent } from './state';

/**
 * Row-level access for the review console: items and their claims, the moderation event log,
 * moderators and sessions, appeals, the outbox. SQL only; the rules live in policy.ts.
 * Claims take the same discipline as src/queue/jobs.ts: FOR UPDATE SKIP LOCKED under a lease,
 * so two moderators never hold one item and a lease that runs out frees it by itself.
 */
export interface ReviewItemRow {
  id: string;
  tenant_id: string;
  subject_type: SubjectType;
  media_id: string | null;
  attestation_id: string | null;
  appeal_id: string | null;
  kind: string;
  queue: PrimaryQueue;
  categories: string[];
  scores: Record<string, number>;
  reasons: string[];
  priority: number;
  sha256: string | null;
  phash: string | null;
  state: ItemState;
  claimed_by: string | null;
  claimed_at: Date | null;
  lease_until: Date | null;
  decision: DecisionRecord | null;
  excluded: string[];
  created_at: Date;
  decided_at: Date | null;
}

export type NewItem = Pick<ReviewItemRow, 'id' | 'tenant_id' | 'subject_type' | 'kind' | 'queue' | 'categories' | 'scores' | 'reasons' | 'priority'> &
  Partial<Pick<ReviewItemRow, 'media_id' | 'attestation_id' | 'appeal_id' | 'sha256' | 'phash' | 'excluded'>>;

/** Inserts the item unless one is already open for the same media or attestation; true when inserted. */
export async function insertItem(q: Queryable, i: NewItem): Promise<boolean> {
  const rows = await q.query(
    `insert into review_items (id, tenant_id, subject_type, media_id, attestation_id, appeal_id, kind, queue, categories, scores, reasons, priority, sha256, phash, excluded)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     on conflict do nothing returning id`,
    [i.id, i.tenant_id, i.subject_type, i.media_id ?? null, i.attestation_id ?? null, i.appeal_id ?? null, i.kind, i.queue,
      i.categories, JSON.stringify(i.scores), i.reasons, i.priority, i.sha256 ?? null, i.phash ?? null, i.excluded ?? []],
  );
  return rows.length > 0;
}

/** Consent ceremonies waiting for a person, without an open item yet (the ceremony does not know about review). */
export async function attestationsAwaitingItems(q: Queryable): Promise<{ id: string; tenant_id: string }[]> {
  return q.query(
    `select a.id, a.tenant_id from consent_attestations a
     where a.verification = 'review' and a.state = 'active'
       and not exists (select 1 from review_items r where r.attestation_id = a.id and r.subject_type = 'consent' and r.state <> 'decided')`,
  );
}

export async function getItem(q: Queryable, id: string): Promise<ReviewItemRow | null> {
  const rows = await q.query<ReviewItemRow>('select * from review_items where id::text = $1', [id]);
  return rows[0] ?? null;
}

export async function lockItem(q: Queryable, id: string): Promise<ReviewItemRow | null> {
  const rows = await q.query<ReviewItemRow>('select * from review_items where id::text = $1 for update', [id]);
  return rows[0] ?? null;
}

export async function updateItem(q: Queryable, id: string, patch: Partial<Omit<ReviewItemRow, 'id' | 'tenant_id'>>): Promise<void> {
  const cols = Object.keys(patch) as (keyof typeof patch)[];
  if (!cols.length) return;
  const sets = cols.map((c, i) => `${c} = $${i + 2}`).join(', ');
  const values = cols.map((c) => (c === 'decision' || c === 'scores' ? JSON.stringify(patch[c]) : patch[c]));
  await q.query(`update review_items set ${sets} where id = $1`, [id, ...values]);
}

export async function itemsOfMedia(q: Queryable, mediaId: string): Promise<ReviewItemRow[]> {
  return q.query<ReviewItemRow>('select * from review_items where media_id = $1 order by created_at', [mediaId]);
}

export async function appendModerationEvent(
  q: Queryable,
  e: { itemId: string; tenantId: string; actor: string } & ReviewEvent,
): Promise<void> {
  await q.query('insert into moderation_events (item_id, tenant_id, type, actor, data) values ($1, $2, $3, $4, $5)', [
    e.itemId, e.tenantId, e.type, e.actor, JSON.stringify(e.data),
  ]);
}

export interface ModerationEventRow {
  type: ReviewEvent['type'];
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

export async function listItemEvents(q: Queryable, itemId: string): Promise<ModerationEventRow[]> {
  return q.query<ModerationEventRow>('select type, actor, data, at from moderation_events where item_id = $1 order by id', [itemId]);
}

/** The filters of one queue view; see policy.queueFilter. */
export interface QueueFilter {
  queue?: PrimaryQueue;
  kind?: string;
  category?: string;
  tenantId?: string;
}

/**
 * The where clause for "open items this moderator may take in this queue". Params start at
 * `from`; returns the SQL and its params. Per-queue scopes are ORed views (`scopes`).
 */
function reachClause(m: ModeratorFacts, filter: QueueFilter, scopes: QueueFilter[] | null, from: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${from + params.length - 1}`;
  };
  const one = (f: QueueFilter) => {
    const parts: string[] = [];
    if (f.queue) parts.push(`queue = ${p(f.queue)}`);
    if (f.kind) parts.push(`kind = ${p(f.kind)}`);
    if (f.category) parts.push(`${p(f.category)} = any(categories)`);
    if (f.tenantId) parts.push(`tenant_id::text = ${p(f.tenantId)}`);
    return parts.length ? parts.join(' and ') : 'true';
  };
  const clauses = [one(filter), `not (${p(m.id)}::uuid = any(excluded))`];
  if (m.tenantIds) clauses.push(`tenant_id = any(${p(m.tenantIds)}::uuid[])`);
  if (m.role === 'moderator') clauses.push(`queue not in ('appeal', 'escalated')`);
  if (scopes) clauses.push(`(${scopes.map((s) => `(${one(s)})`).join(' or ') || 'false'})`);
  return { sql: clauses.join(' and '), params };
}

/**
 * Open, or claimed under a lease that ran out. A ceremony revoked or settled elsewhere while its
 * item waited is no longer anyone's work (media items go with their media: a foreign key).
 */
const AVAILABLE = `(state = 'open' or (state = 'claimed' and lease_until <= now()))
  and (attestation_id is null or subject_type <> 'consent' or exists (
    select 1 from consent_attestations a where a.id = attestation_id and a.verification = 'review' and a.state = 'active'))`;

/** Open items of a queue in this moderator's reach, priority then age. */
export async function listAvailable(q: Queryable, m: ModeratorFacts, filter: QueueFilter, scopes: QueueFilter[] | null, limit: number) {
  const w = reachClause(m, filter, scopes, 2);
  return q.query<ReviewItemRow>(
    `select * from review_items where ${AVAILABLE} and ${w.sql} order by priority desc, created_at limit $1`,
    [limit, ...w.params],
  );
}

/**
 * Open items in reach grouped by what queue views select on (primary queue, kind, tenant,
 * categories), with each group's count, oldest item and how many are older than each of the
 * `overdueBefore` instants: one query serves every queue's figures.
 */
export async function availableGroups(q: Queryable, m: ModeratorFacts, scopes: QueueFilter[] | null, overdueBefore: Date[]) {
  const w = reachClause(m, {}, scopes, overdueBefore.length + 1);
  const overdue = overdueBefore.map((_, i) => `count(*) filter (where created_at < $${i + 1}) as o${i}`).join(', ');
  const rows = await q.query<{ queue: PrimaryQueue; kind: string; tenant_id: string; categories: string[]; count: string; oldest: Date } & Record<string, string>>(
    `select queue, kind, tenant_id, categories, count(*) as count, min(created_at) as oldest${overdue ? `, ${overdue}` : ''}
     from review_items where ${AVAILABLE} and ${w.sql} group by queue, kind, tenant_id, categories`,
    [...overdueBefore, ...w.params],
  );
  return rows.map((r) => ({
    queue: r.queue, kind: r.kind, tenantId: r.tenant_id, categories: r.categories, count: Number(r.count), oldest: r.oldest,
    overdue: overdueBefore.map((_, i) => Number(r[`o${i}`])),
  }));
}

/**
 * Claims the next available item of the queue (or the chosen one) for `leaseSeconds`.
 * Returns the claimed row and who held it before when a lapsed lease was taken over.
 */
export async function claim(
  q: Queryable,
  m: ModeratorFacts,
  filter: QueueFilter,
  scopes: QueueFilter[] | null,
  leaseSeconds: number,
  itemId?: string,
): Promise<{ item: ReviewItemRow; previous: string | null } | null> {
  const w = reachClause(m, filter, scopes, 4);
  const rows = await q.query<ReviewItemRow & { previous: string | null }>(
    `with next as (
       select id, claimed_by as previous from review_items
       where ${AVAILABLE} and ($3::text is null or id::text = $3) and ${w.sql}
       order by priority desc, created_at limit 1
       for update skip locked
     )
     update review_items r set state = 'claimed', claimed_by = $1, claimed_at = now(),
       lease_until = now() + make_interval(secs => $2)
     from next where r.id = next.id
     returning r.*, next.previous`,
    [m.id, leaseSeconds, itemId ?? null, ...w.params],
  );
  const row = rows[0];
  if (!row) return null;
  const { previous, ...item } = row;
  return { item, previous };
}

/** Open items in reach with the same bytes (sha256) or image (perceptual hash), for bulk decisions. */
export async function sameHashOpen(q: Queryable, m: ModeratorFacts, item: ReviewItemRow): Promise<ReviewItemRow[]> {
  if (!item.sha256 && !item.phash) return [];
  const w = reachClause(m, {}, null, 4);
  return q.query<ReviewItemRow>(
    `select * from review_items
     where ${AVAILABLE} and id <> $1 and subject_type = 'media' and ((sha256 = $2) or (phash is not null and phash = $3)) and ${w.sql}
     order by created_at limit 500`,
    [item.id, item.sha256, item.phash, ...w.params],
  );
}

// --- moderators and sessions -------------------------------------------------------------

export interface ModeratorRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  password_hash: string;
  tenant_ids: string[] | null;
  queues: string[] | null;
  failed_logins: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

export async function insertModerator(q: Queryable, m: Pick<ModeratorRow, 'id' | 'email' | 'display_name' | 'role' | 'password_hash' | 'tenant_ids' | 'queues'>) {
  const rows = await q.query<ModeratorRow>(
    `insert into moderators (id, email, display_name, role, password_hash, tenant_ids, queues)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (email) do nothing returning *`,
    [m.id, m.email, m.display_name, m.role, m.password_hash, m.tenant_ids, m.queues],
  );
  return rows[0] ?? null;
}

export async function moderatorByEmail(q: Queryable, email: string): Promise<ModeratorRow | null> {
  const rows = await q.query<ModeratorRow>('select * from moderators where email = $1', [email]);
  return rows[0] ?? null;
}

export async function listModerators(q: Queryable): Promise<ModeratorRow[]> {
  return q.query<ModeratorRow>('select * from moderators order by created_at');
}

/** Counts a failure and locks the account once `max` failures follow each other. */
export async function recordLoginFailure(q: Queryable, id: string, max: number, lockMinutes: number): Promise<void> {
  await q.query(
    `update moderators set failed_logins = failed_logins + 1,
       locked_until = case when failed_logins + 1 >= $2 then now() + make_interval(mins => $3) else locked_until end
     where id = $1`,
    [id, max, lockMinutes],
  );
}

export async function recordLoginSuccess(q: Queryable, id: string): Promise<void> {
  await q.query('update moderators set failed_logins = 0, locked_until = null where id = $1', [id]);
}

export async function insertSession(q: Queryable, s: { id: string; moderatorId: string; csrf: string; hours: number }): Promise<void> {
  await q.query(
    `insert into moderator_sessions (id, moderator_id, csrf_token, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4))`,
    [s.id, s.moderatorId, s.csrf, Math.round(s.hours * 3600)],
  );
}

export async function sessionWithModerator(q: Queryable, id: string): Promise<(ModeratorRow & { csrf_token: string }) | null> {
  const rows = await q.query<ModeratorRow & { csrf_token: string }>(
    `select m.*, s.csrf_token from moderator_sessions s join moderators m on m.id = s.moderator_id
     where s.id = $1 and s.expires_at > now() and m.disabled_at is null`,
    [id],
  );
  return rows[0] ?? null;
}

export async function deleteSession(q: Queryable, id: string): Promise<void> {
  await q.query('delete from moderator_sessions where id = $1', [id]);
}

// --- appeals, outbox, settings ------------------------------------------------------------

export interface AppealRow {
  id: string;
  tenant_id: string;
  media_id: string;
  statement: string;
  original: DecisionRecord | Record<string, unknown>;
  state: 'open' | 'upheld' | 'overturned';
  outcome_reason: string | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function insertAppeal(q: Queryable, a: Pick<AppealRow, 'id' | 'tenant_id' | 'media_id' | 'statement' | 'original'>): Promise<AppealRow | null> {
  const rows = await q.query<AppealRow>(
    `insert into appeals (id, tenant_id, media_id, statement, original) values ($1, $2, $3, $4, $5)
     on conflict (media_id) do nothing returning *`,
    [a.id, a.tenant_id, a.media_id, a.statement, JSON.stringify(a.original)],
  );
  return rows[0] ?? null;
}

export async function appealOfMedia(q: Queryable, mediaId: string): Promise<AppealRow | null> {
  const rows = await q.query<AppealRow>('select * from appeals where media_id = $1', [mediaId]);
  return rows[0] ?? null;
}

export async function getAppeal(q: Queryable, id: string): Promise<AppealRow | null> {
  const rows = await q.query<AppealRow>('select * from appeals where id = $1', [id]);
  return rows[0] ?? null;
}

export async function settleAppeal(q: Queryable, id: string, state: 'upheld' | 'overturned', reason: string | null): Promise<void> {
  await q.query(`update appeals set state = $2, outcome_reason = $3, decided_at = now() where id = $1 and state = 'open'`, [id, state, reason]);
}

export async function insertOutbox(q: Queryable, e: { tenantId: string; type: string; payload: Record<string, unknown> }): Promise<void> {
  await q.query('insert into outbox (tenant_id, type, payload) values ($1, $2, $3)', [e.tenantId, e.type, JSON.stringify(e.payload)]);
}

export async function slaOverrides(q: Queryable): Promise<Record<string, number>> {
  const rows = await q.query<{ queue: string; sla_minutes: number }>('select queue, sla_minutes from review_queue_settings');
  return Object.fromEntries(rows.map((r) => [r.queue, r.sla_minutes]));
}

export async function setSla(q: Queryable, queue: string, minutes: number, by: string): Promise<void> {
  await q.query(
    `insert into review_queue_settings (queue, sla_minutes, updated_by) values ($1, $2, $3)
     on conflict (queue) do update set sla_minutes = excluded.sla_minutes, updated_by = excluded.updated_by, updated_at = now()`,
    [queue, minutes, by],
  );
}

export async function tenantNames(q: Queryable): Promise<Record<string, string>> {
  const rows = await q.query<{ id: string; name: string }>('select id, name from tenants');
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

// --- dashboard ------------------------------------------------------------------------------

export async function decisionsSince(q: Queryable, since: Date) {
  return q.query<{ actor: string; decisions: string; first: Date; last: Date }>(
    `select actor, count(*) as decisions, min(at) as first, max(at) as last from moderation_events
     where type in ('decided', 'escalated') and at >= $1 group by actor order by count(*) desc`,
    [since],
  );
}

/** Decided media items with the scores that sent them to review: the agreement table's input. */
export async function decidedMediaItems(q: Queryable, since: Date) {
  return q.query<Pick<ReviewItemRow, 'categories' | 'scores' | 'decision' | 'reasons'>>(
    `select categories, scores, decision, reasons from review_items
     where state = 'decided' and subject_type in ('media', 'appeal') and decided_at >= $1`,
    [since],
  );
}
