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
