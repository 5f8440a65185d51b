import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { matchAgainstConsent, referenceFaces } from '../../src/consent/faces';
import { getAttestation, isUuid, type AttestationRow } from '../../src/consent/repo';
import type { Queryable } from '../../src/db/db';
import { estimatedMinorNeedsGuardian } from '../../src/consent/rules';
import { analyzeFaces } from '../../src/inference/index.js';
import type { Stage, StageOutcome } from '../types';

/**
 * The face in a portrait, or in every sampled frame of a customization video, must be the face that consented: matched against the references
 * taken from the attestation's consent video. A different person rejects the item; no
 * reference yet (no face ceremony) sends it to review. A face the age model estimates
 * under 18 needs a guardian attestation. A face in the do-not-clone registry is rejected
 * whatever attestation it carries.
 */
export const consentFaceStage: Stage = {
  name: 'consent.face',
  role: 'consent',
  requires: ['account'],
  async run({ media, file, capabilities, limits }) {
    if (!isUuid(media.consentId)) return { status: 'skipped', reason: 'consent.missing' };
    const db = capabilities.account!.db;
    const attestation = await getAttestation(db, media.tenantId, media.consentId);
    if (!attestation) return { status: 'skipped', reason: 'consent.missing' };
    if (media.kind === 'customization_video') return matchVideo(db, attestation, file, limits.ffmpegPath);
    // The best face, decoded and detected once; embedding and age come from the same face.
    const [face] = await analyzeFaces(new Uint8Array(await fs.readFile(file)), { maxFaces: 1 });
    const r = await matchAgainstConsent(db, attestation, face?.embedding ?? null);
    const age = face?.age.age ?? null;
    const evidence = { ...r.evidence, score: r.score, threshold: r.threshold ?? null, estimated_age: age === null ? null : Math.round(age * 10) / 10 };
    if (r.status !== 'fail' && estimatedMinorNeedsGuardian(age, attestation.relation)) {
      return { status: 'reject', reason: 'consent.guardian_required', evidence: { ...evidence, minor: 'estimated' } };
    }
    if (r.status === 'pass') return { status: 'pass', evidence };
    if (r.status === 'unverified') return { status: 'review', reason: r.reason, evidence };
    return { status: 'reject', reason: r.reason, evidence };
  },
};

/**
 * Every sampled frame with a face (one per second, up to 10) must match; the worst frame
 * decides. A video with no face at all has nothing to consent for here: review.
 */
async function matchVideo(db: Queryable, attestation: AttestationRow, file: string, ffmpegPath: string): Promise<StageOutcome> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lg-consent-frames-'));
  try {
    const { embeddings, check } = await referenceFaces(ffmpegPath, file, dir, 10);
    if (!embeddings.length) return { status: 'review', reason: 'consent.face_not_found', evidence: check.evidence };
    const results = [];
    for (const e of embeddings) results.push(await matchAgainstConsent(db, attestation, e));
    const failed = results.filter((r) => r.status === 'fail');
    const worst = (failed.length ? failed : results).reduce((a, b) => ((a.score ?? 1) <= (b.score ?? 1) ? a : b));
    const evidence = { frames_with_face: embeddings.length, frames_failed: failed.length, score: worst.score, threshold: worst.threshold ?? null };
    if (failed.length) return { status: 'reject', reason: worst.reason, evidence };
    if (worst.status === 'unverified') return { status: 'review', reason: worst.reason, evidence };
    return { status: 'pass', evidence };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
