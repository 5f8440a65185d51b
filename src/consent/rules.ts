import type { MediaKind } from '../media/kinds';

/**
 * Consent policy as pure functions of data: which attestation lets which media kind
 * through, and why not. No I/O here; the repo loads rows, the stage and the upload
 * hook call these, and tests exercise them without a database.
 */
export const SCOPES = ['face', 'voice'] as const;
export type Scope = (typeof SCOPES)[number];

export const PURPOSES = ['image_avatar', 'video_avatar', 'voice_clone', 'driving', 'generated_output'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const RELATIONS = ['self', 'authorised', 'guardian'] as const;
export type Relation = (typeof RELATIONS)[number];

export type AttestationState = 'active' | 'suspended' | 'revoked' | 'expired';
export type Verification = 'unverified' | 'verified' | 'review' | 'failed';

export const ADULT_AGE = 18;
/** Under this age the subject's data is kept apart (seed 003: children under 14). */
export const CHILD_AGE = 14;

export interface Attestation {
  id: string;
  subjectId: string;
  relation: Relation;
  scopes: readonly Scope[];
  purposes: readonly Purpose[];
  validFrom: Date;
  validUntil: Date;
  separateBiometricConsent: boolean;
  state: AttestationState;
  verification: Verification;
  guardian: { name: string } | null;
}

export interface SubjectFacts {
  birthDate: Date | null;
}

/** What a media kind needs from an attestation: the likeness it carries and the uses it may serve. */
export interface KindNeed {
  scope: Scope;
  purposes: readonly Purpose[];
}

// A portrait can feed an image or a video avatar; driving audio is a voice used to drive one.
const NEEDS: Partial<Record<MediaKind, KindNeed>> = {
  portrait_image: { scope: 'face', purposes: ['image_avatar', 'video_avatar'] },
  customization_video: { scope: 'face', purposes: ['video_avatar'] },
  voice_sample: { scope: 'voice', purposes: ['voice_clone'] },
  driving_audio: { scope: 'voice', purposes: ['driving'] },
};

export const needOf = (kind: MediaKind): KindNeed | undefined => NEEDS[kind];

export type ConsentCode =
  | 'consent.missing'
  | 'consent.subject_mismatch'
  | 'consent.revoked'
  | 'consent.suspended'
  | 'consent.expired'
  | 'consent.not_yet_valid'
  | 'consent.out_of_scope'
  | 'consent.wrong_purpose'
  | 'consent.not_separate'
  | 'consent.guardian_required'
  | 'consent.verification_failed'
  | 'consent.unverified';

export type Usability =
  | { ok: true; verified: boolean }
  | { ok: false; code: ConsentCode; message: string };

/**
 * Whether an attestation lets an item of `kind` through at `now`. Order matters: the
 * first failing rule is the reason, and the hard facts (revoked, expired) come before
 * the fit (scope, purpose) so a revoked attestation never reads as a scope problem.
 * `ok` with `verified: false` means the paperwork holds but no ceremony proved it yet.
 */
export function checkUsable(
  att: Attestation | null,
  subject: SubjectFacts | null,
  use: { kind: MediaKind; subjectId?: string; now: Date },
): Usability {
  const need = needOf(use.kind);
  if (!need) return { ok: true, verified: true };
  if (!att) return fail('consent.missing', `a ${use.kind} needs a consent attestation (consent_id)`);
  if (use.subjectId && use.subjectId !== att.subjectId) {
    return fail('consent.subject_mismatch', 'the upload names a different subject than its attestation');
  }
  if (att.state === 'revoked') return fail('consent.revoked', 'the attestation was revoked');
  if (att.state === 'suspended') return fail('consent.suspended', 'the attestation is suspended');
  if (att.state === 'expired' || use.now >= att.validUntil) return fail('consent.expired', 'the attestation has expired');
  if (use.now < att.validFrom) return fail('consent.not_yet_valid', 'the attestation is not valid yet');
  if (!att.scopes.includes(need.scope)) {
    return fail('consent.out_of_scope', `the attestation does not cover the subject's ${need.scope}`);
  }
  if (!need.purposes.some((p) => att.purposes.includes(p))) {
    return fail('consent.wrong_purpose', `a ${use.kind} needs one of the purposes ${need.purposes.join(', ')}`);
  }
  if (!att.separateBiometricConsent) {
    return fail('consent.not_separate', 'biometric data needs a separate, explicit consent');
  }
  if (subject && needsGuardian(subject, use.now) && att.relation !== 'guardian') {
    return fail('consent.guardian_required', 'the subject is under 18: a guardian must attest');
  }
  if (att.verification === 'failed') return fail('consent.verification_failed', 'the consent ceremony failed');
  return { ok: true, verified: att.verification === 'verified' };
}

const fail = (code: ConsentCode, message: string): Usability => ({ ok: false, code, message });

/** Whole years of age at `now`, or null when no birth date was declared. */
export function ageAt(birthDate: Date | null, now: Date): number | null {
  if (!birthDate) return null;
  let age = now.getUTCFullYear() - birthDate.getUTCFullYear();
  const before =
    now.getUTCMonth() < birthDate.getUTCMonth() ||
    (now.getUTCMonth() === birthDate.getUTCMonth() && now.getUTCDate() < birthDate.getUTCDate());
  if (before) age -= 1;
  return age;
}

export function needsGuardian(subject: SubjectFacts, now: Date): boolean {
  const age = ageAt(subject.birthDate, now);
  return age !== null && age < ADULT_AGE;
}

export function isChild(subject: SubjectFacts, now: Date): boolean {
  const age = ageAt(subject.birthDate, now);
  return age !== null && age < CHILD_AGE;
}

/**
 * Rules for creating an attestation (the API validates shapes; these are the facts
 * that depend on each other). Returns a message per problem; empty means valid.
 */
export function attestationProblems(a: {
  relation: Relation;
  scopes: readonly Scope[];
  purposes: readonly Purpose[];
  validFrom: Date;
  validUntil: Date;
  guardian: { name: string } | null;
  subject: SubjectFacts;
  now: Date;
}): string[] {
  const out: string[] = [];
  if (a.validUntil <= a.validFrom) out.push('valid_until must be after valid_from');
  if (a.validUntil <= a.now) out.push('valid_until is in the past');
  if (a.relation === 'guardian' && !a.guardian) out.push('a guardian attestation needs guardian details');
  if (a.relation !== 'guardian' && a.guardian) out.push('guardian details belong to relation "guardian" only');
  if (a.relation === 'guardian' && !needsGuardian(a.subject, a.now)) {
    out.push('relation "guardian" needs a subject with a declared birth date under 18');
  }
  if (a.purposes.includes('voice_clone') && !a.scopes.includes('voice')) out.push('purpose voice_clone needs scope voice');
  if ((a.purposes.includes('image_avatar') || a.purposes.includes('video_avatar')) && !a.scopes.includes('face')) {
    out.push('avatar purposes need scope face');
  }
  return out;
}

/** When an attestation's validity ran out but its state still says active: expiry is due. */
export const isExpiryDue = (att: Pick<Attestation, 'state' | 'validUntil'>, now: Date): boolean =>
  att.state === 'active' || att.state === 'suspended' ? now >= att.validUntil : false;

/**
 * A face the age model puts under 18 needs a guardian attestation, whatever birth date was
 * declared (declarations can be wrong). SSR-Net's error is several years, so young adults
 * near the line are refused too; a guardian attestation or a person's review settles them.
 */
export const estimatedMinorNeedsGuardian = (estimatedAge: number | null, relation: Relation): boolean =>
  estimatedAge !== null && estimatedAge < ADULT_AGE && relation !== 'guardian';
