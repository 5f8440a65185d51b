import fs from 'node:fs/promises';
import { matchAgainstConsent } from '../../src/consent/faces';
import { isUuid } from '../../src/consent/repo';
import type { Stage } from '../types';

/**
 * The face in a portrait must be the face that consented: matched against the references
 * taken from the attestation's consent video. A different person rejects the item; no
 * reference yet (no face ceremony) sends it to review.
 */
export const consentFaceStage: Stage = {
  name: 'consent.face',
  requires: ['account'],
  async run({ media, file, capabilities }) {
    if (!isUuid(media.consentId)) return { status: 'skipped', reason: 'consent.missing' };
    const r = await matchAgainstConsent(capabilities.account!.db, media.consentId, new Uint8Array(await fs.readFile(file)));
    const evidence = { ...r.evidence, score: r.score, threshold: r.threshold ?? null };
    if (r.status === 'pass') return { status: 'pass', evidence };
    if (r.status === 'unverified') return { status: 'review', reason: r.reason, evidence };
    return { status: 'reject', reason: r.reason, evidence };
  },
};
