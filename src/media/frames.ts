import { spawn } from 'node:child_process';
import type { RgbImage } from '../inference';

export interface SampledFrame {
  index: number;
  timestampMs: number;
  image: RgbImage;
}

export interface FrameSampling {
  /** At least one frame per this many seconds. */
  intervalSeconds: number;
  /** Also take a frame at every scene change scoring above this (0–1). */
  sceneThreshold: number;
  /** Long side of the frames handed out, in pixels. */
  maxSide: number;
}

export const DEFAULT_SAMPLING: FrameSampling = { intervalSeconds: 1, sceneThreshold: 0.3, maxSide: 448 };

/**
 * Frames from a video by ffmpeg: every `intervalSeconds` and at scene changes, so an
 * advert cut into the middle of a clip is seen even between ticks. Frames arrive as
 * raw RGB; their timestamps come from ffmpeg's showinfo lines. Breaking out of the
 * loop (early exit on a confident block) stops ffmpeg.
 */
export async function* sampleFrames(
  ffmpegPath: string,
  file: string,
  source: { width: number; height: number },
  opts: FrameSampling = DEFAULT_SAMPLING,
  signal?: AbortSignal,
): AsyncGenerator<SampledFrame> {
  const scale = Math.min(1, opts.maxSide / Math.max(source.width, source.height));
  const width = Math.max(2, Math.round((source.width * scale) / 2) * 2);
  const height = Math.max(2, Math.round((source.height * scale) / 2) * 2);
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${opts.intervalSeconds})+gt(scene\\,${opts.sceneThreshold})'`;
  const child = spawn(
    ffmpegPath,
    ['-v', 'info', '-nostats', '-i', file, '-an', '-vf', `${select},showinfo,scale=${width}:${height}`, '-fps_mode', 'vfr', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'], signal },
  );
  const times: number[] = [];
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-100_000);
    for (const m of d.matchAll(/pts_time:\s*([0-9.]+)/g)) times.push(Number(m[1]) * 1000);
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  child.once('error', () => {});
  const frameBytes = width * height * 3;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        // showinfo prints before the frame is encoded, so its time is known by now.
        yield { index, timestampMs: Math.round(times[index] ?? index * opts.intervalSeconds * 1000), image: { data, width, height } };
        index++;
      }
    }
    const code = await exited;
    // An aborted run must not look like the end of the video: the frames so far are not all of it.
    signal?.throwIfAborted();
    if (code !== 0) throw new Error(`ffmpeg frame sampling failed (${code}): ${stderrTail.split('\n').slice(-3).join(' ')}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
