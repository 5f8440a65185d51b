import type { AppContext } from '../app-context';
import { settleVerification } from '../consent/attestations';
import { signingKey } from '../consent/receipts';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { applyDecision, recordDecision } from '../media/finalize';
import { getMediaById } from '../media/repo';
import { addToBank } from '../moderation/hashbank/bank';
import { isCategory } from '../moderation/taxonomy';
import type { Decision } from '../../pipelines/types';
import { factsOf } from './accounts';
import { actorOf, claimChosen, lockedInReach, requireHeld } from './claims';
import { isRejectReason, priorityOf, type ReviewAction } from './policy';
import { appendModerationEvent, getItem, insertOutbox, sameHashOpen, settleAppeal, updateItem, type ModeratorRow, type ReviewItemRow } from './repo';
import type { DecisionRecord } from './state';

/**
 * A moderator's decision on an item they hold. Approve and reject act on the media exactly as
 * the pipeline's decide.store does (applyDecision moves or re-tags the object, recordDecision
 * writes the row and its event), settle a consent ceremony with a signed receipt, or close an
 * appeal; escalate and request_evidence move the item on. Every outcome is a moderation event
 * and an outbox row, written in one transaction with the state they describe.
 */
export interface DecisionInput {
  action: ReviewAction;
  reason?: string;
  note?: string;
  sameHash?: boolean;
  addToHashBank?: boolean;
}

export interface DecisionOutcome {
  item: ReviewItemRow;
  /** Other items with the same hash decided alongside (same_hash). */
  alsoDecided: string[];
  hashBankEntry: string | null;
}

export function checkInput(i: DecisionInput): void {
  if (i.action === 'reject' && !(i.reason && isRejectReason(i.reason))) {
    throw new AppError('review.invalid_decision', 'a reject names its reason (one of the session’s reject_reasons)');
  }
  if (i.addToHashBank && i.action !== 'reject') throw new AppError('review.invalid_decision', 'only a reject adds media to the hash bank');
}

export async function decide(ctx: AppContext, m: ModeratorRow, itemId: string, input: DecisionInput): Promise<DecisionOutcome> {
  checkInput(input);
  if (input.addToHashBank) bankable(await getItem(ctx.db, itemId));
  const item = await decideOne(ctx, m, itemId, input, null);
  const alsoDecided: string[] = [];
  if (input.sameHash && (input.action === 'approve' || input.action === 'reject')) {
    for (const other of await sameHashOpen(ctx.db, factsOf(m), item)) {
      // Each copy is claimed and decided on its own, with its own events; one held by someone else is left to them.
      const done = await decideOne(ctx, m, other.id, input, item.id).catch((e: unknown) => {
        if (e instanceof AppError && (e.code === 'review.not_claimed' || e.code === 'review.decided')) return null;
        throw e;
      });
      if (done) alsoDecided.push(done.id);
    }
  }
  const hashBankEntry = input.addToHashBank ? await bankIt(ctx, m, item, input.reason!) : null;
  return { item, alsoDecided, hashBankEntry };
}

async function decideOne(ctx: AppContext, m: ModeratorRow, itemId: string, input: DecisionInput, bulkOf: string | null): Promise<ReviewItemRow> {
  if (bulkOf) await takeOver(ctx, m, itemId);
  const item = await ctx.db.tx(async (q) => {
    const it = await lockedInReach(q, m, itemId);
    requireHeld(it, m);
    return it;
  });
  if (input.action === 'escalate' || input.action === 'request_evidence') return moveOn(ctx, m, item, input);
  const record: DecisionRecord = {
    action: input.action, reason: input.action === 'reject' ? input.reason! : null, note: input.note?.trim() || null,
    by: m.id, at: new Date().toISOString(),
  };
  // Storage first, as the pipeline does: a repeat after a failure finds the move already made.
  const applied = item.subject_type === 'consent' ? null : await actOnMedia(ctx, item, record);
  const signer = item.subject_type === 'consent' ? await signingKey(ctx.db) : null;
  return ctx.db.tx(async (q) => {
    const it = await lockedInReach(q, m, itemId);
    requireHeld(it, m);
    const outbox = await settleSubject(q, signer, m, it, record, applied);
    await updateItem(q, it.id, { state: 'decided', decision: record, decided_at: new Date(), claimed_by: null, lease_until: null });
    await appendModerationEvent(q, { itemId: it.id, tenantId: it.tenant_id, actor: actorOf(m), type: 'decided', data: { ...record, ...(bulkOf ? { bulk_of: bulkOf } : {}) } });
    await insertOutbox(q, { tenantId: it.tenant_id, type: outbox.type, payload: { item_id: it.id, ...outbox.payload, decision: record } });
    return { ...it, state: 'decided' as const, decision: record };
  });
}

