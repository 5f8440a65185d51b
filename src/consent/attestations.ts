import { createHash, randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { KINDS, type MediaKind } from '../media/kinds';
import {
  appendConsentEvent,
  getAttestation,
  getSubject,
  insertAttestation,
  insertSubject,
  isUuid,
  lockAttestation,
  toAttestation,
  toSubjectFacts,
  updateAttestation,
  type AttestationRow,
  type SubjectRow,
} from './repo';
import { issueReceipt, signingKey, type Receipt } from './receipts';
import { attestationProblems, checkUsable, type Purpose, type Relation, type Scope, type Usability } from './rules';
import { documentKey, putEvidence } from './storage';
import { deleteVoiceReferences } from './voices';

/** Subjects and attestations: creation, evidence, state changes. Every change is an event with a signed receipt. */
export interface NewSubject {
  displayName: string;
  language: string;
  birthDate?: string;
  externalRef?: string;
}

export async function createSubject(ctx: AppContext, tenantId: string, s: NewSubject): Promise<SubjectRow> {
  return insertSubject(ctx.db, {
    id: randomUUID(),
    tenant_id: tenantId,
    display_name: s.displayName,
    language: s.language,
    birth_date: s.birthDate ?? null,
    external_ref: s.externalRef ?? null,
  });
}

export interface NewAttestation {
  subjectId: string;
  attester: string;
  relation: Relation;
  scopes: Scope[];
  purposes: Purpose[];
  validFrom?: Date;
  validUntil: Date;
  separateBiometricConsent: boolean;
  crossBorder: boolean;
  crossBorderDetails?: Record<string, unknown>;
  guardian?: { name: string; relationship?: string; contact?: string };
  revocationPolicy: 'delete' | 'restrict';
}

export async function createAttestation(
  ctx: AppContext,
  tenantId: string,
  actor: string,
  a: NewAttestation,
): Promise<{ attestation: AttestationRow; receipt: Receipt }> {
  const subject = await getSubject(ctx.db, tenantId, a.subjectId);
  if (!subject) throw new AppError('consent.subject_not_found', 'no such subject');
  const now = new Date();
  const validFrom = a.validFrom ?? now;
  const problems = attestationProblems({
    relation: a.relation,
    scopes: a.scopes,
    purposes: a.purposes,
    validFrom,
    validUntil: a.validUntil,
    guardian: a.guardian ?? null,
    subject: toSubjectFacts(subject),
    now,
  });
  if (problems.length) throw new AppError('consent.invalid', problems.join('; '), { problems });
  if (a.crossBorder && !a.crossBorderDetails) {
    throw new AppError('consent.invalid', 'a cross-border attestation names the recipient and country (cross_border_details)');
  }
  const key = await signingKey(ctx.db);
  return ctx.db.tx(async (q) => {
    const attestation = await insertAttestation(q, {
      id: randomUUID(),
      tenant_id: tenantId,
      subject_id: subject.id,
      attester: a.attester,
      relation: a.relation,
      scopes: a.scopes,
      purposes: a.purposes,
      valid_from: validFrom,
      valid_until: a.validUntil,
      separate_biometric_consent: a.separateBiometricConsent,
      cross_border: a.crossBorder,
      cross_border_details: a.crossBorderDetails ?? null,
      guardian: a.guardian ?? null,
      document_key: null,
      document_sha256: null,
      document_content_type: null,
      revocation_policy: a.revocationPolicy,
    });
    const receipt = await record(q, key, attestation, subject, 'created', actor, {});
    return { attestation, receipt };
  });
}

/** Appends an event and issues its receipt; the attestation row passed is the state after the change. */
export async function record(
  q: Queryable,
  key: Awaited<ReturnType<typeof signingKey>>,
  a: AttestationRow,
  subject: SubjectRow,
  type: string,
  actor: string,
  data: Record<string, unknown>,
): Promise<Receipt> {
  const event = await appendConsentEvent(q, { tenantId: a.tenant_id, attestationId: a.id, type, actor, data });
  return issueReceipt(q, key, a, subject, event);
}

export async function ownAttestation(q: Queryable, tenantId: string, id: string): Promise<AttestationRow> {
  const a = await getAttestation(q, tenantId, id);
  // Another tenant's attestation is answered exactly like a missing one.
  if (!a) throw new AppError('consent.not_found', 'no such attestation');
  return a;
}

const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** The signed authorisation document: stored as evidence, its sha256 recorded on the attestation. */
export async function addDocument(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: string,
  body: Buffer,
  contentType: string,
): Promise<{ attestation: AttestationRow; receipt: Receipt }> {
  if (!body.length) throw new AppError('media.empty', 'the document is empty');
  if (body.length > MAX_DOCUMENT_BYTES) throw new AppError('media.too_large', `documents are limited to ${MAX_DOCUMENT_BYTES} bytes`);
  const current = await ownAttestation(ctx.db, tenantId, id);
  if (current.state === 'revoked') throw new AppError('consent.revoked', 'the attestation was revoked');
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = documentKey(tenantId, id);
  await putEvidence(ctx.store, key, body, contentType, { tenant: tenantId, attestation: id, evidence: 'document' });
  const signer = await signingKey(ctx.db);
  return ctx.db.tx(async (q) => {
    await updateAttestation(q, id, { document_key: key, document_sha256: sha256, document_content_type: contentType });
    const attestation = (await lockAttestation(q, tenantId, id))!;
    const subject = (await getSubject(q, tenantId, attestation.subject_id))!;
    const receipt = await record(q, signer, attestation, subject, 'evidence_added', actor, {
      evidence: 'document',
      sha256,
      bytes: body.length,
      content_type: contentType,
    });
    return { attestation, receipt };
  });
}

/** Suspends or resumes: a suspended attestation refuses new uploads like a revoked one, but can come back. */
export async function setSuspended(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: string,
  suspended: boolean,
): Promise<{ attestation: AttestationRow; receipt: Receipt }> {
  const signer = await signingKey(ctx.db);
  return ctx.db.tx(async (q) => {
    const a = await lockAttestation(q, tenantId, id);
    if (!a) throw new AppError('consent.not_found', 'no such attestation');
    const from = suspended ? 'active' : 'suspended';
    if (a.state !== from) throw new AppError('consent.conflict', `the attestation is ${a.state}, not ${from}`);
    await updateAttestation(q, id, { state: suspended ? 'suspended' : 'active' });
    const attestation = (await lockAttestation(q, tenantId, id))!;
    const subject = (await getSubject(q, tenantId, a.subject_id))!;
    const receipt = await record(q, signer, attestation, subject, suspended ? 'suspended' : 'resumed', actor, {});
    return { attestation, receipt };
  });
}

/**
 * A person settles a ceremony that ended in `review` (liveness is always for a person to
 * judge): `verified` lets uploads through the usual rules (the face match still applies),
 * `failed` refuses them. Only `review` can be settled, so a reviewer never overrides a
 * machine outcome. A failure also drops the face references: the reviewer judged the
 * recording they came from untrustworthy (e.g. a photo held up), and a face from it must
 * not let anyone's uploads match; a new ceremony brings new ones. Runs in the caller's
 * transaction: the review console records its decision beside it.
 */
export async function settleVerification(
  q: Queryable,
  signer: Awaited<ReturnType<typeof signingKey>>,
  tenantId: string,
  id: string,
  actor: string,
  s: { decision: 'verified' | 'failed'; reason: string; reviewer: string },
): Promise<{ attestation: AttestationRow; receipt: Receipt }> {
  const a = await lockAttestation(q, tenantId, id);
  if (!a) throw new AppError('consent.not_found', 'no such attestation');
  if (a.verification !== 'review') throw new AppError('consent.conflict', `verification is ${a.verification}, not review`);
  if (a.state === 'revoked' || a.state === 'expired') throw new AppError('consent.conflict', `the attestation is ${a.state}`);
  const [challenge] = await q.query<{ id: string }>(
    `select id from consent_challenges where attestation_id = $1 and outcome = 'review' order by created_at desc limit 1`,
    [a.id],
  );
  const dropped = s.decision === 'failed'
    ? (await q.query('delete from consent_face_refs where attestation_id = $1 returning id', [a.id])).length +
      (await deleteVoiceReferences(q, a.id))
    : 0;
  await updateAttestation(q, id, { verification: s.decision });
  const after = (await lockAttestation(q, tenantId, id))!;
  const subject = (await getSubject(q, tenantId, a.subject_id))!;
  const receipt = await record(q, signer, after, subject, s.decision === 'verified' ? 'verified' : 'verification_failed', actor, {
    settled: 'review', reviewer: s.reviewer, reason: s.reason, challenge_id: challenge?.id ?? null,
    ...(s.decision === 'failed' ? { references_deleted: dropped } : {}),
  });
  return { attestation: after, receipt };
}

/** Loads the attestation an item names and judges it for the item's kind. */
export async function usabilityFor(
  q: Queryable,
  use: { tenantId: string; kind: MediaKind; consentId?: string | null; subjectId?: string | null; now?: Date },
): Promise<{ usability: Usability; attestation: AttestationRow | null }> {
  const attestation = await getAttestation(q, use.tenantId, use.consentId);
  const subject = attestation ? await getSubject(q, use.tenantId, attestation.subject_id) : null;
  const usability = checkUsable(attestation && toAttestation(attestation), subject && toSubjectFacts(subject), {
    kind: use.kind,
    subjectId: use.subjectId ?? undefined,
    now: use.now ?? new Date(),
  });
  return { usability, attestation };
}

/**
 * The upload-time refusal: an item carrying a likeness whose named attestation cannot
 * be used is refused before a byte is stored. (The pipeline checks again when it runs.)
 */
export async function refuseUnconsentedUpload(
  ctx: Pick<AppContext, 'db'>,
  req: { tenantId: string; kind: MediaKind; consentId?: string; subjectId?: string },
): Promise<void> {
  if (!KINDS[req.kind].carriesLikeness) {
    // Kinds that need no consent may still name one, and the ids go into the object's tags: they must
    // be this tenant's, or the tags would point at another tenant's (or nobody's) subject.
    if (req.consentId && !(await getAttestation(ctx.db, req.tenantId, req.consentId))) {
      throw new AppError('consent.not_found', 'consent_id names no attestation of this tenant');
    }
    if (req.subjectId && !(isUuid(req.subjectId) && (await getSubject(ctx.db, req.tenantId, req.subjectId)))) {
      throw new AppError('consent.subject_not_found', 'subject_id names no subject of this tenant');
    }
    return;
  }
  const { usability } = await usabilityFor(ctx.db, req);
  if (!usability.ok) throw new AppError(usability.code, usability.message);
}
