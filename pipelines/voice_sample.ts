import { consentStage } from './stages/consent';
import { consentVoiceStage } from './stages/consent-voice';
import { decideStore } from './stages/decide-store';
import { moderateSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import type { PipelineDef } from './types';

// A voice clone needs enough speech to learn from; one second is the floor for any audio.
// The speaker must be the consenting voice (consent.voice) before the speech is moderated.
export const voiceSample: PipelineDef = {
  kind: 'voice_sample',
  stages: [probeAv({ video: false, audio: true, minSeconds: 1 }), consentStage, consentVoiceStage, moderateSpeechStage, decideStore],
  stopOn: ['reject', 'block'],
};
