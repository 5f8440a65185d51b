import { AppError } from '../../src/core/errors';
import { decodesToTheEnd, ffprobe } from '../../src/media/ffprobe';
import type { Stage } from '../types';

/**
 * Audio and video items: the streams the kind needs exist, the duration is sane, and (unless
 * `decode: false`, when probeDecode follows as its own stage) every packet decodes.
 */
export function probeAv(need: { video: boolean; audio: boolean; minSeconds: number; decode?: boolean }): Stage {
  return {
    name: need.video ? 'probe.video' : 'probe.audio',
    role: 'probe',
    async run({ file, limits, facts, signal }) {
      const probe = await ffprobe(limits.ffprobePath, file, signal);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const audio = probe.streams.find((s) => s.codec_type === 'audio');
      if (need.video && !video) throw new AppError('media.no_stream', 'the file has no video stream');
      if (need.audio && !audio) throw new AppError('media.no_stream', 'the file has no audio stream');
      const seconds = Number(probe.format.duration ?? video?.duration ?? audio?.duration ?? NaN);
      if (!Number.isFinite(seconds)) throw new AppError('media.corrupt', 'the duration cannot be determined');
      if (seconds > limits.maxMediaSeconds) {
        throw new AppError('media.too_long', `${seconds.toFixed(1)} s is over the ${limits.maxMediaSeconds} s limit`);
      }
      if (seconds < need.minSeconds) {
        throw new AppError('media.too_short', `${seconds.toFixed(2)} s is under the ${need.minSeconds} s minimum`);
      }
      if (need.decode !== false) await decodesToTheEnd(limits.ffmpegPath, file, seconds, signal);
      const evidence = {
        container: probe.format.format_name,
        durationSeconds: seconds,
        video: video && { codec: video.codec_name, width: video.width, height: video.height },
        audio: audio && { codec: audio.codec_name, sampleRate: Number(audio.sample_rate), channels: audio.channels },
      };
      facts.av = evidence;
      return { status: 'pass', evidence };
    },
  };
}

/**
 * Every packet decodes to the declared end, as its own stage after probeAv({ decode: false }):
 * the frame checks can then run beside it (`concurrentWithPrevious`) instead of after a full
 * extra decode, with the same verdicts, since a corrupt file still ends as this stage's reject.
 */
export const probeDecode: Stage = {
  name: 'probe.decode',
  role: 'probe',
  async run({ file, limits, facts, signal }) {
    const av = facts.av as { durationSeconds?: number } | undefined;
    if (typeof av?.durationSeconds !== 'number') throw new Error('probe.decode needs probe.video or probe.audio to run first');
    const { decodedSeconds } = await decodesToTheEnd(limits.ffmpegPath, file, av.durationSeconds, signal);
    return { status: 'pass', evidence: { decodedSeconds } };
  },
};
