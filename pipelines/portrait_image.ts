import { consentStage } from './stages/consent';
import { consentFaceStage } from './stages/consent-face';
import { decideStore } from './stages/decide-store';
import { probeImage } from './stages/probe-image';
import { moderateImageStage } from './stages/moderate-image';
import type { PipelineDef } from './types';

export const portraitImage: PipelineDef = {
  kind: 'portrait_image',
  stages: [probeImage, consentStage, consentFaceStage, moderateImageStage, decideStore],
  stopOn: ['reject', 'block'],
};
