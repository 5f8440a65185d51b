import fs from 'node:fs/promises';
import { faceEvidence, inventoryOf, loadReferences, registryHits, videoFaces, type FaceMatch } from '../../src/consent/faces';
import { customizationVideoVerdict, estimatedMinors, FACE_REVIEW_BAND, portraitVerdict, subjectFace, youngestAge, type VideoFrameFacts } from '../../src/consent/face-rules';
import { getAttestation, isUuid, type AttestationRow } from '../../src/consent/repo';
import type { Queryable } from '../../src/db/db';
import { FACE_MATCH_THRESHOLD } from '../../src/inference/index.js';
import type { Stage, StageContext, StageOutcome } from '../types';

/** Frames of a customization video checked for faces: one a second, spread over longer videos. */
export const CUSTOMIZATION_FRAMES = 10;

/**
 * Every face of a portrait, or of every sampled frame of a customization video, is counted
 * (src/consent/face-rules.ts): a face in the do-not-clone registry rejects the item whatever
 * attestation it carries; a face estimated under 18 needs a guardian attestation; a second
 * person in the picture rejects it; the one face left is the subject's and must match the
 * references taken from the attestation's consent video (none yet, or a score within the
 * review band around the threshold: review).
 */
export const consentFaceStage: Stage = {
  name: 'consent.face',
  role: 'consent',
  requires: ['account'],
  async run(ctx) {
    const { media, file, capabilities } = ctx;
    if (!isUuid(media.consentId)) return { status: 'skipped', reason: 'consent.missing' };
    const db = capabilities.account!.db;
    const attestation = await getAttestation(db, media.tenantId, media.consentId);
    if (!attestation) return { status: 'skipped', reason: 'consent.missing' };
    if (media.kind === 'customization_video') return matchVideo(db, attestation, ctx);
    return matchPortrait(db, attestation, new Uint8Array(await fs.readFile(file)));
  },
};

async function matchPortrait(db: Queryable, attestation: AttestationRow, bytes: Uint8Array): Promise<StageOutcome> {
  const image = await inventoryOf(bytes);
  const [registry, refs] = await Promise.all([registryHits(db, attestation.subject_id, image.faces), loadReferences(db, attestation.id)]);
  const subject = subjectFace(image.faces);
  const match: FaceMatch | undefined = subject ? refs.match(subject.face.embedding) : undefined;
  const verdict = portraitVerdict({ faces: image.faces, listed: registry.listed, relation: attestation.relation, match });
  const listedFace = registry.listed.length > 0;
  const evidence: Record<string, unknown> = {
    faces: image.faces.map((f, i) => faceEvidence(f, image, {
      ...(f === subject && match ? { matched: match.status === 'pass', similarity: match.score } : {}),
      listed: registry.listed.includes(i),
    })),
    faces_detected: image.faces.length,
    significant_faces: image.faces.filter((f) => f.significant).length,
    ...(image.capped ? { capped: true } : {}),
    references: refs.count,
    // A registry hit reports the registry's score: that is the comparison that decided.
    score: listedFace ? registry.score : (match?.score ?? null),
    threshold: FACE_MATCH_THRESHOLD,
    review_band: [FACE_MATCH_THRESHOLD - FACE_REVIEW_BAND, FACE_MATCH_THRESHOLD + FACE_REVIEW_BAND].map((x) => Math.round(x * 1000) / 1000),
    estimated_age: youngestAge(image.faces),
    ...(listedFace ? { registry_entries: registry.entries } : {}),
    ...(estimatedMinors(image.faces, attestation.relation).length ? { minor: 'estimated' } : {}),
  };
  return verdict.status === 'pass' ? { status: 'pass', evidence } : { status: verdict.status, reason: verdict.reason, evidence };
}

/** Every significant face of every sampled frame must be the subject's; no frame may show a second person. */
async function matchVideo(db: Queryable, attestation: AttestationRow, { file, limits, facts, signal }: StageContext): Promise<StageOutcome> {
  const av = facts.av as { durationSeconds?: number; video?: { width?: number; height?: number } } | undefined;
  if (!av?.video?.width || !av.video.height || typeof av.durationSeconds !== 'number') throw new Error('consent.face needs probe.video to run first');
  const video = { width: av.video.width, height: av.video.height, durationSeconds: av.durationSeconds };
  const refs = await loadReferences(db, attestation.id);
  const frames: VideoFrameFacts[] = [];
  const faces: Record<string, unknown>[] = [];
  let registryScore: number | null = null, registryEntries = 0;
  for await (const f of videoFaces(limits.ffmpegPath, file, video, { maxFrames: CUSTOMIZATION_FRAMES, signal })) {
    const registry = await registryHits(db, attestation.subject_id, f.faces);
    if (registry.score !== null) registryScore = Math.max(registryScore ?? -1, registry.score);
    registryEntries = registry.entries;
    const matches = f.faces.map((x) => (x.significant ? refs.match(x.face.embedding) : null));
    frames.push({ timestampMs: f.timestampMs, faces: f.faces, listed: registry.listed, matches: matches.filter((m): m is FaceMatch => m !== null) });
    f.faces.forEach((x, i) => faces.push(faceEvidence(x, f, { ...(matches[i] ? { matched: matches[i]!.status === 'pass', similarity: matches[i]!.score } : {}), listed: registry.listed.includes(i) })));
  }
  const { verdict, multipleAtMs, mismatchAtMs } = customizationVideoVerdict(frames, attestation.relation);
  const scores = frames.flatMap((f) => f.matches.map((m) => m.score)).filter((s): s is number => s !== null);
  const listedFace = frames.some((f) => f.listed.length);
  const evidence: Record<string, unknown> = {
    frames_checked: frames.length,
    frames_with_face: frames.filter((f) => f.faces.some((x) => x.usable)).length,
    faces_checked: faces.length,
    frames_failed: mismatchAtMs.length,
    ...(multipleAtMs.length ? { multiple_faces_at_ms: multipleAtMs } : {}),
    ...(mismatchAtMs.length ? { mismatch_at_ms: mismatchAtMs } : {}),
    references: refs.count,
    score: listedFace ? registryScore : scores.length ? Math.min(...scores) : null,
    threshold: FACE_MATCH_THRESHOLD,
    review_band: [FACE_MATCH_THRESHOLD - FACE_REVIEW_BAND, FACE_MATCH_THRESHOLD + FACE_REVIEW_BAND].map((x) => Math.round(x * 1000) / 1000),
    estimated_age: youngestAge(frames.flatMap((f) => f.faces)),
    ...(listedFace ? { registry_entries: registryEntries } : {}),
    ...(frames.some((f) => estimatedMinors(f.faces, attestation.relation).length) ? { minor: 'estimated' } : {}),
    faces,
  };
  return verdict.status === 'pass' ? { status: 'pass', evidence } : { status: verdict.status, reason: verdict.reason, evidence };
}
