import { keptKey, quarantineKey } from '../../storage/keys';
import type { ObjectStore } from '../../storage/s3';
import type { ObjectTags } from '../../storage/tags';
import type { Decision } from '../../pipelines/types';
import { applyProtectedDecision } from './protected-store';
import { protectedTagsOf, protectionOf } from './protection';
import { appendEvent, updateMedia, type MediaRow, type MediaState } from './repo';
import type { Queryable } from '../db/db';

export const STATE_BY_DECISION: Record<Decision, MediaState> = {
  pass: 'released',
  review: 'review',
  block: 'blocked',
  reject: 'rejected',
};

export const tagsFor = (m: MediaRow, state: string): ObjectTags => ({
  tenant: m.tenant_id,
  kind: m.kind,
  state,
  retention: m.retention_class,
  category: m.data_category,
  aigc: m.data_category === 'synthetic' ? 'true' : undefined,
  consent: m.consent_id ?? undefined,
  subject: m.subject_id ?? undefined,
  ...protectedTagsOf(m),
});

/**
 * Acts on a decision in storage. Released items move to the kept prefix; review and
 * blocked items stay in quarantine (moderators and the hash bank need the bytes);
 * rejected items are invalid media and their bytes are dropped. Safe to repeat after
 * a crash: a move that already happened is detected and not redone.
 */
export async function applyDecision(store: ObjectStore, m: MediaRow, decision: Decision): Promise<{ state: MediaState; objectKey: string }> {
  const state = STATE_BY_DECISION[decision];
  // Children's data never leaves the protected prefix, whatever the decision.
  if (protectionOf(m)) return applyProtectedDecision(store, m, decision, state, tagsFor(m, state));
  const from = quarantineKey(m.tenant_id, m.id);
  if (decision === 'pass') {
    const to = keptKey(m.tenant_id, m.id);
    if (await store.exists(from)) await store.move(from, to, tagsFor(m, state));
    else await store.setTags(to, tagsFor(m, state));
    return { state, objectKey: to };
  }
  if (decision === 'reject') {
    await store.deleteAllVersions(from);
    return { state, objectKey: from };
  }
  await store.setTags(from, tagsFor(m, state));
  return { state, objectKey: from };
}

/**
 * Writes a decision that storage has acted on (applyDecision) to the item's row and its event
 * log: the worker's pipeline run and a moderator's decision go through here alike.
 */
export async function recordDecision(
  q: Queryable,
  m: Pick<MediaRow, 'id' | 'tenant_id'>,
  applied: { state: MediaState; objectKey: string },
  d: { decision: string; reason: string | null; type: string; actor: string; data?: Record<string, unknown> },
): Promise<void> {
  await updateMedia(q, m.id, { state: applied.state, object_key: applied.objectKey, decision: d.decision, reason_code: d.reason, decided_at: new Date() });
  await appendEvent(q, { tenantId: m.tenant_id, mediaId: m.id, type: d.type, actor: d.actor, data: { decision: d.decision, reason: d.reason, ...d.data } });
}
