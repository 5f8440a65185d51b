import type { Queryable } from '../db/db';
import { faceInventory, faceSimilarity, FACE_MATCH_THRESHOLD, InferenceError, type FaceEmbedding, type InventoryFace, type RgbImage } from '../inference/index.js';
import { ffprobe } from '../media/ffprobe';
import { sampleFrames } from '../media/frames';
import type { CheckResult } from './asr/types';
import { loadRegistry } from './do-not-clone';
import { classifyFaces, dedupeFaces, FACE_RULES, matchOutcome, type ClassifiedFace, type MatchStatus } from './face-rules';

/**
 * The face side of consent: every face of an image or of a video's sampled frames is
 * inventoried (src/consent/face-rules.ts says which count); the consent video's frames give
 * reference embeddings, and the subject's face in every upload relying on the attestation must
 * match one of them (cosine ≥ the calibrated FACE_MATCH_THRESHOLD, see models/README.md).
 */
export type Face = ClassifiedFace<InventoryFace & { ageEstimate: number }>;

export interface ImageFaces {
  width: number;
  height: number;
  faces: Face[];
  /** The detector stopped at its limit: more faces may be there than were checked. */
  capped: boolean;
}

/** Every face of an image, duplicates removed, each classified. Boxes are in the image's pixels. */
export async function inventoryOf(input: Uint8Array | RgbImage): Promise<ImageFaces> {
  const inv = await faceInventory(input, { minScore: FACE_RULES.detectFloor, keep: (f) => dedupeFaces(f) });
  const faces = classifyFaces(inv.faces.map((f) => ({ ...f, ageEstimate: f.age.age })));
  return { width: inv.width, height: inv.height, faces, capped: inv.capped };
}

export interface SampledFaces extends ImageFaces {
  timestampMs: number;
  /** Source pixels per frame pixel: boxes in evidence are multiplied back to the video's own size. */
  scale: number;
}

/** Long side frames are decoded at for the face checks: tiles then find faces down to ~50 px of a 1080p frame. */
export const FACE_FRAME_MAX_SIDE = 1280;

/**
 * The faces of up to `maxFrames` frames, `intervalSeconds` apart at least and spread over the
 * whole video when it is longer (a second person late in a long video is still seen).
 */
export async function* videoFaces(
  ffmpegPath: string,
  file: string,
  video: { width: number; height: number; durationSeconds: number },
  opts: { maxFrames: number; intervalSeconds?: number; signal?: AbortSignal },
): AsyncGenerator<SampledFaces> {
  const interval = Math.max(opts.intervalSeconds ?? 1, video.durationSeconds / opts.maxFrames);
  // A scene threshold above 1 never fires: these frames are for coverage in time, not for cuts.
  const sampling = { intervalSeconds: interval, sceneThreshold: 1, maxSide: FACE_FRAME_MAX_SIDE };
  let n = 0;
  for await (const frame of sampleFrames(ffmpegPath, file, video, sampling, opts.signal)) {
    const faces = await inventoryOf(frame.image);
    yield { ...faces, timestampMs: frame.timestampMs, scale: video.width / frame.image.width };
    if (++n >= opts.maxFrames) break;
  }
}

/** The consent references of an attestation, read once, as a matcher (best reference; the review band around the threshold applies). */
export async function loadReferences(q: Queryable, attestationId: string): Promise<{ count: number; match: (e: FaceEmbedding) => FaceMatch }> {
  const rows = await q.query<{ vector: number[] }>('select vector from consent_face_refs where attestation_id = $1', [attestationId]);
  const vectors = rows.map((r) => Float32Array.from(r.vector));
  return {
    count: vectors.length,
    match: (e) => {
      if (!vectors.length) return { status: 'unverified', reason: 'consent.face_unverified', score: null };
      const best = Math.max(...vectors.map((vector) => faceSimilarity(e, { ...e, vector })));
      return { ...matchOutcome(best, FACE_MATCH_THRESHOLD), score: Math.round(best * 1000) / 1000 };
    },
  };
}

export interface FaceMatch { status: MatchStatus; reason?: string; score: number | null }

/** Indexes of the faces found in the do-not-clone registry, and the best registry score seen. */
export async function registryHits(q: Queryable, exceptSubjectId: string | null, faces: readonly Face[]): Promise<{ listed: number[]; score: number | null; entries: number }> {
  const check = await loadRegistry(q, exceptSubjectId);
  const listed: number[] = [];
  let score: number | null = null, entries = 0;
  faces.forEach((f, i) => {
    const r = check(f.face.embedding);
    entries = r.entries;
    if (r.score !== null) score = Math.max(score ?? -1, r.score);
    if (r.listed) listed.push(i);
  });
  return { listed, score, entries };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * One face as the review console draws it: the box in the original's pixels (clipped to the
 * picture), the detector's score, size, the rules' classes, and what the checks found.
 */
