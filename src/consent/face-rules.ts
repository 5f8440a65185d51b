import { ADULT_AGE, type Relation } from './rules';

/**
 * Which faces of an image count, as pure functions of the face inventory (every detection's
 * box, score and estimated age): duplicates of one face removed, then each face is
 * `usable` (good enough to match and to clone), `significant` (a usable face large enough
 * beside the largest one to be a second person in the picture) or neither; and whether its
 * age can be estimated at all. The numbers are measured on faces-dev and composed photos
 * (`npx tsx test/consent/face-inventory-eval.ts`, figures in models/README.md, "Face inventory").
 */
export const FACE_RULES = {
  /**
   * Detector score from which a detection is a face of the inventory (looked up in the
   * do-not-clone registry). On faces-dev, between 0.3 and 0.5 lie 4 real background faces and
   * 6 false ones (hair, jewellery, a tie); below 0.3 mostly false ones. The false ones cost a
   * registry lookup; none of them is usable, so none counts as a person or gets an age.
   */
  detectFloor: 0.3,
  /**
   * A detection lying at least this much (intersection over the smaller box) inside a
   * higher-scoring one is part of that face, not another face: BlazeFace fires on the
   * eyes-and-nose or mouth-and-chin half of close-up faces (faces-dev: 46 such detections, each
   * ≥ 0.52 inside the face), while the faces kept overlap each other by ≤ 0.11.
   */
  duplicateOverlap: 0.5,
  /**
   * Score and size (long side, source pixels) from which a face is usable for matching (and
   * for cloning). faceres on faces scaled down: FRR 12.0% at full size, 14.9% at 48 px, 17.8% at
   * 40, 29.5% at 32. Every faces-dev detection scoring ≥ 0.5 and ≥ 40 px is a real face.
   */
  usableScore: 0.5,
  usableMinPx: 40,
  /**
   * A second usable face at least this large beside the largest usable face is a second
   * person. Composed pairs of different people: at a nominal ratio of 0.4 the detector's boxes
   * measured 0.27–0.53 (so 0.3 would let some through); 26 of 26 pairs at ratios ≥ 0.4 count as
   * two people, 23 of 26 at 0.3, 7 at 0.25. faces-dev: only the 2 photos showing a second person.
   */
  significantRatio: 0.25,
  /**
   * Below this size (or below `usableScore`) SSR-Net's estimate is noise: reported, not used.
   * At 32 px its median error is 3.8 years (p90 9.1), biased 3.6 years younger; at 24 px p90 10.0.
   */
  ageMinPx: 32,
} as const;

export interface Rect { x: number; y: number; width: number; height: number }

export interface ObservedFace {
  box: Rect;
  score: number;
  /** SSR-Net estimate; absent when the model did not run on this face. */
  ageEstimate?: number | null;
}

/** `low_confidence`: the detector is unsure it is a face at all; `not_estimated`: the model gave nothing. */
export type AgeStatus = 'estimated' | 'too_small' | 'low_confidence' | 'not_estimated';

export interface ClassifiedFace<F extends ObservedFace = ObservedFace> {
  face: F;
  size: number;
  /** Size over the largest usable face's size (1 for that face; 0 when no face is usable). */
  relativeSize: number;
  usable: boolean;
  significant: boolean;
  ageStatus: AgeStatus;
  /** The age estimate, only when `ageStatus` is `estimated`. */
  estimatedAge: number | null;
}

export const faceSize = (b: Rect): number => Math.max(b.width, b.height);

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function overlapOfSmaller(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const smaller = Math.min(a.width * a.height, b.width * b.height);
  return smaller > 0 ? (ix * iy) / smaller : 0;
}

/** Faces above the floor, best score first, without the detections that are parts of a better one. */
export function dedupeFaces<F extends ObservedFace>(faces: readonly F[], rules = FACE_RULES): F[] {
  const kept: F[] = [];
  for (const f of [...faces].sort((a, b) => b.score - a.score)) {
    if (f.score < rules.detectFloor) continue;
    if (kept.every((k) => overlapOfSmaller(k.box, f.box) < rules.duplicateOverlap)) kept.push(f);
  }
  return kept;
}

export function classifyFaces<F extends ObservedFace>(faces: readonly F[], rules = FACE_RULES): ClassifiedFace<F>[] {
  const usable = (f: F) => f.score >= rules.usableScore && faceSize(f.box) >= rules.usableMinPx;
  const largest = Math.max(0, ...faces.filter(usable).map((f) => faceSize(f.box)));
  return faces.map((face) => {
    const size = faceSize(face.box);
    const isUsable = usable(face);
    const relativeSize = largest > 0 ? size / largest : 0;
    const ageStatus: AgeStatus = face.score < rules.usableScore ? 'low_confidence' : size < rules.ageMinPx ? 'too_small' : 'estimated';
    const estimatedAge = ageStatus === 'estimated' && typeof face.ageEstimate === 'number' && Number.isFinite(face.ageEstimate) ? face.ageEstimate : null;
    return {
      face, size, relativeSize, usable: isUsable,
      significant: isUsable && relativeSize >= rules.significantRatio,
      ageStatus: ageStatus === 'estimated' && estimatedAge === null ? 'not_estimated' : ageStatus,
      estimatedAge,
    };
  });
}

/** The youngest estimate among the faces (the cautious one for the minors' rules), to 0.1 year, or null. */
export const youngestAge = (faces: readonly Pick<ClassifiedFace, 'estimatedAge'>[]): number | null => {
  const ages = faces.map((f) => f.estimatedAge).filter((a): a is number => a !== null);
  return ages.length ? Math.round(Math.min(...ages) * 10) / 10 : null;
};

