import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Queryable } from '../db/db';
import { analyzeFaces, faceSimilarity, FACE_MATCH_THRESHOLD, type FaceEmbedding } from '../inference/index.js';
import type { CheckResult } from './asr/types';
import { checkFace } from './do-not-clone';

const run = promisify(execFile);

/**
 * The face side of consent: the consent video's frames give reference embeddings; every
 * portrait relying on the attestation must match one of them (cosine ≥ the calibrated
 * FACE_MATCH_THRESHOLD, see models/README.md).
 */
export interface ReferenceFaces {
  check: CheckResult;
  embeddings: FaceEmbedding[];
}

/** Up to `frames` frames, one per second, from a recording; each with a face gives an embedding. */
export async function referenceFaces(ffmpegPath: string, recording: string, dir: string, frames = 3): Promise<ReferenceFaces> {
  try {
    await run(ffmpegPath, ['-v', 'error', '-y', '-i', recording, '-vf', 'fps=1', '-frames:v', String(frames), path.join(dir, 'frame-%d.jpg')]);
  } catch {
    return { check: { status: 'fail', reason: 'face.no_video', score: null, evidence: {} }, embeddings: [] };
  }
  const files = (await fs.readdir(dir)).filter((f) => f.startsWith('frame-')).sort();
  const embeddings: FaceEmbedding[] = [];
  for (const f of files) {
    const [face] = await analyzeFaces(new Uint8Array(await fs.readFile(path.join(dir, f))), { maxFaces: 1 });
    if (face) embeddings.push(face.embedding);
  }
  if (!files.length) return { check: { status: 'fail', reason: 'face.no_video', score: null, evidence: {} }, embeddings };
  const evidence = { frames: files.length, frames_with_face: embeddings.length };
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

/**
 * Best similarity of a face (null: none found) to the attestation's references, after
 * the do-not-clone registry: a listed face fails whatever the references say.
 */
export async function matchAgainstConsent(q: Queryable, attestation: { id: string; subject_id: string }, face: FaceEmbedding | null): Promise<CheckResult> {
  const refs = await q.query<{ vector: number[] }>('select vector from consent_face_refs where attestation_id = $1', [attestation.id]);
  if (face) {
    const listed = await checkFace(q, face, attestation.subject_id);
    if (listed.listed) return { status: 'fail', reason: 'consent.do_not_clone', score: listed.score, threshold: FACE_MATCH_THRESHOLD, evidence: { registry_entries: listed.entries } };
  }
  if (!refs.length) return { status: 'unverified', reason: 'consent.face_unverified', score: null, evidence: { references: 0 } };
  if (!face) return { status: 'fail', reason: 'consent.face_not_found', score: null, evidence: { references: refs.length } };
  const best = Math.max(...refs.map((r) => faceSimilarity(face, { ...face, vector: Float32Array.from(r.vector) })));
  const score = Math.round(best * 1000) / 1000;
  const evidence = { references: refs.length };
  return best >= FACE_MATCH_THRESHOLD
    ? { status: 'pass', score, threshold: FACE_MATCH_THRESHOLD, evidence }
    : { status: 'fail', reason: 'consent.face_mismatch', score, threshold: FACE_MATCH_THRESHOLD, evidence };
}
