import { decideStore } from './stages/decide-store';
import { probeText } from './stages/probe-text';
import { moderateTextStage } from './stages/moderate-text';
import type { PipelineDef } from './types';

export const drivingText: PipelineDef = {
  kind: 'driving_text',
  stages: [probeText, moderateTextStage, decideStore],
  stopOn: ['reject', 'block'],
};
