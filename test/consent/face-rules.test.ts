import { describe, expect, it } from 'vitest';
import {
  classifyFaces, customizationVideoVerdict, dedupeFaces, estimatedMinors, FACE_REVIEW_BAND, FACE_RULES, generatedVideoVerdict, matchOutcome,
  overlapOfSmaller, portraitVerdict, subjectFace, youngestAge, type ObservedFace,
} from '../../src/consent/face-rules';

const face = (x: number, y: number, size: number, score = 0.9, ageEstimate: number | null = 35): ObservedFace => ({
  box: { x, y, width: size, height: size }, score, ageEstimate,
});

describe('face inventory rules', () => {
  it('removes detections that are parts of a better face, keeps separate faces, drops those under the floor', () => {
    const main = face(0, 0, 150, 0.95);
    const upperHalf = face(20, 0, 80, 0.6); // eyes and nose of the same face, inside it
    const beside = face(160, 0, 100, 0.8);
    const noise = face(400, 0, 50, FACE_RULES.detectFloor - 0.01);
    expect(overlapOfSmaller(main.box, upperHalf.box)).toBe(1);
    expect(dedupeFaces([upperHalf, noise, beside, main])).toEqual([main, beside]);
    // Half inside is still a duplicate; a neighbour that only touches the edge is not.
    expect(dedupeFaces([main, face(110, 0, 80, 0.7)])).toEqual([main]);
    expect(dedupeFaces([main, face(130, 0, 80, 0.7)])).toHaveLength(2);
  });

  it('usable: score and size; significant: usable and at least a quarter of the largest usable face', () => {
    const [big, half, quarter, fifth, tiny, unsure] = classifyFaces([
      face(0, 0, 400), face(500, 0, 200), face(800, 0, 100), face(950, 0, 80), face(1100, 0, 30), face(1200, 0, 300, 0.4),
    ]);
    expect(big).toMatchObject({ usable: true, significant: true, relativeSize: 1 });
    expect(half).toMatchObject({ usable: true, significant: true, relativeSize: 0.5 });
    expect(quarter).toMatchObject({ usable: true, significant: true });
    expect(fifth).toMatchObject({ usable: true, significant: false, relativeSize: 0.2 });
    expect(tiny).toMatchObject({ usable: false, significant: false, ageStatus: 'too_small', estimatedAge: null });
    // An unsure detection neither counts as a person nor sets the scale for the others.
    expect(unsure).toMatchObject({ usable: false, significant: false, ageStatus: 'low_confidence', estimatedAge: null });
    expect(classifyFaces([face(0, 0, 100, 0.4), face(200, 0, 60)]).map((f) => f.relativeSize)).toEqual([100 / 60, 1]);
  });

  it('age: estimated from 32 px on a confident face; the youngest estimate is the one reported', () => {
    const faces = classifyFaces([face(0, 0, 200, 0.9, 41), face(300, 0, 32, 0.9, 12), face(400, 0, 31, 0.9, 8), face(500, 0, 80, 0.9, null)]);
    expect(faces.map((f) => f.ageStatus)).toEqual(['estimated', 'estimated', 'too_small', 'not_estimated']);
    expect(youngestAge(faces)).toBe(12);
    expect(estimatedMinors(faces, 'self')).toHaveLength(1);
    expect(estimatedMinors(faces, 'guardian')).toHaveLength(0);
  });
});

describe('portrait verdict', () => {
  const pass = { status: 'pass' as const };
  it('one significant face: the match decides; the subject is that face, not the best-scoring detection', () => {
    // The small face scores higher; at 0.2 of the large one it is not a second person.
    const one = classifyFaces([face(0, 0, 60, 0.99), face(100, 0, 300, 0.7)]);
    expect(subjectFace(one)?.face.box.width).toBe(300);
    expect(subjectFace(classifyFaces([face(0, 0, 100, 0.99), face(100, 0, 300, 0.7)]))).toBeNull();
    expect(portraitVerdict({ faces: one, listed: [], relation: 'self', match: pass })).toEqual({ status: 'pass' });
    expect(portraitVerdict({ faces: one, listed: [], relation: 'self', match: { status: 'fail', reason: 'consent.face_mismatch' } }))
      .toEqual({ status: 'reject', reason: 'consent.face_mismatch' });
    expect(portraitVerdict({ faces: one, listed: [], relation: 'self', match: { status: 'unverified', reason: 'consent.face_unverified' } }))
      .toEqual({ status: 'review', reason: 'consent.face_unverified' });
  });

  it('two significant faces reject, in both size orders, whatever the match says', () => {
    for (const sizes of [[400, 200], [200, 400]]) {
      const faces = classifyFaces(sizes.map((s, i) => face(i * 500, 0, s)));
      expect(portraitVerdict({ faces, listed: [], relation: 'self', match: pass })).toEqual({ status: 'reject', reason: 'consent.multiple_faces' });
    }
  });

  it('no usable face rejects; order: do-not-clone, then an estimated minor, then a second person', () => {
    expect(portraitVerdict({ faces: classifyFaces([face(0, 0, 30)]), listed: [], relation: 'self' })).toEqual({ status: 'reject', reason: 'consent.face_not_found' });
    expect(portraitVerdict({ faces: [], listed: [], relation: 'self' })).toEqual({ status: 'reject', reason: 'consent.face_not_found' });
    const two = classifyFaces([face(0, 0, 300), face(400, 0, 200, 0.9, 11), face(700, 0, 20)]);
    expect(portraitVerdict({ faces: two, listed: [2], relation: 'self' })).toEqual({ status: 'reject', reason: 'consent.do_not_clone' });
    expect(portraitVerdict({ faces: two, listed: [], relation: 'self' })).toEqual({ status: 'reject', reason: 'consent.guardian_required' });
    expect(portraitVerdict({ faces: two, listed: [], relation: 'guardian' })).toEqual({ status: 'reject', reason: 'consent.multiple_faces' });
  });

  it('a minor in the background (not significant) still needs a guardian', () => {
    const faces = classifyFaces([face(0, 0, 400), face(500, 0, 60, 0.9, 9)]);
    expect(faces[1]!.significant).toBe(false);
    expect(portraitVerdict({ faces, listed: [], relation: 'self', match: pass })).toEqual({ status: 'reject', reason: 'consent.guardian_required' });
    expect(portraitVerdict({ faces, listed: [], relation: 'guardian', match: pass })).toEqual({ status: 'pass' });
  });
});

