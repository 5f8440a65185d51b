import { decideStore } from './stages/decide-store';
import { moderateVideoSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import { moderateVideoStage } from './stages/moderate-video';
import type { PipelineDef } from './types';

export const generatedVideo: PipelineDef = {
  kind: 'generated_video',
  stages: [probeAv({ video: true, audio: false, minSeconds: 0.1 }), moderateVideoStage, moderateVideoSpeechStage, decideStore],
  stopOn: ['reject', 'block'],
};
