/**
 * pocketsphinx_continuous as a resident decoder for one live stream or one recording: raw 16 kHz s16le on
 * stdin (`-infile /dev/stdin`), each utterance printed as pocketsphinx's own endpointing
 * closes it. `stdbuf -oL` makes its stdout line-buffered (a pipe would hold the lines back
 * in a 4 KiB buffer), and `cat` turns Node's stdin socket into the pipe that opening
 * /dev/stdin needs (a socket cannot be opened by path). This avoids starting a process
 * and loading the model per segment.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { f32ToS16le } from '../pcm';
import { parsePocketsphinx } from './pocketsphinx';
import { AsrError, type LiveDecoder, type TimedWord } from './types';

export class LivePocketsphinx implements LiveDecoder {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number>;
  private partial = '';
  private lines: string[] = [];
  private failed = false;

  constructor(
    bin: string,
    private readonly onWords: (words: TimedWord[]) => void,
    private readonly onError: (e: AsrError) => void,
    args: readonly string[] = [],
  ) {
    // The binary and the flags are passed as $0 and $@, never interpolated into the script.
    this.child = spawn('sh', ['-c', 'cat | exec stdbuf -oL "$0" -infile /dev/stdin -time yes -logfn /dev/null "$@"', bin, ...args]);
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => this.read(d));
    this.child.stdin.on('error', () => {});
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => {
        this.fail(new AsrError('asr.unavailable', `${bin} could not be started`));
        resolve(-1);
      });
      this.child.once('close', (code) => resolve(code ?? -1));
    });
  }

  write(pcm: Float32Array): void {
    if (!this.failed && this.child.stdin.writable) this.child.stdin.write(f32ToS16le(pcm));
  }

  async end(): Promise<void> {
    this.child.stdin.end();
    const code = await this.exited;
    if (this.failed || code === 0) return;
    // 127: the shell found no such command (pocketsphinx or stdbuf missing).
    this.fail(code === 127 ? new AsrError('asr.unavailable', 'pocketsphinx_continuous or stdbuf is not installed') : new AsrError('asr.failed', `pocketsphinx exited with ${code}`));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  /** Started, not failed, not exited: can still take audio. */
  get running(): boolean {
    return !this.failed && this.child.exitCode === null;
  }

  /**
   * Whether this decoder keeps the Node process alive. A decoder waiting for work (warm-decoders.ts)
   * does not: when the process exits its stdin closes, and it ends on empty input.
   */
  hold(on: boolean): void {
    // Child pipes are net.Sockets, though typed as plain streams.
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref(): void; unref(): void }[];
    for (const h of handles) {
      if (on) h.ref();
      else h.unref();
    }
  }

  /** Collects lines; an utterance is complete at its `</s>` line. */
  private read(d: string): void {
    const parts = (this.partial + d).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (!line.startsWith('</s> ')) continue;
      const words = parsePocketsphinx(this.lines.join('\n')).flatMap((u) => u.words);
      this.lines = [];
      if (words.length) this.onWords(words);
    }
  }

  private fail(e: AsrError): void {
    this.failed = true;
    this.onError(e);
  }
}
