import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import { deleteMedia } from '../media/delete';
import { appendEvent, updateMedia, type MediaRow } from '../media/repo';
import { cancelJobsFor } from '../queue/jobs';
import { MEDIA_QUEUE } from '../queue/queues';
import { record } from './attestations';
import { getSubject, lockAttestation, updateAttestation, type AttestationRow } from './repo';
import { signingKey, type Receipt } from './receipts';
import { listFromReferences } from './do-not-clone';
import { deleteVoiceReferences } from './voices';
import { consentPrefix } from './storage';
import { tagsFor } from '../media/finalize';

/**
 * Revocation and expiry, and the cascade both start. The state change commits first,
 * so new uploads and pipeline runs are refused from that instant; then every item that
 * relies on the attestation is dealt with:
 *  - not yet decided (queued or running): its job is cancelled and the item deleted —
 *    it must never be processed after the consent ended (a worker still running finds
 *    its row gone and removes what it wrote);
 *  - decided before: it stays valid and is marked `made_before_<revocation|expiry>`; by the
 *    attestation's policy it is then deleted (`delete`) or tagged `restricted` (`restrict`).
 * Ceremony recordings (biometric evidence) go with `delete`; the signed document stays as
 * proof of what was authorised. The final receipt lists every object and row removed.
 */
export type Ending = 'revoked' | 'expired';

export interface CascadeReport {
  not_processed: { media_id: string; deletion_receipt_id: string; objects: string[] }[];
  made_before: { media_id: string; decided_at: string | null; action: 'deleted' | 'restricted'; objects: string[] }[];
  evidence_deleted: string[];
  jobs_cancelled: number;
}

export async function revokeAttestation(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: string,
  reason: string | undefined,
): Promise<{ attestation: AttestationRow; receipt: Receipt; report: CascadeReport }> {
  return endAttestation(ctx, tenantId, id, actor, 'revoked', { reason: reason ?? null });
}

/** Ends every attestation whose validity ran out (the sweeper calls this on a timer). */
export async function expireDue(ctx: AppContext, now = new Date()): Promise<number> {
  const due = await ctx.db.query<{ id: string; tenant_id: string }>(
    `select id, tenant_id from consent_attestations where state in ('active', 'suspended') and valid_until <= $1 limit 100`,
    [now],
  );
  let ended = 0;
  for (const a of due) {
    try {
      await endAttestation(ctx, a.tenant_id, a.id, 'consent-expiry', 'expired', { valid_until_passed: true });
      ended += 1;
    } catch (e) {
      // Another process's sweeper (or a revocation) ended it first.
      if (!(e instanceof AppError && e.code === 'consent.conflict')) throw e;
    }
  }
  return ended;
}

async function endAttestation(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: string,
  ending: Ending,
  data: Record<string, unknown>,
): Promise<{ attestation: AttestationRow; receipt: Receipt; report: CascadeReport }> {
  const signer = await signingKey(ctx.db);
  const ended = await ctx.db.tx(async (q) => {
    const a = await lockAttestation(q, tenantId, id);
    if (!a) throw new AppError('consent.not_found', 'no such attestation');
    if (a.state === 'revoked' || a.state === 'expired') throw new AppError('consent.conflict', `the attestation is already ${a.state}`);
    const at = new Date();
    await updateAttestation(q, id, ending === 'revoked' ? { state: 'revoked', revoked_at: at } : { state: 'expired', expired_at: at });
    const after = (await lockAttestation(q, tenantId, id))!;
    const subject = (await getSubject(q, tenantId, a.subject_id))!;
    await record(q, signer, after, subject, ending, actor, { ...data, policy: a.revocation_policy });
    return { attestation: after, subject, at };
  });

  const report = await cascade(ctx, ended.attestation, ending);
  const receipt = await ctx.db.tx((q) =>
    record(q, signer, ended.attestation, ended.subject, `${ending === 'revoked' ? 'revocation' : 'expiry'}_completed`, actor, { ...report }),
  );
  return { attestation: ended.attestation, receipt, report };
}

