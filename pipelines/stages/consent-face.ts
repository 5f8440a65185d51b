import fs from 'node:fs/promises';
import { matchAgainstConsent } from '../../src/consent/faces';
import { getAttestation, isUuid } from '../../src/consent/repo';
import { estimatedMinorNeedsGuardian } from '../../src/consent/rules';
import { estimateAge } from '../../src/inference/index.js';
import type { Stage } from '../types';

/**
 * The face in a portrait must be the face that consented: matched against the references
 * taken from the attestation's consent video. A different person rejects the item; no
 * reference yet (no face ceremony) sends it to review. A face the age model estimates
 * under 18 needs a guardian attestation. A face in the do-not-clone registry is rejected
 * whatever attestation it carries.
 */
export const consentFaceStage: Stage = {
  name: 'consent.face',
  requires: ['account'],
  async run({ media, file, capabilities }) {
    if (!isUuid(media.consentId)) return { status: 'skipped', reason: 'consent.missing' };
    const db = capabilities.account!.db;
    const attestation = await getAttestation(db, media.tenantId, media.consentId);
    if (!attestation) return { status: 'skipped', reason: 'consent.missing' };
    const image = new Uint8Array(await fs.readFile(file));
    const r = await matchAgainstConsent(db, attestation, image);
    const age = (await estimateAge(image))?.age ?? null;
    const evidence = { ...r.evidence, score: r.score, threshold: r.threshold ?? null, estimated_age: age === null ? null : Math.round(age * 10) / 10 };
    if (r.status !== 'fail' && estimatedMinorNeedsGuardian(age, attestation.relation)) {
      return { status: 'reject', reason: 'consent.guardian_required', evidence: { ...evidence, minor: 'estimated' } };
    }
    if (r.status === 'pass') return { status: 'pass', evidence };
    if (r.status === 'unverified') return { status: 'review', reason: r.reason, evidence };
    return { status: 'reject', reason: r.reason, evidence };
  },
};
