/**
 * The output of Debian's `pocketsphinx_continuous` (0.8) with `-time yes`: each word with
 * its start, end and posterior after the hypothesis line of each utterance. The decoder
 * itself runs resident, reading 16 kHz s16le from stdin (pocketsphinx-live.ts).
 */
import type { TimedWord } from './types';

export interface Utterance {
  hypothesis: string;
  words: TimedWord[];
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
