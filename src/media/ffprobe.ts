import { spawn } from 'node:child_process';
import { AppError } from '../core/errors';

/**
 * ffprobe/ffmpeg as child processes. Untrusted media is decoded by the system
 * (Debian, security-maintained) binaries, never by a bundled 2018 build.
 */
export interface ProbeStream {
  codec_type: 'audio' | 'video' | string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

export interface ProbeResult {
  format: { format_name?: string; duration?: string; bit_rate?: string };
  streams: ProbeStream[];
}

export function runTool(bin: string, args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64_000) stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function ffprobe(bin: string, file: string, signal?: AbortSignal): Promise<ProbeResult> {
  const r = await runTool(bin, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], signal);
  if (r.code !== 0) throw new AppError('media.corrupt', 'ffprobe could not read the media', { tool: firstLine(r.stderr) });
  try {
    return JSON.parse(r.stdout) as ProbeResult;
  } catch {
    throw new AppError('media.corrupt', 'ffprobe returned no readable description');
  }
}

/**
 * Every packet decodes (errors fail with -xerror) and the decoded streams reach the declared
 * duration. The second half matters for containers whose demuxers treat a cut-off file as a
 * quiet end (Matroska/WebM "File ended prematurely", MP3 with a frame count in its header):
 * ffmpeg exits 0 there, having decoded half the video. The slack (10 %, at least 0.5 s)
 * absorbs encoder delay and estimated durations; a stream that breaks half-way is far past it.
 */
export async function decodesToTheEnd(ffmpegPath: string, file: string, declaredSeconds: number, signal: AbortSignal): Promise<{ decodedSeconds: number }> {
  const args = ['-v', 'error', '-xerror', '-nostats', '-threads', '1', '-i', file, '-progress', 'pipe:1', '-f', 'null', '-'];
  const r = await runTool(ffmpegPath, args, signal);
  if (r.code !== 0) throw new AppError('media.corrupt', 'the media does not decode cleanly', { tool: firstLine(r.stderr) });
  // -progress prints `out_time_us=N` blocks; the last one is where decoding ended (N/A: nothing decoded).
  const last = [...r.stdout.matchAll(/^out_time_us=(\d+)$/gm)].at(-1);
  const decodedSeconds = last ? Number(last[1]) / 1e6 : 0;
  if (declaredSeconds - decodedSeconds > Math.max(0.5, declaredSeconds * 0.1)) {
    throw new AppError('media.corrupt', `the stream ends at ${decodedSeconds.toFixed(2)} s of its declared ${declaredSeconds.toFixed(2)} s`, {
      declaredSeconds,
      decodedSeconds,
    });
  }
  return { decodedSeconds };
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.slice(0, 300) ?? '';
