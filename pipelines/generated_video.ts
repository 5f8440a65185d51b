import { decideStore } from './stages/decide-store';
import { moderateSpeechStage } from './stages/moderate-speech';
import { probeAv } from './stages/probe-av';
import { moderateVideoStage } from './stages/moderate-video';
import type { PipelineDef } from './types';

/** The audio track is decoded and recognised while the frames are checked: neither reads the other. */
const videoSpeech = { ...moderateSpeechStage, concurrentWithPrevious: true };

export const generatedVideo: PipelineDef = {
  kind: 'generated_video',
  stages: [probeAv({ video: true, audio: false, minSeconds: 0.1 }), moderateVideoStage, videoSpeech, decideStore],
  stopOn: ['reject', 'block'],
};