/** Faces the age model puts under 18 where the attestation is not a guardian's (none when it is). */
export const estimatedMinors = <C extends Pick<ClassifiedFace, 'estimatedAge'>>(faces: readonly C[], relation: Relation | null): C[] =>
  relation === 'guardian' ? [] : faces.filter((f) => f.estimatedAge !== null && f.estimatedAge < ADULT_AGE);

/** How a face's match against the consent references came out. */
export type MatchStatus = 'pass' | 'fail' | 'unverified';

/**
 * Scores within this distance of the match threshold go to a person (`consent.face_borderline`)
 * instead of a hard pass or reject: faceres's impostor tail reaches the threshold (an unseen
 * impostor scored exactly 0.635 on the consent-video path). Measured effect in models/README.md.
 */
export const FACE_REVIEW_BAND = 0.03;

/** A similarity against the references, read with the review band. */
export function matchOutcome(score: number, threshold: number, band = FACE_REVIEW_BAND): { status: MatchStatus; reason?: string } {
  if (score >= threshold + band) return { status: 'pass' };
  if (score < threshold - band) return { status: 'fail', reason: 'consent.face_mismatch' };
  return { status: 'unverified', reason: 'consent.face_borderline' };
}

export interface PortraitFacts {
  faces: readonly ClassifiedFace[];
  /** Indexes (into `faces`) of faces found in the do-not-clone registry. */
  listed: readonly number[];
  relation: Relation;
  /** The subject face's match; absent when there is no single subject face to match. */
  match?: { status: MatchStatus; reason?: string };
}

export type FaceVerdict = { status: 'pass' } | { status: 'review' | 'reject'; reason: string };

/**
 * A portrait's decision from its faces. The refusals no other attestation can fix come
 * first: a face in the do-not-clone registry, then a face estimated under 18 without a
 * guardian, then a second person, then no usable face; only then does the match decide.
 */
export function portraitVerdict(p: PortraitFacts): FaceVerdict {
  if (p.listed.length) return { status: 'reject', reason: 'consent.do_not_clone' };
  if (estimatedMinors(p.faces, p.relation).length) return { status: 'reject', reason: 'consent.guardian_required' };
  const significant = p.faces.filter((f) => f.significant).length;
  if (significant >= 2) return { status: 'reject', reason: 'consent.multiple_faces' };
  if (significant === 0 || !p.match) return { status: 'reject', reason: 'consent.face_not_found' };
  return fromMatch(p.match);
}

/** The one face the portrait is of: the single significant face, or none. */
export function subjectFace<F extends ObservedFace>(faces: readonly ClassifiedFace<F>[]): ClassifiedFace<F> | null {
  const significant = faces.filter((f) => f.significant);
  return significant.length === 1 ? significant[0]! : null;
}

const fromMatch = (m: { status: MatchStatus; reason?: string }): FaceVerdict =>
  m.status === 'pass' ? { status: 'pass' }
    : m.status === 'unverified' ? { status: 'review', reason: m.reason ?? 'consent.face_unverified' }
      : { status: 'reject', reason: m.reason ?? 'consent.face_mismatch' };

export interface VideoFrameFacts {
  timestampMs: number;
  faces: readonly ClassifiedFace[];
  listed: readonly number[];
  /** One match per significant face of the frame, in the order of `faces`. */
  matches: readonly { status: MatchStatus; reason?: string; score: number | null }[];
}

export interface VideoVerdictDetail {
  verdict: FaceVerdict;
  /** Times of the frames with two or more significant faces. */
  multipleAtMs: number[];
  /** Times of the frames in which a significant face failed its match. */
  mismatchAtMs: number[];
}

/**
 * A customization video: every significant face of every sampled frame must be the consenting
 * subject, and no frame may show a second person. Frames without a usable face say nothing; a
 * video with none at all goes to a person (`consent.face_not_found`, review).
 */
export function customizationVideoVerdict(frames: readonly VideoFrameFacts[], relation: Relation): VideoVerdictDetail {
  const multipleAtMs = frames.filter((f) => f.faces.filter((x) => x.significant).length >= 2).map((f) => f.timestampMs);
  const mismatchAtMs = frames.filter((f) => f.matches.some((m) => m.status === 'fail')).map((f) => f.timestampMs);
  const detail = (verdict: FaceVerdict) => ({ verdict, multipleAtMs, mismatchAtMs });
  if (frames.some((f) => f.listed.length)) return detail({ status: 'reject', reason: 'consent.do_not_clone' });
  if (frames.some((f) => estimatedMinors(f.faces, relation).length)) return detail({ status: 'reject', reason: 'consent.guardian_required' });
  if (multipleAtMs.length) return detail({ status: 'reject', reason: 'consent.multiple_faces' });
  const matches = frames.flatMap((f) => f.matches);
  if (!matches.length) return detail({ status: 'review', reason: 'consent.face_not_found' });
  const failed = matches.find((m) => m.status === 'fail');
  if (failed) return detail(fromMatch(failed));
  const unverified = matches.find((m) => m.status === 'unverified');
  return detail(unverified ? fromMatch(unverified) : { status: 'pass' });
}

/**
 * A generated video carries no attestation of its own: a face in the do-not-clone registry
 * rejects it; a face estimated under 18 sends it to a person (the output may be a legitimate
 * guardian-consented avatar, which nothing here can tell).
 */
export function generatedVideoVerdict(frames: readonly Pick<VideoFrameFacts, 'faces' | 'listed'>[]): FaceVerdict {
  if (frames.some((f) => f.listed.length)) return { status: 'reject', reason: 'consent.do_not_clone' };
  if (frames.some((f) => estimatedMinors(f.faces, null).length)) return { status: 'review', reason: 'consent.estimated_minor' };
  return { status: 'pass' };
}
