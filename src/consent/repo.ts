import type { Queryable } from '../db/db';
import type { Attestation, AttestationState, Purpose, Relation, Scope, SubjectFacts, Verification } from './rules';

/** Row-level access to subjects, attestations and their event history. SQL only; no policy. */
export interface SubjectRow {
  id: string;
  tenant_id: string;
  display_name: string;
  language: string;
  birth_date: string | null;
  external_ref: string | null;
  created_at: Date;
}

export interface AttestationRow {
  id: string;
  tenant_id: string;
  subject_id: string;
  attester: string;
  relation: Relation;
  scopes: Scope[];
  purposes: Purpose[];
  valid_from: Date;
  valid_until: Date;
  separate_biometric_consent: boolean;
  cross_border: boolean;
  cross_border_details: Record<string, unknown> | null;
  guardian: { name: string; relationship?: string; contact?: string } | null;
  document_key: string | null;
  document_sha256: string | null;
  document_content_type: string | null;
  state: AttestationState;
  verification: Verification;
  revocation_policy: 'delete' | 'restrict';
  revoked_at: Date | null;
  expired_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ConsentEventRow {
  id: string;
  type: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string | undefined | null): s is string => !!s && UUID.test(s);

export async function insertSubject(q: Queryable, s: Omit<SubjectRow, 'created_at'>): Promise<SubjectRow> {
  const [row] = await q.query<SubjectRow>(
    `insert into consent_subjects (id, tenant_id, display_name, language, birth_date, external_ref)
     values ($1, $2, $3, $4, $5, $6) returning *, birth_date::text as birth_date`,
    [s.id, s.tenant_id, s.display_name, s.language, s.birth_date, s.external_ref],
  );
  return row!;
}

export async function getSubject(q: Queryable, tenantId: string, id: string): Promise<SubjectRow | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<SubjectRow>(
    'select *, birth_date::text as birth_date from consent_subjects where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0] ?? null;
}

export async function insertAttestation(
  q: Queryable,
  a: Omit<AttestationRow, 'state' | 'verification' | 'revoked_at' | 'expired_at' | 'created_at' | 'updated_at'>,
): Promise<AttestationRow> {
  const [row] = await q.query<AttestationRow>(
    `insert into consent_attestations (id, tenant_id, subject_id, attester, relation, scopes, purposes, valid_from,
       valid_until, separate_biometric_consent, cross_border, cross_border_details, guardian, document_key,
       document_sha256, document_content_type, revocation_policy)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning *`,
    [
      a.id, a.tenant_id, a.subject_id, a.attester, a.relation, a.scopes, a.purposes, a.valid_from, a.valid_until,
      a.separate_biometric_consent, a.cross_border, jsonOrNull(a.cross_border_details), jsonOrNull(a.guardian),
      a.document_key, a.document_sha256, a.document_content_type, a.revocation_policy,
    ],
  );
  return row!;
}

export async function getAttestation(q: Queryable, tenantId: string, id: string | undefined | null): Promise<AttestationRow | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<AttestationRow>('select * from consent_attestations where id = $1 and tenant_id = $2', [id, tenantId]);
  return rows[0] ?? null;
}

/** Locks the row for a state change (revoke, expire, verify) so two changes serialise. */
export async function lockAttestation(q: Queryable, tenantId: string, id: string): Promise<AttestationRow | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<AttestationRow>(
    'select * from consent_attestations where id = $1 and tenant_id = $2 for update',
    [id, tenantId],
  );
  return rows[0] ?? null;
}

export async function updateAttestation(
  q: Queryable,
  id: string,
  patch: Partial<Pick<AttestationRow, 'state' | 'verification' | 'revoked_at' | 'expired_at' | 'document_key' | 'document_sha256' | 'document_content_type'>>,
): Promise<void> {
  const cols = Object.keys(patch);
  if (!cols.length) return;
  const sets = cols.map((c, i) => `${c} = $${i + 2}`).join(', ');
  await q.query(`update consent_attestations set ${sets}, updated_at = now() where id = $1`, [id, ...Object.values(patch)]);
}

export async function listAttestations(q: Queryable, tenantId: string, subjectId?: string): Promise<AttestationRow[]> {
  return q.query<AttestationRow>(
    `select * from consent_attestations where tenant_id = $1 and ($2::uuid is null or subject_id = $2)
     order by created_at desc limit 500`,
    [tenantId, subjectId ?? null],
  );
}

export async function appendConsentEvent(
  q: Queryable,
  e: { tenantId: string; attestationId: string; type: string; actor: string; data?: Record<string, unknown> },
): Promise<ConsentEventRow> {
  const [row] = await q.query<ConsentEventRow>(
    `insert into consent_events (tenant_id, attestation_id, type, actor, data) values ($1, $2, $3, $4, $5)
     returning id::text, type, actor, data, at`,
    [e.tenantId, e.attestationId, e.type, e.actor, JSON.stringify(e.data ?? {})],
  );
  return row!;
}

export async function listConsentEvents(q: Queryable, attestationId: string): Promise<ConsentEventRow[]> {
  return q.query<ConsentEventRow>(
    'select id::text, type, actor, data, at from consent_events e where attestation_id = $1 order by e.id',
    [attestationId],
  );
}

/** The policy view of a row. */
export const toAttestation = (r: AttestationRow): Attestation => ({
  id: r.id,
  subjectId: r.subject_id,
  relation: r.relation,
  scopes: r.scopes,
  purposes: r.purposes,
  validFrom: new Date(r.valid_from),
  validUntil: new Date(r.valid_until),
  separateBiometricConsent: r.separate_biometric_consent,
  state: r.state,
  verification: r.verification,
  guardian: r.guardian,
});

export const toSubjectFacts = (s: SubjectRow): SubjectFacts => ({
  birthDate: s.birth_date ? new Date(`${s.birth_date}T00:00:00Z`) : null,
});

const jsonOrNull = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export interface RecordedChallengeRow {
  id: string;
  language: string;
  statement: string;
  outcome: string | null;
  recording_key: string | null;
  created_at: Date;
}

/** The newest ceremony of an attestation that has a recording: what a reviewer looks at. */
export async function latestRecordedChallenge(q: Queryable, attestationId: string): Promise<RecordedChallengeRow | null> {
  const rows = await q.query<RecordedChallengeRow>(
    `select id, language, statement, outcome, recording_key, created_at from consent_challenges
     where attestation_id = $1 and recording_key is not null order by created_at desc limit 1`,
    [attestationId],
  );
  return rows[0] ?? null;
}

export async function challengeChecks(q: Queryable, challengeId: string) {
  return q.query<{ name: string; status: string; score: number | null; threshold: number | null; evidence: Record<string, unknown> }>(
    'select name, status, score, threshold, evidence from consent_checks where challenge_id = $1 order by name',
    [challengeId],
  );
}
