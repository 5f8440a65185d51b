import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import { getMedia, listEvents } from '../media/repo';
import { priorityOf } from './policy';
import {
  appealOfMedia,
  appendModerationEvent,
  insertAppeal,
  insertItem,
  insertOutbox,
  itemsOfMedia,
  listItemEvents,
  updateItem,
} from './repo';
import { deriveState, type DecisionRecord, type ReviewEvent } from './state';

/**
 * What the tenant's API does with review: appeal a block, answer a request for evidence, and
 * read an item's review decisions and their history. Appeals go to the `appeal` queue and never
 * to anyone who decided the item before; the outcome of the one appeal an item gets is final.
 */
export async function fileAppeal(ctx: AppContext, tenantId: string, mediaId: string, statement: string) {
  const media = await getMedia(ctx.db, tenantId, mediaId);
  if (!media) throw new AppError('media.not_found', 'no such media item');
  if (media.state !== 'blocked') throw new AppError('appeal.not_appealable', `only a blocked item can be appealed; this one is ${media.state}`);
  const items = await itemsOfMedia(ctx.db, mediaId);
  const last = [...items].reverse().find((i) => i.decision);
  const original: DecisionRecord | Record<string, unknown> = last?.decision
    ?? { action: 'reject', reason: media.reason_code, note: null, by: 'model', at: (media.decided_at ?? media.updated_at).toISOString() };
  // Everyone who decided or escalated any review of it, as the items' events say.
  const deciders = new Set<string>();
  for (const i of items) for (const d of deriveState((await listItemEvents(ctx.db, i.id)) as unknown as ReviewEvent[], new Date()).deciders) deciders.add(d);
  return ctx.db.tx(async (q) => {
    const appeal = await insertAppeal(q, { id: randomUUID(), tenant_id: tenantId, media_id: mediaId, statement, original });
    if (!appeal) throw new AppError('appeal.exists', 'this item was appealed already; the outcome of an appeal is final');
    const itemId = randomUUID();
    const base = items.at(-1);
    await insertItem(q, {
      id: itemId, tenant_id: tenantId, subject_type: 'appeal', media_id: mediaId, appeal_id: appeal.id, kind: media.kind, queue: 'appeal',
      categories: base?.categories ?? [], scores: base?.scores ?? {}, reasons: base?.reasons ?? (media.reason_code ? [media.reason_code] : []),
      priority: priorityOf({ queue: 'appeal', categories: [], scores: {} }),
      sha256: media.sha256, phash: base?.phash ?? null, excluded: [...deciders],
    });
    await appendModerationEvent(q, { itemId, tenantId, actor: `tenant:${tenantId}`, type: 'created', data: { queue: 'appeal' } });
    await insertOutbox(q, { tenantId, type: 'appeal.filed', payload: { appeal_id: appeal.id, media_id: mediaId } });
    return appeal;
  });
}

/** The tenant's answer to a request for more evidence: the item returns to its queue with the note. */
export async function answerEvidenceRequest(ctx: AppContext, tenantId: string, mediaId: string, note: string): Promise<void> {
  const media = await getMedia(ctx.db, tenantId, mediaId);
  if (!media) throw new AppError('media.not_found', 'no such media item');
  const waiting = (await itemsOfMedia(ctx.db, mediaId)).find((i) => i.state === 'waiting');
  if (!waiting) throw new AppError('review.not_waiting', 'no moderator asked for evidence on this item');
  await ctx.db.tx(async (q) => {
    await updateItem(q, waiting.id, { state: 'open' });
    await appendModerationEvent(q, { itemId: waiting.id, tenantId, actor: `tenant:${tenantId}`, type: 'evidence_received', data: { note } });
  });
}

/** The review side of an item for its tenant: each review's state and decision, the appeal, and the events. */
export async function reviewOfMedia(ctx: AppContext, tenantId: string, mediaId: string) {
  const media = await getMedia(ctx.db, tenantId, mediaId);
  if (!media) throw new AppError('media.not_found', 'no such media item');
  const items = await itemsOfMedia(ctx.db, mediaId);
  const appeal = await appealOfMedia(ctx.db, mediaId);
  const reviews = [];
  for (const i of items) {
    const events = await listItemEvents(ctx.db, i.id);
    reviews.push({
      id: i.id,
      type: i.subject_type,
      queue: i.queue,
      state: i.state,
      // Moderators are named by role, not by person, outside the console.
      decision: i.decision ? { action: i.decision.action, reason: i.decision.reason, note: i.decision.note, at: i.decision.at } : null,
      created_at: i.created_at.toISOString(),
      decided_at: i.decided_at?.toISOString() ?? null,
      events: events.map((e) => ({ type: e.type, by: e.actor.startsWith('moderator:') ? 'moderator' : e.actor.split(':')[0], at: e.at.toISOString() })),
    });
  }
  return {
    media_id: mediaId,
    state: media.state,
    decision: media.decision,
    reason: media.reason_code,
    reviews,
    appeal: appeal && {
      id: appeal.id, state: appeal.state, statement: appeal.statement, outcome_reason: appeal.outcome_reason,
      final: appeal.state !== 'open', created_at: appeal.created_at.toISOString(), decided_at: appeal.decided_at?.toISOString() ?? null,
    },
    media_events: (await listEvents(ctx.db, mediaId)).map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data })),
  };
}
