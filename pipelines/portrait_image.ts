import { consentStage } from './stages/consent';
import { decideStore } from './stages/decide-store';
import { probeImage } from './stages/probe-image';
import { moderateImageStage } from './stages/moderate-image';
import type { PipelineDef } from './types';

export const portraitImage: PipelineDef = {
  kind: 'portrait_image',
  stages: [probeImage, consentStage, moderateImageStage, decideStore],
  stopOn: ['reject', 'block'],
};