export function faceEvidence(
  f: Face,
  frame: { width: number; height: number; scale?: number; timestampMs?: number },
  extra: { matched?: boolean; similarity?: number | null; listed?: boolean } = {},
): Record<string, unknown> {
  const k = frame.scale ?? 1;
  const x0 = Math.max(0, f.face.box.x), y0 = Math.max(0, f.face.box.y);
  const x1 = Math.min(frame.width, f.face.box.x + f.face.box.width), y1 = Math.min(frame.height, f.face.box.y + f.face.box.height);
  return {
    ...(frame.timestampMs === undefined ? {} : { timestampMs: frame.timestampMs }),
    box: { x: Math.round(x0 * k), y: Math.round(y0 * k), width: Math.round((x1 - x0) * k), height: Math.round((y1 - y0) * k) },
    score: round(f.face.score, 3),
    size: Math.round(f.size * k),
    relative_size: round(f.relativeSize, 2),
    usable: f.usable,
    significant: f.significant,
    age_status: f.ageStatus,
    estimated_age: f.estimatedAge === null ? null : round(f.estimatedAge),
    quality: { sharpness: round(f.face.quality.sharpness, 2), yaw: round(f.face.quality.yaw, 2), roll: round(f.face.quality.roll) },
    ...(extra.matched === undefined ? {} : { matched: extra.matched, similarity: extra.similarity ?? null }),
    ...(extra.listed ? { do_not_clone: true } : {}),
  };
}

export interface ReferenceFaces {
  check: CheckResult;
  embeddings: FaceEmbedding[];
}

/**
 * The ceremony's face check: up to `frames` frames, one per second, must each show one person.
 * A frame's one significant face gives an embedding; a second significant face fails the
 * check (`face.multiple_faces`), and so does a swap of person between frames.
 */
export async function referenceFaces(ffmpegPath: string, ffprobePath: string, recording: string, frames = 3): Promise<ReferenceFaces> {
  const noVideo: ReferenceFaces = { check: { status: 'fail', reason: 'face.no_video', score: null, evidence: {} }, embeddings: [] };
  let video: { width: number; height: number; durationSeconds: number };
  try {
    const probe = await ffprobe(ffprobePath, recording);
    const v = probe.streams.find((s) => s.codec_type === 'video');
    if (!v?.width || !v.height) return noVideo;
    video = { width: v.width, height: v.height, durationSeconds: Number(probe.format.duration ?? v.duration ?? 0) || 0 };
  } catch {
    return noVideo;
  }
  const embeddings: FaceEmbedding[] = [];
  const multipleAtMs: number[] = [];
  const faces: Record<string, unknown>[] = [];
  let sampled = 0;
  try {
    // Spread over at most `frames` seconds: the statement's first seconds, as before.
    for await (const f of videoFaces(ffmpegPath, recording, { ...video, durationSeconds: Math.min(video.durationSeconds, frames) }, { maxFrames: frames })) {
      sampled++;
      const significant = f.faces.filter((x) => x.significant);
      if (significant.length >= 2) multipleAtMs.push(f.timestampMs);
      else if (significant.length === 1) embeddings.push(significant[0]!.face.embedding);
      for (const x of f.faces) faces.push(faceEvidence(x, f));
    }
  } catch (e) {
    // A model that cannot run never reads as "no face": the ceremony fails closed upstream.
    if (e instanceof InferenceError) throw e;
  }
  if (!sampled) return noVideo;
  const evidence = { frames: sampled, frames_with_face: embeddings.length + multipleAtMs.length, faces };
  if (multipleAtMs.length) {
    return { check: { status: 'fail', reason: 'face.multiple_faces', score: null, evidence: { ...evidence, multiple_faces_at_ms: multipleAtMs } }, embeddings: [] };
  }
  if (!embeddings.length) return { check: { status: 'fail', reason: 'face.not_found', score: 0, evidence }, embeddings };
  // Frames of one recording must show one person: a swap mid-recording is a failure.
  let low = 1;
  for (let i = 1; i < embeddings.length; i++) low = Math.min(low, faceSimilarity(embeddings[0]!, embeddings[i]!));
  const consistent = low >= FACE_MATCH_THRESHOLD;
  return {
    check: {
      status: consistent ? 'pass' : 'fail',
      ...(consistent ? {} : { reason: 'face.inconsistent' }),
      score: Math.round(low * 1000) / 1000,
      threshold: FACE_MATCH_THRESHOLD,
      evidence,
    },
    embeddings,
  };
}

export async function storeReferences(q: Queryable, attestationId: string, challengeId: string, embeddings: FaceEmbedding[]): Promise<void> {
  for (const e of embeddings) {
    await q.query('insert into consent_face_refs (attestation_id, challenge_id, model, vector) values ($1, $2, $3, $4)', [
      attestationId, challengeId, e.model, JSON.stringify(Array.from(e.vector)),
    ]);
  }
}
