import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { decodeAudio } from '../speech/decode';
import { SpeakerError, voiceSimilarity, type SpeakerSlot, type VoiceEmbedding } from '../speech/speaker';
import type { CheckResult } from './asr/types';

/**
 * The voice side of consent: a voice-scope ceremony whose statement was heard gives a
 * reference embedding (when an operator installed a speaker model); every voice_sample
 * relying on the attestation must match one of the references made by the same model.
 * References never outlive the consent (revocation and expiry delete them).
 */
export async function storeVoiceReference(q: Queryable, attestationId: string, challengeId: string, e: VoiceEmbedding): Promise<void> {
  await q.query('insert into consent_voice_refs (attestation_id, challenge_id, model, vector, speech_ms) values ($1, $2, $3, $4, $5)', [
    attestationId, challengeId, e.model, JSON.stringify(Array.from(e.vector)), e.speechMs,
  ]);
}

export async function deleteVoiceReferences(q: Queryable, attestationId: string): Promise<number> {
  return (await q.query('delete from consent_voice_refs where attestation_id = $1 returning id', [attestationId])).length;
}

/**
 * Best cosine of `voice` to the attestation's references of the same model. No reference
 * (no voice ceremony yet, or only references of another model) is `unverified`: a person
 * listens. Rounded scores are reported; the decision uses the exact one.
 */
export async function matchVoice(q: Queryable, attestationId: string, voice: VoiceEmbedding, threshold: number): Promise<CheckResult> {
  const all = await q.query<{ model: string; vector: number[] }>('select model, vector from consent_voice_refs where attestation_id = $1', [attestationId]);
  const refs = all.filter((r) => r.model === voice.model);
  const evidence = { references: refs.length, other_model_references: all.length - refs.length, speech_ms: voice.speechMs };
  if (!refs.length) return { status: 'unverified', reason: 'consent.voice_unverified', score: null, threshold, evidence };
  const best = Math.max(...refs.map((r) => voiceSimilarity(voice.vector, r.vector)));
  const score = Math.round(best * 10_000) / 10_000;
  return best >= threshold
    ? { status: 'pass', score, threshold, evidence }
    : { status: 'fail', reason: 'consent.voice_mismatch', score, threshold, evidence };
}

/**
 * The ceremony's side: the recording's voice embedding, as a check (`pass` when a reference
 * was made). A model that cannot run is `unverified`, so the ceremony goes to review rather
 * than verifying a voice consent whose voice nothing can be matched against.
 */
export async function voiceReference(slot: SpeakerSlot, ffmpegPath: string, recording: string): Promise<{ check: CheckResult; embedding?: VoiceEmbedding }> {
  try {
    const embedding = await slot.embed(await decodeAudio(ffmpegPath, recording));
    const m = await slot.manifest();
    return {
      check: { status: 'pass', score: null, evidence: { reference: 'stored', speaker_model: { name: m.name, version: m.version }, speech_ms: embedding.speechMs, dims: embedding.vector.length } },
      embedding,
    };
  } catch (e) {
    if (!(e instanceof SpeakerError || e instanceof AppError)) throw e;
    return { check: { status: 'unverified', reason: 'voice.reference_failed', score: null, evidence: { error: e.code, message: e.message.slice(0, 300) } } };
  }
}
