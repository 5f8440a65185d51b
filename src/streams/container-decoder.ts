/**
 * Compressed live audio (Opus in WebM from MediaRecorder, or in Ogg) decoded as it arrives
 * by one ffmpeg process per stream, stdin → 16 kHz mono s16le on stdout. The chunks are
 * pieces of one continuous container stream, not independent files.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { SAMPLE_RATE } from '../speech/pcm';

export type ContainerFormat = 'webm' | 'ogg';

/** ffmpeg demuxer names. */
const DEMUXER: Record<ContainerFormat, string> = { webm: 'matroska', ogg: 'ogg' };

export class ContainerDecoder {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number>;
  private stderr = '';

  constructor(ffmpegPath: string, format: ContainerFormat, onPcm: (pcm: Buffer) => void) {
    this.child = spawn(ffmpegPath, ['-v', 'error', '-nostdin', '-threads', '1', '-f', DEMUXER[format], '-i', 'pipe:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', 'pipe:1']);
    this.child.stdout.on('data', onPcm);
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (this.stderr.length < 4000) this.stderr += d;
    });
    // A client that goes away mid-write leaves EPIPE on stdin: the exit code tells the story.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => resolve(-1));
      this.child.once('close', (code) => resolve(code ?? -1));
    });
  }

  write(bytes: Uint8Array): void {
    if (this.child.stdin.writable) this.child.stdin.write(bytes);
  }

  /** Ends the input; resolves after the last PCM was handed out, with ffmpeg's first error line if it failed. */
  async end(): Promise<string | undefined> {
    this.child.stdin.end();
    const code = await this.exited;
    return code === 0 ? undefined : this.stderr.split('\n').find((l) => l.trim())?.slice(0, 200) || `ffmpeg exited with ${code}`;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
