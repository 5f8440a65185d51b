/**
 * Debian's `pocketsphinx_continuous` (0.8) as a child process: the one runner for both
 * free decoding (moderation) and grammar decoding (the consent statement, `jsgf`).
 * The audio goes in as a 16-bit WAV temp file (`-infile`); `-time yes` prints each
 * word with its start, end and posterior after the hypothesis line of each utterance.
 */
import { runTool } from '../../media/ffprobe';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavBytes } from '../pcm';
import { AsrError, type TimedWord } from './types';

export interface PocketsphinxOptions {
  bin?: string;
  /** A JSGF grammar (text): decode against it instead of the language model. */
  jsgf?: string;
  /** A pronunciation dictionary file replacing the default one. */
  dict?: string;
  /** Extra decoder flags (search beams and limits, see decoder-presets.ts). */
  args?: readonly string[];
  signal?: AbortSignal;
}

export interface Utterance {
  hypothesis: string;
  words: TimedWord[];
}

export async function runPocketsphinx(pcm: Float32Array, opts: PocketsphinxOptions = {}): Promise<Utterance[]> {
  const dir = await mkdtemp(join(tmpdir(), 'likeness-asr-'));
  try {
    const wav = join(dir, 'in.wav');
    await writeFile(wav, wavBytes(pcm));
    const args = ['-infile', wav, '-time', 'yes', '-logfn', '/dev/null'];
    if (opts.jsgf !== undefined) {
      const g = join(dir, 'grammar.jsgf');
      await writeFile(g, opts.jsgf);
      args.push('-jsgf', g);
    }
    if (opts.dict) args.push('-dict', opts.dict);
    if (opts.args) args.push(...opts.args);
    const { code, stdout, stderr } = await run(opts.bin ?? 'pocketsphinx_continuous', args, opts.signal);
    if (code !== 0) throw new AsrError('asr.failed', `pocketsphinx exited with ${code}: ${stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`);
    return parsePocketsphinx(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/;

/** Markers and non-words the decoder emits between real words. */
const NON_WORDS = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/;

/** Parses `-time yes` output: a hypothesis line, then one line per segment, per utterance. */
export function parsePocketsphinx(stdout: string): Utterance[] {
  const out: Utterance[] = [];
  let current: Utterance | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const m = WORD_LINE.exec(line);
    if (!m) {
      // A hypothesis line (possibly empty when nothing was recognised) starts an utterance.
      current = { hypothesis: line, words: [] };
      if (line) out.push(current);
      continue;
    }
    const token = m[1]!;
    if (NON_WORDS.test(token) || !current) continue;
    current.words.push({
      word: token.replace(/\(\d+\)$/, ''),
      startMs: Math.round(Number(m[2]) * 1000),
      endMs: Math.round(Number(m[3]) * 1000),
      confidence: Number(m[4]),
    });
  }
  return out.filter((u) => u.words.length || u.hypothesis);
}

/** The shared tool runner, with a missing binary reported as an ASR that is not installed. */
function run(bin: string, args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return runTool(bin, args, signal).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new AsrError('asr.unavailable', `${bin} is not installed (Debian: apt install pocketsphinx pocketsphinx-en-us)`) : e;
  });
}