/** A media decision in storage: approve releases (kept/…), reject blocks (stays in quarantine, tagged). */
async function actOnMedia(ctx: AppContext, item: ReviewItemRow, r: DecisionRecord) {
  const media = await getMediaById(ctx.db, item.media_id!);
  if (!media) throw new AppError('review.not_found', 'the media of this item was deleted');
  const decision: Decision = r.action === 'approve' ? 'pass' : 'block';
  return { media, decision, applied: await applyDecision(ctx.store, media, decision) };
}

async function settleSubject(
  q: Queryable,
  signer: Awaited<ReturnType<typeof signingKey>> | null,
  m: ModeratorRow,
  it: ReviewItemRow,
  r: DecisionRecord,
  media: Awaited<ReturnType<typeof actOnMedia>> | null,
): Promise<{ type: string; payload: Record<string, unknown> }> {
  if (it.subject_type === 'consent') {
    const verified = r.action === 'approve';
    const { receipt } = await settleVerification(q, signer!, it.tenant_id, it.attestation_id!, actorOf(m), {
      decision: verified ? 'verified' : 'failed',
      reason: r.note ?? r.reason ?? (verified ? 'verified by a moderator' : 'failed by a moderator'),
      reviewer: m.display_name,
    });
    return { type: verified ? 'consent.verified' : 'consent.verification_failed', payload: { attestation_id: it.attestation_id, receipt_id: receipt.id } };
  }
  const reason = r.action === 'approve' ? null : `review.${r.reason}`;
  await recordDecision(q, media!.media, media!.applied, { decision: media!.decision, reason, type: 'reviewed', actor: actorOf(m), data: { item_id: it.id } });
  if (it.subject_type === 'appeal') {
    await settleAppeal(q, it.appeal_id!, r.action === 'approve' ? 'overturned' : 'upheld', r.note ?? r.reason);
    return { type: 'appeal.decided', payload: { media_id: it.media_id, appeal_id: it.appeal_id, outcome: r.action === 'approve' ? 'overturned' : 'upheld' } };
  }
  return { type: 'review.decided', payload: { media_id: it.media_id, state: media!.applied.state } };
}

/** Escalation goes to the seniors' queue; an evidence request parks the item until the tenant answers. */
async function moveOn(ctx: AppContext, m: ModeratorRow, item: ReviewItemRow, input: DecisionInput): Promise<ReviewItemRow> {
  const note = input.note?.trim() || null;
  return ctx.db.tx(async (q) => {
    const it = await lockedInReach(q, m, item.id);
    requireHeld(it, m);
    const unclaimed = { claimed_by: null, claimed_at: null, lease_until: null };
    if (input.action === 'escalate') {
      const priority = priorityOf({ queue: 'escalated', categories: it.categories, scores: it.scores });
      await updateItem(q, it.id, { state: 'open', queue: 'escalated', priority, ...unclaimed });
      await appendModerationEvent(q, { itemId: it.id, tenantId: it.tenant_id, actor: actorOf(m), type: 'escalated', data: { by: m.id, note } });
      await insertOutbox(q, { tenantId: it.tenant_id, type: 'review.escalated', payload: { item_id: it.id, media_id: it.media_id } });
      return { ...it, state: 'open' as const, queue: 'escalated' as const, priority, ...unclaimed };
    }
    await updateItem(q, it.id, { state: 'waiting', ...unclaimed });
    await appendModerationEvent(q, { itemId: it.id, tenantId: it.tenant_id, actor: actorOf(m), type: 'evidence_requested', data: { by: m.id, note } });
    await insertOutbox(q, { tenantId: it.tenant_id, type: 'review.evidence_requested', payload: { item_id: it.id, media_id: it.media_id, attestation_id: it.attestation_id, note } });
    return { ...it, state: 'waiting' as const, ...unclaimed };
  });
}

/** Bulk decisions claim each copy first: the same lease rule holds for every item decided. */
async function takeOver(ctx: AppContext, m: ModeratorRow, itemId: string): Promise<void> {
  await claimChosen(ctx, m, itemId).catch((e: unknown) => {
    if (e instanceof AppError && (e.code === 'review.claimed' || e.code === 'review.decided')) throw new AppError('review.not_claimed', 'held elsewhere');
    throw e;
  });
}

function bankable(item: ReviewItemRow | null): { sha256: string; phash: string } {
  if (!item || item.kind !== 'portrait_image' || !item.sha256 || !item.phash) {
    throw new AppError('review.invalid_decision', 'only images with a perceptual hash can go to the hash bank');
  }
  return { sha256: item.sha256, phash: item.phash };
}

async function bankIt(ctx: AppContext, m: ModeratorRow, item: ReviewItemRow, reason: string): Promise<string> {
  return addToBank(ctx.db, {
    tenantId: item.tenant_id, ...bankable(item),
    category: isCategory(reason) ? reason : 'other_harmful', sourceMediaId: item.media_id!, addedBy: actorOf(m),
  });
}
