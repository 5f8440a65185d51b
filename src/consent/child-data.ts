import { ageAt, CHILD_AGE, type SubjectFacts } from './rules';

/**
 * When an item is a child's data (seed 003: under 14), as pure functions. Two ways in:
 *  - declared: the subject's declared birth date puts them under 14 on the day of upload.
 *    Decided at ingest, so the bytes are encrypted before the first one is stored;
 *  - estimated: the face stage's age model puts the face under 14, whatever was declared
 *    (declarations can be wrong). Known only after ingest, so the worker converts the item
 *    to the protected form before its decision is acted on — a release never happens first.
 * Either mark is permanent for the item: a later birthday does not unprotect stored data.
 */
export type ChildDataReason = 'declared_under_14' | 'estimated_under_14';

/** The declared rule, on the day of upload. No birth date declared → not (by declaration) a child. */
export function declaredChild(subject: SubjectFacts | null, uploadedAt: Date): boolean {
  const age = subject ? ageAt(subject.birthDate, uploadedAt) : null;
  return age !== null && age < CHILD_AGE;
}

/** SSR-Net's error is several years: an estimate under 14 is treated as a child (the cautious side). */
export const estimatedChild = (estimatedAge: number | null | undefined): boolean =>
  typeof estimatedAge === 'number' && Number.isFinite(estimatedAge) && estimatedAge < CHILD_AGE;

/** The age the face stage estimated, read from its stage result (evidence `estimated_age`), if any. */
export function estimatedAgeFrom(results: readonly { stage: string; evidence?: Record<string, unknown> }[]): number | null {
  const face = results.find((r) => r.stage === 'consent.face');
  const age = face?.evidence?.estimated_age;
  return typeof age === 'number' ? age : null;
}

export function childDataReason(facts: {
  subject: SubjectFacts | null;
  uploadedAt: Date;
  estimatedAge?: number | null;
}): ChildDataReason | null {
  if (declaredChild(facts.subject, facts.uploadedAt)) return 'declared_under_14';
  if (estimatedChild(facts.estimatedAge)) return 'estimated_under_14';
  return null;
}
