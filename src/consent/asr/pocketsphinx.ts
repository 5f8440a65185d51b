import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { grammarVocabulary, judgeHypothesis, spokenWords, statementGrammar } from './statement';
import type { StatementCheck, StatementRecognizer } from './types';

const run = promisify(execFile);

/**
 * English statement recognition with Debian's pocketsphinx (0.8) and a grammar of the
 * exact sentence (see statement.ts for why a grammar). The recording is first decoded
 * by ffmpeg to 16 kHz mono PCM, whatever container it came in (WAV, WebM from the
 * capture page, MP4 with video).
 */
export interface PocketsphinxOptions {
  binary?: string;
  modelDir?: string;
  ffmpegPath?: string;
}

const DEFAULT_MODEL = '/usr/share/pocketsphinx/model/en-us';

export function pocketsphinxRecognizer(opts: PocketsphinxOptions = {}): StatementRecognizer | null {
  const binary = opts.binary ?? '/usr/bin/pocketsphinx_continuous';
  const modelDir = opts.modelDir ?? DEFAULT_MODEL;
  const dictPath = path.join(modelDir, 'cmudict-en-us.dict');
  if (!fs.existsSync(binary) || !fs.existsSync(dictPath)) return null;
  let dictionary: Set<string> | undefined;
  const known = () =>
    (dictionary ??= new Set(
      fs.readFileSync(dictPath, 'utf8').split('\n').map((l) => l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, '')),
    ));

  return {
    name: 'pocketsphinx-grammar',
    languages: ['en'],
    async check(recording: string, statement: string, codeLength: number): Promise<StatementCheck> {
      const expected = spokenWords(statement);
      const unknown = grammarVocabulary(expected).filter((w) => !known().has(w));
      // A word the dictionary cannot pronounce cannot be recognised: a person must listen instead.
      if (unknown.length) return { status: 'unverified', reason: 'speech.unknown_words', score: null, evidence: { unknown_words: unknown } };
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lg-asr-'));
      try {
        const wav = path.join(dir, 'speech.wav');
        const grammar = path.join(dir, 'statement.jsgf');
        await run(opts.ffmpegPath ?? 'ffmpeg', ['-v', 'error', '-y', '-i', recording, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', wav]);
        await fs.promises.writeFile(grammar, statementGrammar(expected, codeLength));
        const started = performance.now();
        const { stdout } = await run(
          binary,
          // A long post-speech window keeps the whole reading one utterance: the grammar spans the sentence.
          ['-infile', wav, '-hmm', path.join(modelDir, 'en-us'), '-dict', dictPath, '-jsgf', grammar, '-vad_postspeech', '500', '-logfn', '/dev/null'],
          { timeout: 60_000, maxBuffer: 1 << 20 },
        );
        const hypothesis = stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
        const j = judgeHypothesis(hypothesis, expected, codeLength);
        return {
          status: j.status,
          reason: j.reason,
          score: j.score,
          evidence: { heard: j.heard, negations: j.negations, code_heard: j.codeHeard, decode_ms: Math.round(performance.now() - started) },
        };
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
    },
  };
}
