import { decideStore } from './stages/decide-store';
import { probeImage } from './stages/probe-image';
import type { PipelineDef } from './types';

export const portraitImage: PipelineDef = {
  kind: 'portrait_image',
  stages: [probeImage, decideStore],
  stopOn: ['reject', 'block'],
};
