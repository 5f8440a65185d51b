import { describe, expect, it } from 'vitest';
import { judgeHypothesis, spokenWords, statementGrammar, englishStatement } from '../../src/consent/asr/statement';
import { ageAt, checkUsable, estimatedMinorNeedsGuardian, type Attestation } from '../../src/consent/rules';

const now = new Date('2026-06-01T12:00:00Z');
const base: Attestation = {
  id: 'a', subjectId: 's', relation: 'self', scopes: ['face', 'voice'],
  purposes: ['image_avatar', 'video_avatar', 'voice_clone', 'driving'],
  validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z'),
  separateBiometricConsent: true, state: 'active', verification: 'verified', guardian: null,
};
const adult = { birthDate: new Date('1990-01-01T00:00:00Z') };
const use = (kind: Parameters<typeof checkUsable>[2]['kind'], over: Partial<Attestation> = {}, subject = adult) =>
  checkUsable({ ...base, ...over }, subject, { kind, now });

describe('consent rules', () => {
  it('lets a fitting attestation through and says whether it was verified', () => {
    expect(use('portrait_image')).toEqual({ ok: true, verified: true });
    expect(use('voice_sample', { verification: 'review' })).toEqual({ ok: true, verified: false });
    expect(checkUsable(null, null, { kind: 'driving_text', now })).toEqual({ ok: true, verified: true });
  });

  it('names the first failing rule, hard facts before fit', () => {
    expect(checkUsable(null, null, { kind: 'portrait_image', now })).toMatchObject({ code: 'consent.missing' });
    expect(use('voice_sample', { state: 'revoked', scopes: ['face'] })).toMatchObject({ code: 'consent.revoked' });
    expect(use('portrait_image', { validUntil: now })).toMatchObject({ code: 'consent.expired' });
    expect(use('portrait_image', { validFrom: new Date(now.getTime() + 1) })).toMatchObject({ code: 'consent.not_yet_valid' });
    expect(use('voice_sample', { scopes: ['face'] })).toMatchObject({ code: 'consent.out_of_scope' });
    expect(use('customization_video', { purposes: ['image_avatar'] })).toMatchObject({ code: 'consent.wrong_purpose' });
    expect(use('portrait_image', { separateBiometricConsent: false })).toMatchObject({ code: 'consent.not_separate' });
    expect(use('portrait_image', { verification: 'failed' })).toMatchObject({ code: 'consent.verification_failed' });
    expect(checkUsable(base, adult, { kind: 'portrait_image', now, subjectId: 'other' })).toMatchObject({ code: 'consent.subject_mismatch' });
  });

  it('a subject under 18 at the time of use needs a guardian; the 18th birthday ends that', () => {
    const teen = { birthDate: new Date('2008-06-02T00:00:00Z') };
    expect(ageAt(teen.birthDate, now)).toBe(17);
    expect(use('portrait_image', {}, teen)).toMatchObject({ code: 'consent.guardian_required' });
    expect(use('portrait_image', { relation: 'guardian', guardian: { name: 'G' } }, teen)).toEqual({ ok: true, verified: true });
    expect(ageAt(teen.birthDate, new Date('2026-06-02T00:00:00Z'))).toBe(18);
  });

  it('a face estimated under 18 needs a guardian whatever was declared', () => {
    expect(estimatedMinorNeedsGuardian(15.2, 'self')).toBe(true);
    expect(estimatedMinorNeedsGuardian(15.2, 'guardian')).toBe(false);
    expect(estimatedMinorNeedsGuardian(25, 'authorised')).toBe(false);
    expect(estimatedMinorNeedsGuardian(null, 'self')).toBe(false);
  });
});

describe('consent statement judgement', () => {
  const statement = englishStatement({ subjectName: 'Jane Doe', company: 'Acme Studios', scopes: ['face', 'voice'], code: '472913' });
  const words = spokenWords(statement);
  const judge = (heard: string) => judgeHypothesis(heard, words, 6);

  it('spells the statement and builds a grammar whose code slot takes any digits', () => {
    expect(words.join(' ')).toBe('i jane doe consent to acme studios using my face and voice my code is four seven two nine one three');
    expect(statementGrammar(words, 6)).toContain('is [<f>] <d> <d> <d> <d> <d> <d> [<f>];');
  });

  it('passes the exact reading with fillers in the gaps, fails negations, wrong codes and nothing', () => {
    expect(judge('uh i jane doe consent um to acme studios using my face but and voice my code is the four seven two nine one three')).toMatchObject({ status: 'pass', score: 1 });
    expect(judge('i jane doe do not consent to acme studios using my face and voice my code is four seven two nine one three')).toMatchObject({ status: 'fail', reason: 'speech.negated', negations: ['not'] });
    expect(judge('i jane doe consent to acme studios using my face and voice my code is four seven two nine one two')).toMatchObject({ status: 'fail', reason: 'speech.wrong_code', codeHeard: '472912' });
    expect(judge('')).toMatchObject({ status: 'fail', reason: 'speech.no_match', score: 0 });
  });
});
