import { decideStore } from './stages/decide-store';
import { probeAv } from './stages/probe-av';
import type { PipelineDef } from './types';

export const customizationVideo: PipelineDef = {
  kind: 'customization_video',
  stages: [probeAv({ video: true, audio: false, minSeconds: 1 }), decideStore],
  stopOn: ['reject', 'block'],
};
