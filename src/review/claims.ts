import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { factsOf } from './accounts';
import { openConsentReviews } from './enqueue';
import { mayWork, parseQueueId, queueFilter, type ModeratorFacts, type QueueId } from './policy';
import { appendModerationEvent, claim, lockItem, updateItem, type ModeratorRow, type QueueFilter, type ReviewItemRow } from './repo';

/**
 * Claims: a moderator holds an item under a lease (REVIEW_LEASE_SECONDS). The next item of a
 * queue is taken with SKIP LOCKED, so two moderators asking at once get two items; a lease that
 * runs out makes the item available again without any sweeper, and whoever takes it next writes
 * the `lease_expired` event of the one before.
 */
export const actorOf = (m: Pick<ModeratorRow, 'id'>) => `moderator:${m.id}`;

/** A moderator's per-queue scope as filters, or null when unscoped. */
export function scopeFilters(m: ModeratorFacts): QueueFilter[] | null {
  if (!m.queues) return null;
  return m.queues.map((q) => parseQueueId(q)).filter((q): q is QueueId => q !== null).map(queueFilter);
}

export const itemFacts = (i: ReviewItemRow) => ({ tenantId: i.tenant_id, queue: i.queue, kind: i.kind, categories: i.categories, excluded: i.excluded });

export async function claimNext(ctx: AppContext, m: ModeratorRow, queue: QueueId): Promise<ReviewItemRow | null> {
  await openConsentReviews(ctx.db);
  const facts = factsOf(m);
  return ctx.db.tx(async (q) => {
    const got = await claim(q, facts, queueFilter(queue), scopeFilters(facts), ctx.config.review.leaseSeconds);
    if (!got) return null;
    await recordClaim(q, m, got.item, got.previous);
    return got.item;
  });
}

/**
 * Claims the item a moderator chose. An item out of their reach answers as missing (a
 * moderator scoped to tenant A learns nothing of tenant B's ids); one held by someone else
 * is a conflict; their own live claim is renewed.
 */
export async function claimChosen(ctx: AppContext, m: ModeratorRow, itemId: string): Promise<ReviewItemRow> {
  return ctx.db.tx(async (q) => {
    const item = await lockedInReach(q, m, itemId);
    if (item.state === 'decided') throw new AppError('review.decided', 'this item is already decided');
    if (item.state === 'waiting') throw new AppError('review.claimed', 'this item waits for evidence from the tenant');
    const live = item.state === 'claimed' && item.lease_until && item.lease_until > new Date();
    if (live && item.claimed_by !== m.id) throw new AppError('review.claimed', 'another moderator holds this item', { lease_until: item.lease_until!.toISOString() });
    const lease = new Date(Date.now() + ctx.config.review.leaseSeconds * 1000);
    await updateItem(q, item.id, { state: 'claimed', claimed_by: m.id, claimed_at: new Date(), lease_until: lease });
    const claimed = { ...item, state: 'claimed' as const, claimed_by: m.id, lease_until: lease };
    await recordClaim(q, m, claimed, item.state === 'claimed' && item.claimed_by !== m.id ? item.claimed_by : null);
    return claimed;
  });
}

export async function release(ctx: AppContext, m: ModeratorRow, itemId: string): Promise<void> {
  await ctx.db.tx(async (q) => {
    const item = await lockedInReach(q, m, itemId);
    requireHeld(item, m);
    await updateItem(q, item.id, { state: 'open', claimed_by: null, claimed_at: null, lease_until: null });
    await appendModerationEvent(q, { itemId: item.id, tenantId: item.tenant_id, actor: actorOf(m), type: 'released', data: { by: m.id } });
  });
}

async function recordClaim(q: Queryable, m: ModeratorRow, item: ReviewItemRow, previous: string | null): Promise<void> {
  if (previous && previous !== m.id) {
    await appendModerationEvent(q, { itemId: item.id, tenantId: item.tenant_id, actor: 'system', type: 'lease_expired', data: { by: previous } });
  }
  await appendModerationEvent(q, {
    itemId: item.id, tenantId: item.tenant_id, actor: actorOf(m), type: 'claimed',
    data: { by: m.id, lease_until: item.lease_until!.toISOString() },
  });
}

/** The item, locked, when this moderator may work it; otherwise as if it did not exist. */
export async function lockedInReach(q: Queryable, m: ModeratorRow, itemId: string): Promise<ReviewItemRow> {
  const item = await lockItem(q, itemId);
  if (!item || !mayWork(factsOf(m), itemFacts(item))) throw new AppError('review.not_found', 'no such review item');
  return item;
}

/** Only the holder of a live claim may decide or release. */
export function requireHeld(item: ReviewItemRow, m: ModeratorRow): void {
  if (item.state === 'decided') throw new AppError('review.decided', 'this item is already decided');
  const live = item.state === 'claimed' && item.claimed_by === m.id && item.lease_until && item.lease_until > new Date();
  if (!live) throw new AppError('review.not_claimed', 'claim the item first (your claim may have run out)');
}