const UNDECIDED = new Set(['queued', 'processing']);

async function cascade(ctx: AppContext, a: AttestationRow, ending: Ending): Promise<CascadeReport> {
  const report: CascadeReport = { not_processed: [], made_before: [], evidence_deleted: [], jobs_cancelled: 0 };
  const items = await ctx.db.query<MediaRow>(
    `select * from media where tenant_id = $1 and consent_id = $2 and state <> 'receiving' order by created_at`,
    [a.tenant_id, a.id],
  );
  const actor = `consent:${ending}:${a.id}`;
  for (const m of items) {
    report.jobs_cancelled += await cancelJobsFor(ctx.db, MEDIA_QUEUE, m.id);
    if (UNDECIDED.has(m.state)) {
      await mark(ctx, m, a, 'not_processed');
      const r = await deleteMedia(ctx, a.tenant_id, m.id, actor);
      report.not_processed.push({ media_id: m.id, deletion_receipt_id: r.id, objects: r.objectsDeleted.map((o) => o.key) });
      continue;
    }
    await mark(ctx, m, a, `made_before_${ending === 'revoked' ? 'revocation' : 'expiry'}`);
    if (a.revocation_policy === 'delete') {
      const r = await deleteMedia(ctx, a.tenant_id, m.id, actor);
      report.made_before.push({ media_id: m.id, decided_at: iso(m.decided_at), action: 'deleted', objects: r.objectsDeleted.map((o) => o.key) });
    } else {
      await restrict(ctx, m, ending, actor);
      report.made_before.push({ media_id: m.id, decided_at: iso(m.decided_at), action: 'restricted', objects: [] });
    }
  }
  // Face and voice references never outlive the consent; a revoking subject's face goes to the
  // do-not-clone registry (an expiry is no objection, so it does not).
  if (ending === 'revoked') await listFromReferences(ctx.db, a.tenant_id, a.subject_id, a.id, 'revoked');
  await ctx.db.query('delete from consent_face_refs where attestation_id = $1', [a.id]);
  await deleteVoiceReferences(ctx.db, a.id);
  if (a.revocation_policy === 'delete') {
    const gone = await ctx.store.deleteAllVersions(`${consentPrefix(a.tenant_id, a.id)}ceremony/`);
    report.evidence_deleted = gone.map((o) => o.key);
    await ctx.db.query('update consent_challenges set recording_key = null where attestation_id = $1', [a.id]);
  }
  return report;
}

async function mark(ctx: AppContext, m: MediaRow, a: AttestationRow, label: string): Promise<void> {
  await ctx.db.query(
    `insert into consent_media_marks (media_id, tenant_id, attestation_id, mark) values ($1, $2, $3, $4)
     on conflict (media_id) do update set mark = excluded.mark, at = now()`,
    [m.id, a.tenant_id, a.id, label],
  );
}

/**
 * Restricted: the bytes stay (e.g. for a legal claim) but are no longer handed out — the
 * item leaves `released` (no download link) and the tag tells every lifecycle rule.
 */
async function restrict(ctx: AppContext, m: MediaRow, ending: Ending, actor: string): Promise<void> {
  const code = ending === 'revoked' ? 'consent.revoked' : 'consent.expired';
  await ctx.db.tx(async (q) => {
    await updateMedia(q, m.id, { state: 'blocked', reason_code: code });
    await appendEvent(q, { tenantId: m.tenant_id, mediaId: m.id, type: 'restricted', actor, data: { reason: code } });
  });
  if (!(await ctx.store.exists(m.object_key))) return;
  // The row's own tags with the new state: protection and encryption tags must survive.
  await ctx.store.setTags(m.object_key, tagsFor(m, 'restricted'));
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Runs expiry on a timer; errors are logged and retried next tick. Returns a stop function. */
export function startExpirySweeper(ctx: AppContext, everyMs: number): () => void {
  const t = setInterval(() => {
    expireDue(ctx).catch((err: unknown) => ctx.log.warn({ err }, 'consent expiry sweep failed'));
  }, everyMs);
  t.unref();
  return () => clearInterval(t);
}
