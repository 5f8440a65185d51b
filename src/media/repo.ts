import type { Queryable } from '../db/db';
import type { DataCategory, MediaKind, RetentionClass } from './kinds';

/** Row-level access to media, stage results and the event log. SQL only; no policy. */
export type MediaState = 'receiving' | 'queued' | 'processing' | 'released' | 'review' | 'blocked' | 'rejected';

export interface MediaRow {
  id: string;
  tenant_id: string;
  kind: MediaKind;
  state: MediaState;
  object_key: string;
  content_type: string | null;
  size_bytes: string | null;
  sha256: string | null;
  retention_class: RetentionClass;
  data_category: DataCategory;
  consent_id: string | null;
  subject_id: string | null;
  filename: string | null;
  decision: string | null;
  reason_code: string | null;
  created_at: Date;
  updated_at: Date;
  decided_at: Date | null;
}

export interface StageResultRow {
  seq: number;
  stage: string;
  status: string;
  reason: string | null;
  evidence: Record<string, unknown>;
  duration_ms: number;
}

export async function insertMedia(
  q: Queryable,
  m: Pick<MediaRow, 'id' | 'tenant_id' | 'kind' | 'object_key' | 'retention_class' | 'data_category' | 'consent_id' | 'subject_id' | 'filename'>,
): Promise<void> {
  await q.query(
    `insert into media (id, tenant_id, kind, state, object_key, retention_class, data_category, consent_id, subject_id, filename)
     values ($1, $2, $3, 'receiving', $4, $5, $6, $7, $8, $9)`,
    [m.id, m.tenant_id, m.kind, m.object_key, m.retention_class, m.data_category, m.consent_id, m.subject_id, m.filename],
  );
}

export async function getMedia(q: Queryable, tenantId: string, id: string): Promise<MediaRow | null> {
  const rows = await q.query<MediaRow>('select * from media where id = $1 and tenant_id = $2', [id, tenantId]);
  return rows[0] ?? null;
}

export async function getMediaById(q: Queryable, id: string): Promise<MediaRow | null> {
  const rows = await q.query<MediaRow>('select * from media where id = $1', [id]);
  return rows[0] ?? null;
}

export async function updateMedia(q: Queryable, id: string, patch: Partial<Omit<MediaRow, 'id' | 'tenant_id'>>): Promise<void> {
  const cols = Object.keys(patch);
  if (!cols.length) return;
  const sets = cols.map((c, i) => `${c} = $${i + 2}`).join(', ');
  await q.query(`update media set ${sets}, updated_at = now() where id = $1`, [id, ...Object.values(patch)]);
}

export async function replaceStageResults(
  q: Queryable,
  mediaId: string,
  results: { stage: string; status: string; reason?: string; evidence?: Record<string, unknown>; durationMs: number }[],
): Promise<void> {
  await q.query('delete from stage_results where media_id = $1', [mediaId]);
  for (const [seq, r] of results.entries()) {
    await q.query(
      `insert into stage_results (media_id, seq, stage, status, reason, evidence, duration_ms)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [mediaId, seq, r.stage, r.status, r.reason ?? null, JSON.stringify(r.evidence ?? {}), r.durationMs],
    );
  }
}

export async function listStageResults(q: Queryable, mediaId: string): Promise<StageResultRow[]> {
  return q.query<StageResultRow>(
    'select seq, stage, status, reason, evidence, duration_ms from stage_results where media_id = $1 order by seq',
    [mediaId],
  );
}

export async function appendEvent(
  q: Queryable,
  e: { tenantId: string; mediaId: string; type: string; actor: string; data?: Record<string, unknown> },
): Promise<void> {
  await q.query('insert into media_events (tenant_id, media_id, type, actor, data) values ($1, $2, $3, $4, $5)', [
    e.tenantId,
    e.mediaId,
    e.type,
    e.actor,
    JSON.stringify(e.data ?? {}),
  ]);
}

export async function listEvents(q: Queryable, mediaId: string) {
  return q.query<{ type: string; actor: string; data: Record<string, unknown>; at: Date }>(
    'select type, actor, data, at from media_events where media_id = $1 order by id',
    [mediaId],
  );
}

/**
 * Ingest's last step: the upload is complete and its row becomes `queued`, unless the reaper
 * took the row for abandoned meanwhile (false: the caller removes what it wrote).
 */
export async function markReceived(
  q: Queryable,
  id: string,
  m: Pick<MediaRow, 'content_type' | 'size_bytes' | 'sha256'>,
): Promise<boolean> {
  const rows = await q.query(
    `update media set state = 'queued', content_type = $2, size_bytes = $3, sha256 = $4, updated_at = now()
     where id = $1 and state = 'receiving' and reason_code is null returning id`,
    [id, m.content_type, m.size_bytes, m.sha256],
  );
  return rows.length > 0;
}

/** `reason_code` on a `receiving` row once the reaper has claimed it: ingest must not complete it, only the reaper removes it. */
export const ABANDONED_REASON = 'media.upload_abandoned';

export type ReceivingRow = Pick<MediaRow, 'id' | 'tenant_id' | 'kind' | 'state' | 'object_key' | 'reason_code' | 'created_at' | 'updated_at'>;
const RECEIVING_COLUMNS = 'id, tenant_id, kind, state, object_key, reason_code, created_at, updated_at';

/** Rows are stamped with the database's clock, so their age is measured with it too (process clocks drift). */
export async function databaseNow(q: Queryable): Promise<Date> {
  return (await q.query<{ now: Date }>('select now() as now'))[0]!.now;
}

/** `receiving` rows not touched since `before`, oldest first (the media_state index). */
export async function listReceivingBefore(q: Queryable, before: Date, limit: number): Promise<ReceivingRow[]> {
  return q.query<ReceivingRow>(
    `select ${RECEIVING_COLUMNS} from media where state = 'receiving' and updated_at < $1 order by updated_at limit $2`,
    [before, limit],
  );
}

/**
 * The row, locked for this transaction. A row another transaction holds is skipped: ingest
 * completing it, or another reaper claiming it.
 */
export async function lockReceiving(q: Queryable, id: string): Promise<ReceivingRow | null> {
  const rows = await q.query<ReceivingRow>(
    `select ${RECEIVING_COLUMNS} from media where id = $1 and state = 'receiving' for update skip locked`,
    [id],
  );
  return rows[0] ?? null;
}

/** Marks the row the reaper's; updated_at becomes the claim's time, so a claim left by a crashed reaper can be told apart. */
export async function claimAbandoned(q: Queryable, id: string): Promise<void> {
  await q.query('update media set reason_code = $2, updated_at = now() where id = $1', [id, ABANDONED_REASON]);
}

/** The row and the Idempotency-Key that pointed at it, so a retry with that key starts afresh. */
export async function deleteAbandoned(q: Queryable, tenantId: string, id: string): Promise<{ media: number; idempotencyKeys: number }> {
  const keys = await q.query('delete from idempotency_keys where tenant_id = $1 and media_id = $2 returning key', [tenantId, id]);
  const media = await q.query(
    `delete from media where id = $1 and state = 'receiving' and reason_code = $2 returning id`,
    [id, ABANDONED_REASON],
  );
  return { media: media.length, idempotencyKeys: keys.length };
}
