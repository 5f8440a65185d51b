import { getAttestation, isUuid } from '../../src/consent/repo';
import { matchVoice } from '../../src/consent/voices';
import { AppError } from '../../src/core/errors';
import { decodeAudio } from '../../src/speech/decode';
import { speakerSlot, SpeakerError, type SpeakerManifest } from '../../src/speech/speaker';
import type { Stage } from '../types';

/**
 * The voice in a voice_sample must be the voice that consented: its speaker embedding is
 * matched against the reference taken from the attestation's ceremony recording, with the
 * operator's speaker model (`SPEAKER_MODEL_DIR`) and its manifest threshold. Fails closed:
 * no model installed, no reference yet, or a model that cannot run → `review`; only a
 * score at or above the threshold passes; below it the item is rejected as another voice.
 */
export const consentVoiceStage: Stage = {
  name: 'consent.voice',
  role: 'consent',
  requires: ['account'],
  async run({ media, file, limits, capabilities, signal }) {
    const slot = speakerSlot();
    if (!slot) return { status: 'review', reason: 'consent.voice_unverified', evidence: { voice_match: 'unverified', speaker_model: null } };
    if (!isUuid(media.consentId)) return { status: 'skipped', reason: 'consent.missing' };
    const db = capabilities.account!.db;
    const attestation = await getAttestation(db, media.tenantId, media.consentId);
    if (!attestation) return { status: 'skipped', reason: 'consent.missing' };

    let manifest: SpeakerManifest | undefined;
    try {
      manifest = await slot.manifest();
      const pcm = await decodeAudio(limits.ffmpegPath, file, signal);
      const voice = await slot.embed(pcm);
      const r = await matchVoice(db, attestation.id, voice, manifest.threshold);
      const evidence = { ...r.evidence, score: r.score, threshold: manifest.threshold, speaker_model: { name: manifest.name, version: manifest.version } };
      if (r.status === 'pass') return { status: 'pass', evidence };
      if (r.status === 'unverified') return { status: 'review', reason: r.reason, evidence };
      return { status: 'reject', reason: r.reason, evidence };
    } catch (e) {
      // An undecodable file is the probe's and moderate.speech's verdict; here it only means no match.
      if (!(e instanceof SpeakerError || e instanceof AppError)) throw e;
      return {
        status: 'review',
        reason: 'consent.voice_check_failed',
        evidence: {
          error: e.code,
          message: e.message.slice(0, 300),
          speaker_model: manifest ? { name: manifest.name, version: manifest.version } : null,
          threshold: manifest?.threshold ?? null,
        },
      };
    }
  },
};
