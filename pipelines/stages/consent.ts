import { usabilityFor } from '../../src/consent/attestations';
import { KINDS } from '../../src/media/kinds';
import { speakerSlot } from '../../src/speech/speaker';
import type { Stage } from '../types';

/**
 * Consent for every item that carries a face or a voice: the attestation the upload
 * names must exist, be in force, cover the likeness (scope) and the use (purpose), be
 * a separate biometric consent, and come from a guardian for a minor. Checked again
 * here although the upload was checked, because the item may have waited in the queue
 * while the attestation was revoked or ran out. An attestation whose ceremony has not
 * verified it yet sends the item to human review: declared consent is not proof.
 */
export const consentStage: Stage = {
  name: 'consent',
  role: 'consent',
  requires: ['account'],
  async run({ media, capabilities }) {
    if (!KINDS[media.kind].carriesLikeness) return { status: 'pass', evidence: { required: false } };
    const { usability, attestation } = await usabilityFor(capabilities.account!.db, {
      tenantId: media.tenantId,
      kind: media.kind,
      consentId: media.consentId,
      subjectId: media.subjectId,
    });
    const evidence = {
      attestation_id: attestation?.id ?? null,
      state: attestation?.state ?? null,
      verification: attestation?.verification ?? null,
      valid_until: attestation ? new Date(attestation.valid_until).toISOString() : null,
    };
    if (!usability.ok) return { status: 'reject', reason: usability.code, evidence: { ...evidence, message: usability.message } };
    if (!usability.verified) return { status: 'review', reason: 'consent.unverified', evidence };
    // A voice to clone must be the consenting speaker's. No speaker-embedding model ships
    // (none installs offline): with the slot empty the match is unverified and a person
    // listens, never a pass. With a model installed, consent.voice decides the match.
    if (media.kind === 'voice_sample' && !speakerSlot()) return { status: 'review', reason: 'consent.voice_unverified', evidence: { ...evidence, voice_match: 'unverified' } };
    return { status: 'pass', evidence };
  },
};
