import { AppError } from '../../src/core/errors';
import { ffprobe, runTool } from '../../src/media/ffprobe';
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

/**
 * Every packet decodes (errors fail with -xerror) and the decoded streams reach the declared
 * duration. The second half matters for containers whose demuxers treat a cut-off file as a
 * quiet end (Matroska/WebM "File ended prematurely", MP3 with a frame count in its header):
 * ffmpeg exits 0 there, having decoded half the video. The slack (10 %, at least 0.5 s)
 * absorbs encoder delay and estimated durations; a stream that breaks half-way is far past it.
 */
async function decodesToTheEnd(ffmpegPath: string, file: string, declaredSeconds: number, signal: AbortSignal): Promise<void> {
  const args = ['-v', 'error', '-xerror', '-nostats', '-threads', '1', '-i', file, '-progress', 'pipe:1', '-f', 'null', '-'];
  const r = await runTool(ffmpegPath, args, signal);
  const tool = r.stderr.split('\n').find((l) => l.trim())?.slice(0, 300) ?? '';
  if (r.code !== 0) throw new AppError('media.corrupt', 'the media does not decode cleanly', { tool });
  // -progress prints `out_time_us=N` blocks; the last one is where decoding ended (N/A: nothing decoded).
  const last = [...r.stdout.matchAll(/^out_time_us=(\d+)$/gm)].at(-1);
  const decodedSeconds = last ? Number(last[1]) / 1e6 : 0;
  if (declaredSeconds - decodedSeconds > Math.max(0.5, declaredSeconds * 0.1)) {
    throw new AppError('media.corrupt', `the stream ends at ${decodedSeconds.toFixed(2)} s of its declared ${declaredSeconds.toFixed(2)} s`, {
      declaredSeconds,
      decodedSeconds,
    });
  }
}
