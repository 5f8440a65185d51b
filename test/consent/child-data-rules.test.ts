import { describe, expect, it } from 'vitest';
import { childDataReason, declaredChild, estimatedAgeFrom, estimatedChild } from '../../src/consent/child-data';

const d = (s: string) => new Date(`${s}T00:00:00Z`);

describe('child-data rule (under 14)', () => {
  it('declared: under 14 on the day of upload, to the day', () => {
    const born = { birthDate: d('2012-06-15') };
    expect(declaredChild(born, d('2026-06-14'))).toBe(true); // the day before the 14th birthday
    expect(declaredChild(born, d('2026-06-15'))).toBe(false); // 14 today
    expect(declaredChild({ birthDate: null }, d('2026-01-01'))).toBe(false);
    expect(declaredChild(null, d('2026-01-01'))).toBe(false);
  });

  it('estimated: an age estimate under 14 counts, a missing or broken one does not', () => {
    expect(estimatedChild(13.9)).toBe(true);
    expect(estimatedChild(14)).toBe(false);
    expect(estimatedChild(null)).toBe(false);
    expect(estimatedChild(Number.NaN)).toBe(false);
  });

  it('reads the face stage estimate from its evidence', () => {
    expect(estimatedAgeFrom([{ stage: 'probe.image', evidence: {} }, { stage: 'consent.face', evidence: { estimated_age: 11.2 } }])).toBe(11.2);
    expect(estimatedAgeFrom([{ stage: 'consent.face', evidence: { estimated_age: null } }])).toBeNull();
    expect(estimatedAgeFrom([])).toBeNull();
  });

  it('declared wins over estimated as the reason; an adult estimate does not unprotect a declared child', () => {
    const at = d('2026-03-01');
    expect(childDataReason({ subject: { birthDate: d('2015-01-01') }, uploadedAt: at, estimatedAge: 30 })).toBe('declared_under_14');
    expect(childDataReason({ subject: { birthDate: d('2009-01-01') }, uploadedAt: at, estimatedAge: 12 })).toBe('estimated_under_14');
    expect(childDataReason({ subject: { birthDate: d('2009-01-01') }, uploadedAt: at, estimatedAge: 20 })).toBeNull();
  });
});
