import type { AppContext } from '../app-context';
import { protectionOf, protectionView } from '../media/protection';
import type { MediaRow, StageResultRow } from '../media/repo';

/** The API's picture of an item: row + stage evidence + stored tags + a download link once released. */
export async function mediaView(ctx: AppContext, m: MediaRow, stages: StageResultRow[]) {
  const tags = await ctx.store.getTags(m.object_key).catch(() => ({}));
  let download: { url: string; expires_at: string } | null = null;
  // Children's data never gets a link: reads go through an approved access request (src/api/routes/access.ts).
  if (m.state === 'released' && !protectionOf(m)) {
    const ttl = ctx.config.presignTtlSeconds;
    download = {
      url: await ctx.store.presignGet(m.object_key, ttl),
      expires_at: new Date(Date.now() + ttl * 1000).toISOString(),
    };
  }
  return {
    ...mediaSummary(m),
    tags,
    stages: stages.map((s) => ({
      stage: s.stage,
      status: s.status as 'pass',
      reason: s.reason,
      evidence: s.evidence,
      duration_ms: s.duration_ms,
    })),
    download,
  };
}

export function mediaSummary(m: MediaRow) {
  return {
    id: m.id,
    kind: m.kind,
    state: m.state as 'queued',
    decision: m.decision as 'pass' | null,
    reason: m.reason_code,
    content_type: m.content_type,
    size_bytes: m.size_bytes === null ? null : Number(m.size_bytes),
    sha256: m.sha256,
    retention_class: m.retention_class,
    data_category: m.data_category,
    consent_id: m.consent_id,
    subject_id: m.subject_id,
    filename: m.filename,
    protected: protectionView(m),
    created_at: new Date(m.created_at).toISOString(),
    decided_at: m.decided_at ? new Date(m.decided_at).toISOString() : null,
  };
}