describe('video verdicts', () => {
  const frame = (t: number, sizes: number[], matches: ('pass' | 'fail' | 'unverified')[], listed: number[] = []) => ({
    timestampMs: t,
    faces: classifyFaces(sizes.map((s, i) => face(i * 500, 0, s))),
    listed,
    matches: matches.map((status) => ({ status, score: status === 'pass' ? 0.8 : 0.3, ...(status === 'fail' ? { reason: 'consent.face_mismatch' } : {}) })),
  });

  it('a second person in some frames rejects with those frames’ times', () => {
    const frames = [frame(0, [300], ['pass']), frame(1000, [300, 250], ['pass', 'fail']), frame(2000, [300, 250], ['pass', 'fail']), frame(3000, [300], ['pass'])];
    expect(customizationVideoVerdict(frames, 'self')).toEqual({
      verdict: { status: 'reject', reason: 'consent.multiple_faces' }, multipleAtMs: [1000, 2000], mismatchAtMs: [1000, 2000],
    });
  });

  it('every frame matching passes; one failing frame rejects; no face at all goes to review', () => {
    expect(customizationVideoVerdict([frame(0, [300], ['pass']), frame(1000, [300], ['pass'])], 'self').verdict).toEqual({ status: 'pass' });
    expect(customizationVideoVerdict([frame(0, [300], ['pass']), frame(1000, [300], ['fail'])], 'self')).toMatchObject({
      verdict: { status: 'reject', reason: 'consent.face_mismatch' }, mismatchAtMs: [1000],
    });
    expect(customizationVideoVerdict([frame(0, [20], [])], 'self').verdict).toEqual({ status: 'review', reason: 'consent.face_not_found' });
    expect(customizationVideoVerdict([frame(0, [300], ['unverified'])], 'self').verdict).toEqual({ status: 'review', reason: 'consent.face_unverified' });
    expect(customizationVideoVerdict([frame(0, [300], ['pass'], [0])], 'self').verdict).toEqual({ status: 'reject', reason: 'consent.do_not_clone' });
  });

  it('generated videos: a listed face rejects, an estimated minor goes to review', () => {
    const adult = { faces: classifyFaces([face(0, 0, 200)]), listed: [] };
    const minor = { faces: classifyFaces([face(0, 0, 200, 0.9, 12)]), listed: [] };
    expect(generatedVideoVerdict([adult])).toEqual({ status: 'pass' });
    expect(generatedVideoVerdict([adult, minor])).toEqual({ status: 'review', reason: 'consent.estimated_minor' });
    expect(generatedVideoVerdict([{ ...adult, listed: [0] }, minor])).toEqual({ status: 'reject', reason: 'consent.do_not_clone' });
  });
});

describe('review band around the match threshold', () => {
  it('sends scores within the band to a person, with its own reason', () => {
    expect(matchOutcome(0.8, 0.635)).toEqual({ status: 'pass' });
    expect(matchOutcome(0.635 + FACE_REVIEW_BAND, 0.635)).toEqual({ status: 'pass' });
    expect(matchOutcome(0.635, 0.635)).toEqual({ status: 'unverified', reason: 'consent.face_borderline' });
    expect(matchOutcome(0.635 - FACE_REVIEW_BAND, 0.635)).toEqual({ status: 'unverified', reason: 'consent.face_borderline' });
    expect(matchOutcome(0.6, 0.635)).toEqual({ status: 'fail', reason: 'consent.face_mismatch' });
    const one = classifyFaces([face(0, 0, 300)]);
    expect(portraitVerdict({ faces: one, listed: [], relation: 'self', match: matchOutcome(0.64, 0.635) })).toEqual({ status: 'review', reason: 'consent.face_borderline' });
  });
});
