import { consentStage } from './stages/consent';
import { decideStore } from './stages/decide-store';
import { probeAv } from './stages/probe-av';
import { moderateVideoStage } from './stages/moderate-video';
import type { PipelineDef } from './types';

export const customizationVideo: PipelineDef = {
  kind: 'customization_video',
  stages: [probeAv({ video: true, audio: false, minSeconds: 1 }), consentStage, moderateVideoStage, decideStore],
  stopOn: ['reject', 'block'],
};
