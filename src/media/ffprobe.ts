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

/** Decodes every packet (discarding output): truncated or corrupt streams fail here, not later. */
export async function decodeCheck(bin: string, file: string, signal?: AbortSignal): Promise<void> {
  const r = await runTool(bin, ['-v', 'error', '-xerror', '-threads', '1', '-i', file, '-f', 'null', '-'], signal);
  if (r.code !== 0) throw new AppError('media.corrupt', 'the media does not decode cleanly', { tool: firstLine(r.stderr) });
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.slice(0, 300) ?? '';
