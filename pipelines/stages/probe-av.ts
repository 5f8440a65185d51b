import { AppError } from '../../src/core/errors';
import { decodesToTheEnd, ffprobe } from '../../src/media/ffprobe';
import type { Stage } from '../types';

/** Audio and video items: the streams the kind needs exist, the duration is sane, every packet decodes. */
export function probeAv(need: { video: boolean; audio: boolean; minSeconds: number }): Stage {
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
      await decodesToTheEnd(limits.ffmpegPath, file, seconds, signal);
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
