// A bare stage context and pipeline for runner tests: no file, no tools, nothing aborted.
import type { PipelineDef, Stage } from '../../pipelines/types';
import type { MediaKind } from '../../src/media/kinds';

export function runnerBase(kind: MediaKind, contentType: string) {
  return {
    media: { id: 'm', tenantId: 't', kind, contentType, sizeBytes: 1, sha256: '' },
    file: '/dev/null',
    limits: { maxImagePixels: 1, maxTextChars: 1, maxMediaSeconds: 1, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
    capabilities: {},
    signal: new AbortController().signal,
  };
}

export const pipelineOf = (kind: MediaKind, stages: Stage[]): PipelineDef => ({ kind, stages, stopOn: ['reject', 'block'] });
