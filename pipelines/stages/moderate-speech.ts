import { AppError } from '../../src/core/errors';
import { policiesFor } from '../../src/moderation/store/policies';
import { analyseSpeech } from '../../src/speech/analyse';
import { recognizerFor } from '../../src/speech/asr/registry';
import { speechConfig } from '../../src/speech/config';
import { decodeAudio } from '../../src/speech/decode';
import { declaredLanguage } from '../../src/speech/language';
import type { Stage } from '../types';
import { unlessModelFails } from './model-guard';
import { moderationOutcome } from './moderation-outcome';

/**
 * Speech in audio items and in videos' audio tracks: VAD segments, the transcript of the
 * recogniser for the upload's language (declared on the item, else SPEECH_DEFAULT_LANGUAGE)
 * through the text moderator, evidence with time ranges. No recogniser for the language →
 * review (`asr_unavailable`). A voice sample without speech is useless for cloning and is
 * rejected (`media.no_speech`); other kinds without speech have nothing to moderate here.
 */
export function moderateSpeech(opts: { language?: string } = {}): Stage {
  return {
    name: 'moderate.speech',
  role: 'moderation',
    run: ({ media, file, limits, capabilities, facts, signal }) =>
      unlessModelFails(async () => {
        const av = facts.av as { audio?: unknown } | undefined;
        if (!av) throw new Error('moderate.speech needs probe.audio/probe.video to run first');
        if (!av.audio) return { status: 'pass', evidence: { audio: false } };
        const config = speechConfig();
        const db = capabilities.account?.db;
        const language = opts.language ?? (await declaredLanguage(db, media.id)) ?? config.defaultLanguage;
        const { active, shadow } = await policiesFor(db, media.tenantId, media.kind);
        const pcm = await decodeAudio(limits.ffmpegPath, file, signal);
        const a = await analyseSpeech(pcm, { language, recognizer: recognizerFor(language, config), policy: active, shadow, processes: config.asrProcesses, signal });
        const evidence = { language: a.language, speechMs: a.speechMs, segments: a.segments, asr: a.asr };
        if (a.noSpeech && media.kind === 'voice_sample') {
          throw new AppError('media.no_speech', 'the voice sample contains no recognisable speech', evidence);
        }
        const outcome = moderationOutcome(a.result);
        return { ...outcome, evidence: { ...outcome.evidence, ...evidence } };
      }),
  };
}

export const moderateSpeechStage = moderateSpeech();

/** A video's audio track, decoded and recognised while its frames are checked: neither reads the other. */
export const moderateVideoSpeechStage: Stage = { ...moderateSpeechStage, concurrentWithPrevious: true };
