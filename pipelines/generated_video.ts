import { generatedFacesStage } from './stages/consent-faces-generated';
import { decideStore } from './stages/decide-store';
import { moderateVideoSpeechStage } from './stages/moderate-speech';
import { probeAv, probeDecode } from './stages/probe-av';
import { moderateVideoStage } from './stages/moderate-video';
import type { PipelineDef } from './types';

/**
 * No consent stage reads the file, so the frames, the speech and the faces (do-not-clone and
 * estimated minors, `consent.faces`) are checked while the full decode check runs (all four at
 * once; a corrupt file still ends as probe.decode's reject).
 */
export const generatedVideo: PipelineDef = {
  kind: 'generated_video',
  stages: [
    probeAv({ video: true, audio: false, minSeconds: 0.1, decode: false }),
    probeDecode,
    { ...moderateVideoStage, concurrentWithPrevious: true },
    moderateVideoSpeechStage,
    { ...generatedFacesStage, concurrentWithPrevious: true },
    decideStore,
  ],
  stopOn: ['reject', 'block'],
};
