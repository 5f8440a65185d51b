import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecryptStream } from '../../storage/encryption';
import { protectedKey } from '../../storage/keys';
import type { Decision, StageResult } from '../../pipelines/types';
import type { AppContext } from '../app-context';
import { childDataReason, estimatedAgeFrom, estimatedChild, type ChildDataReason } from '../consent/child-data';
import { getAttestation, getSubject, toSubjectFacts } from '../consent/repo';
import type { Queryable } from '../db/db';
import { tagsFor } from './finalize';
import { dataKeyFor, masterKey, type DataKey } from './protected-keys';
import { contextOf, getObjectStream, itemKey, sealFile, sealStream } from './protected-store';
import { ENCRYPTED_CONTENT_TYPE, protectedTags, protectionOf } from './protection';
import { appendEvent, getMediaById, type MediaRow } from './repo';

/**
 * The two ways an item becomes protected children's data, and how the worker reads it.
 *  - at ingest (declared under 14): the plan names the protected key, binds the subject's
 *    data key to the row in the row's own transaction, and seals the upload as it streams;
 *  - in the worker (the face stage estimated under 14): before the decision is acted on,
 *    the local copy is sealed to the protected prefix and the row marked; the plaintext in
 *    quarantine is then removed by the protected decision path. If any step fails the job
 *    fails and is retried, and after the last try the item goes to review — never released.
 */

/** The subject an item is about: the attestation's (the upload's subject_id must match it), or the one named. */
async function subjectsOf(q: Queryable, tenantId: string, consentId?: string | null, subjectId?: string | null) {
  const attestation = await getAttestation(q, tenantId, consentId);
  const ids = [attestation?.subject_id, subjectId].filter((s): s is string => !!s);
  const out = [];
  for (const id of new Set(ids)) {
    const s = await getSubject(q, tenantId, id);
    if (s) out.push(s);
  }
  return out;
}

export interface ProtectionPlan {
  reason: ChildDataReason;
  subjectId: string;
  objectKey: string;
  tags: ReturnType<typeof protectedTags>;
  contentType: string;
  /** In the transaction that inserts the row: the subject key (created on first need) is bound to it. */
  bind(q: Queryable): Promise<void>;
  /** The stream to store: the upload sealed under the bound key. */
  seal(body: Readable): Readable;
}

/** Null for an ordinary item. Decided on the day of upload from the declared birth date. */
export async function planProtection(
  ctx: Pick<AppContext, 'db'>,
  req: { tenantId: string; consentId?: string; subjectId?: string },
  mediaId: string,
  now = new Date(),
): Promise<ProtectionPlan | null> {
  // Either named subject being a child is enough: when both are named and differ, the consent check refuses the upload anyway.
  const child = (await subjectsOf(ctx.db, req.tenantId, req.consentId, req.subjectId)).find(
    (s) => childDataReason({ subject: toSubjectFacts(s), uploadedAt: now }) !== null,
  );
  if (!child) return null;
  const master = await masterKey(ctx.db);
  let key: DataKey | undefined;
  return {
    reason: 'declared_under_14',
    subjectId: child.id,
    objectKey: protectedKey(req.tenantId, mediaId),
    tags: protectedTags({ subjectId: child.id }),
    contentType: ENCRYPTED_CONTENT_TYPE,
    async bind(q) {
      key = await dataKeyFor(q, master, req.tenantId, child.id);
      await markProtected(q, req.tenantId, mediaId, { reason: 'declared_under_14', subjectId: child.id, keyId: key.id });
    },
    seal(body) {
      if (!key) throw new Error('the protection plan was not bound to its row');
      return sealStream(body, key, mediaId);
    },
  };
}

async function markProtected(
  q: Queryable,
  tenantId: string,
  mediaId: string,
  p: { reason: ChildDataReason; subjectId: string; keyId: string },
): Promise<void> {
  await q.query(
    `update media set protection = $3, protection_subject_id = $4, protection_key_id = $5, object_key = $6, updated_at = now()
     where id = $1 and tenant_id = $2`,
    [mediaId, tenantId, p.reason, p.subjectId, p.keyId, protectedKey(tenantId, mediaId)],
  );
}

/**
 * Called by the worker just before the decision is acted on. An item the face stage put
 * under 14 is sealed from the worker's local copy (checked against the upload's sha256) to
 * the protected prefix and marked; the returned row is what the decision is applied to.
 * A rejected item is not converted: its bytes are about to be dropped.
 */
export async function protectIfEstimatedChild(
  ctx: AppContext,
  m: MediaRow,
  decision: Decision,
  results: readonly StageResult[],
  file: string,
  actor: string,
): Promise<MediaRow> {
  if (protectionOf(m) || decision === 'reject') return m;
  const age = estimatedAgeFrom(results);
  if (!estimatedChild(age)) return m;
  const [subject] = await subjectsOf(ctx.db, m.tenant_id, m.consent_id, m.subject_id);
  // Fail closed: without a subject there is no key to seal under, so the job fails (→ review), nothing is released.
  if (!subject) throw new Error(`item ${m.id} was estimated under 14 but names no subject to protect it under`);
  const master = await masterKey(ctx.db);
  const key = await dataKeyFor(ctx.db, master, m.tenant_id, subject.id);
  const to = protectedKey(m.tenant_id, m.id);
  await ctx.store.putStream(to, sealFile(file, key, m.id, m.sha256), ENCRYPTED_CONTENT_TYPE, {
    ...tagsFor(m, 'quarantined'),
    ...protectedTags({ subjectId: subject.id }),
  });
  await ctx.db.tx(async (q) => {
    await markProtected(q, m.tenant_id, m.id, { reason: 'estimated_under_14', subjectId: subject.id, keyId: key.id });
    await appendEvent(q, {
      tenantId: m.tenant_id,
      mediaId: m.id,
      type: 'protected',
      actor,
      data: { reason: 'estimated_under_14', estimated_age: age, key_id: key.id },
    });
  });
  const row = await getMediaById(ctx.db, m.id);
  if (!row) {
    // Deleted while we sealed it: what this run wrote must not outlive the row.
    await ctx.store.deleteAllVersions(to);
    throw new Error(`media ${m.id} was deleted while being protected`);
  }
  return row;
}

/** The worker's copy of a protected item: decrypted from the protected prefix into its temp file. */
export async function fetchProtected(ctx: AppContext, m: MediaRow, file: string): Promise<void> {
  const key = await itemKey(ctx.db, m);
  const sealed = await getObjectStream(ctx.store, protectedKey(m.tenant_id, m.id));
  if (!sealed) throw new Error(`the protected bytes of ${m.id} are missing from storage`);
  await pipeline(sealed, new DecryptStream(key.key, contextOf(m.id)), fs.createWriteStream(file));
}
