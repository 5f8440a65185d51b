import { z } from '@hono/zod-openapi';
import { PURPOSES, RELATIONS, SCOPES } from '../../consent/rules';
import type { AttestationRow, ConsentEventRow, SubjectRow } from '../../consent/repo';

/** Edge types of the consent API, and the views that turn rows into them. */
export const SubjectCreateSchema = z
  .object({
    display_name: z.string().min(1).max(200),
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/).default('en'),
    // A birth date is in the past and within a human lifetime: 2999 is a typo, not a person.
    birth_date: z.string().date().refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), 'a birth date between 1900-01-01 and today').optional(),
    external_ref: z.string().max(200).optional(),
  })
  .openapi('SubjectCreate');

export const SubjectSchema = z
  .object({
    id: z.string().uuid(),
    display_name: z.string(),
    language: z.string(),
    birth_date: z.string().nullable(),
    external_ref: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Subject');

const Guardian = z.object({
  name: z.string().min(1).max(200),
  relationship: z.string().max(100).optional(),
  contact: z.string().max(200).optional(),
});

export const AttestationCreateSchema = z
  .object({
    subject_id: z.string().uuid(),
    attester: z.string().min(1).max(200).openapi({ description: 'Who attests: the creator account or person' }),
    relation: z.enum(RELATIONS),
    scopes: z.array(z.enum(SCOPES)).min(1).refine((a) => new Set(a).size === a.length, 'duplicate scope'),
    purposes: z.array(z.enum(PURPOSES)).min(1).refine((a) => new Set(a).size === a.length, 'duplicate purpose'),
    valid_from: z.string().datetime({ offset: true }).optional(),
    valid_until: z.string().datetime({ offset: true }),
    separate_biometric_consent: z.boolean(),
    cross_border: z.boolean().default(false),
    cross_border_details: z.object({ recipient: z.string().min(1), country: z.string().min(2) }).passthrough().optional(),
    guardian: Guardian.optional(),
    revocation_policy: z.enum(['delete', 'restrict']).default('delete'),
  })
  .openapi('AttestationCreate');

export const ReceiptSchema = z
  .object({ id: z.string().uuid(), body: z.record(z.string(), z.unknown()), key_id: z.string(), signature: z.string() })
  .openapi('ConsentReceipt');

export const ConsentEventSchema = z
  .object({ id: z.string(), type: z.string(), actor: z.string(), data: z.record(z.string(), z.unknown()), at: z.string() })
  .openapi('ConsentEvent');

export const AttestationSchema = z
  .object({
    id: z.string().uuid(),
    subject_id: z.string().uuid(),
    attester: z.string(),
    relation: z.enum(RELATIONS),
    scopes: z.array(z.enum(SCOPES)),
    purposes: z.array(z.enum(PURPOSES)),
    valid_from: z.string(),
    valid_until: z.string(),
    separate_biometric_consent: z.boolean(),
    cross_border: z.boolean(),
    cross_border_details: z.record(z.string(), z.unknown()).nullable(),
    guardian: Guardian.nullable(),
    document: z.object({ sha256: z.string(), content_type: z.string().nullable() }).nullable(),
    state: z.enum(['active', 'suspended', 'revoked', 'expired']),
    verification: z.enum(['unverified', 'verified', 'review', 'failed']),
    revocation_policy: z.enum(['delete', 'restrict']),
    revoked_at: z.string().nullable(),
    expired_at: z.string().nullable(),
    created_at: z.string(),
    events: z.array(ConsentEventSchema).optional(),
    receipt: ReceiptSchema.optional(),
  })
  .openapi('Attestation');

export const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export const subjectView = (s: SubjectRow) => ({
  id: s.id,
  display_name: s.display_name,
  language: s.language,
  birth_date: s.birth_date,
  external_ref: s.external_ref,
  created_at: iso(s.created_at)!,
});

export const eventView = (e: ConsentEventRow) => ({ id: e.id, type: e.type, actor: e.actor, data: e.data, at: iso(e.at)! });

export const attestationView = (a: AttestationRow) => ({
  id: a.id,
  subject_id: a.subject_id,
  attester: a.attester,
  relation: a.relation,
  scopes: a.scopes,
  purposes: a.purposes,
  valid_from: iso(a.valid_from)!,
  valid_until: iso(a.valid_until)!,
  separate_biometric_consent: a.separate_biometric_consent,
  cross_border: a.cross_border,
  cross_border_details: a.cross_border_details,
  guardian: a.guardian,
  document: a.document_sha256 ? { sha256: a.document_sha256, content_type: a.document_content_type } : null,
  state: a.state,
  verification: a.verification,
  revocation_policy: a.revocation_policy,
  revoked_at: iso(a.revoked_at),
  expired_at: iso(a.expired_at),
  created_at: iso(a.created_at)!,
});
