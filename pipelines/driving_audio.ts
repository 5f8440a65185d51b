import { consentStage } from './stages/consent';
import { decideStore } from './stages/decide-store';
import { moderateSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import type { PipelineDef } from './types';

export const drivingAudio: PipelineDef = {
  kind: 'driving_audio',
  stages: [probeAv({ video: false, audio: true, minSeconds: 0.1 }), consentStage, moderateSpeechStage, decideStore],
  stopOn: ['reject', 'block'],
};
