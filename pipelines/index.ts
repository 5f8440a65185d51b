import type { MediaKind } from '../src/media/kinds';
import { customizationVideo } from './customization_video';
import { drivingAudio } from './driving_audio';
import { drivingText } from './driving_text';
import { generatedVideo } from './generated_video';
import { portraitImage } from './portrait_image';
import type { PipelineDef } from './types';
import { voiceSample } from './voice_sample';

export const PIPELINES: Record<MediaKind, PipelineDef> = {
  portrait_image: portraitImage,
  customization_video: customizationVideo,
  voice_sample: voiceSample,
  driving_audio: drivingAudio,
  driving_text: drivingText,
  generated_video: generatedVideo,
};

export { runPipeline } from './runner';
export type * from './types';
