import { spawn } from 'node:child_process';
import { AppError } from '../core/errors';
import { SAMPLE_RATE } from './pcm';

/**
 * Any audio, or a video's first audio track, decoded by the system ffmpeg to 16 kHz mono
 * f32 (what the VAD and the recognisers take). Untrusted input: a file that does not
 * decode is `media.corrupt`, one without audio is `media.no_stream`.
 */
export async function decodeAudio(ffmpegPath: string, file: string, signal?: AbortSignal): Promise<Float32Array> {
  const args = ['-v', 'error', '-nostdin', '-threads', '1', '-i', file, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 'f32le', 'pipe:1'];
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 16_000) stderr += d;
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? -1));
  });
  if (code !== 0) {
    const line = stderr.split('\n').find((l) => l.trim())?.slice(0, 300) ?? '';
    if (/matches no streams/i.test(stderr)) throw new AppError('media.no_stream', 'the file has no audio stream', { tool: line });
    throw new AppError('media.corrupt', 'the audio does not decode', { tool: line });
  }
  const all = Buffer.concat(chunks);
  // Copy into an aligned buffer: Buffer.concat may hand out a pooled, unaligned slice.
  const out = new Float32Array(all.length >> 2);
  new Uint8Array(out.buffer).set(all.subarray(0, out.length * 4));
  return out;
}
