import { consentStage } from './stages/consent';
import { decideStore } from './stages/decide-store';
import { moderateSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import type { PipelineDef } from './types';

// A voice clone needs enough speech to learn from; one second is the floor for any audio.
export const voiceSample: PipelineDef = {
  kind: 'voice_sample',
  stages: [probeAv({ video: false, audio: true, minSeconds: 1 }), consentStage, moderateSpeechStage, decideStore],
  stopOn: ['reject', 'block'],
};
