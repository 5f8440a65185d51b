import { decideStore } from './stages/decide-store';
import { probeImage } from './stages/probe-image';
import { moderateImageStage } from './stages/moderate-image';
import type { PipelineDef } from './types';

export const portraitImage: PipelineDef = {
  kind: 'portrait_image',
  stages: [probeImage, moderateImageStage, decideStore],
  stopOn: ['reject', 'block'],
};
