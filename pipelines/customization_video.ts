import { consentStage } from './stages/consent';
import { consentFaceStage } from './stages/consent-face';
import { decideStore } from './stages/decide-store';
import { moderateVideoSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import { moderateVideoStage } from './stages/moderate-video';
import type { PipelineDef } from './types';

export const customizationVideo: PipelineDef = {
  kind: 'customization_video',
  stages: [probeAv({ video: true, audio: false, minSeconds: 1 }), consentStage, consentFaceStage, moderateVideoStage, moderateVideoSpeechStage, decideStore],
  stopOn: ['reject', 'block'],
};
