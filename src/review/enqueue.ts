import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db';
import type { MediaRow } from '../media/repo';
import { priorityOf } from './policy';
import { appendModerationEvent, attestationsAwaitingItems, insertItem, type NewItem } from './repo';
import { triage, type StageLike } from './triage';

/**
 * Opening review items. Media items are opened by the worker in the transaction that records
 * the `review` decision, so no item in review lacks one; consent ceremonies are opened from the
 * attestations whose verification is `review` (the ceremony code knows nothing of the console).
 */
export async function openMediaReview(q: Queryable, media: Pick<MediaRow, 'id' | 'tenant_id' | 'kind' | 'sha256'>, results: readonly StageLike[]): Promise<void> {
  const t = triage(results);
  await open(q, {
    tenant_id: media.tenant_id, subject_type: 'media', media_id: media.id, kind: media.kind, queue: 'media',
    categories: t.categories, scores: t.scores, reasons: t.reasons, sha256: media.sha256, phash: t.phash,
  });
}

/** Opens an item for every ceremony awaiting a person that has none; cheap when there is nothing to do. */
export async function openConsentReviews(q: Queryable): Promise<void> {
  for (const a of await attestationsAwaitingItems(q)) {
    await open(q, {
      tenant_id: a.tenant_id, subject_type: 'consent', attestation_id: a.id, kind: 'consent', queue: 'consent',
      categories: [], scores: {}, reasons: ['consent.verification_review'],
    });
  }
}

/** One item and its `created` event, unless an open item for the same subject exists. */
async function open(q: Queryable, item: Omit<NewItem, 'id' | 'priority'>): Promise<void> {
  const id = randomUUID();
  const inserted = await insertItem(q, { ...item, id, priority: priorityOf(item) });
  if (inserted) await appendModerationEvent(q, { itemId: id, tenantId: item.tenant_id, actor: 'system', type: 'created', data: { queue: item.queue } });
}
