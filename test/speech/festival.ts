import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's festival (text2wave, kal16k voice) speaks the test sentences; tests skip with this reason where it is missing. */
export const festivalMissing: string | null = spawnSync('text2wave', ['--help']).error ? 'festival is not installed (apt install festival festvox-kallpc16k)' : null;
export const pocketsphinxMissing: string | null = fs.existsSync('/usr/share/pocketsphinx/model/en-us/en-us')
  ? spawnSync('pocketsphinx_continuous', ['-h']).error
    ? 'pocketsphinx is not installed (apt install pocketsphinx pocketsphinx-en-us)'
    : null
  : 'the pocketsphinx US English model is not installed (apt install pocketsphinx-en-us)';

/** A 16 kHz mono WAV file of `text` spoken by festival. */
export function say(text: string, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-say-'))): string {
  const file = path.join(dir, `${text.length}-${Math.random().toString(36).slice(2, 8)}.wav`);
  execFileSync('text2wave', ['-o', file, '-F', '16000'], { input: text });
  return file;
}

/** Raw PCM s16le 16 kHz mono of a WAV/any file, by ffmpeg (what a live client sends). */
export function pcmOf(file: string, padSilenceSeconds = 0): Buffer {
  const filter = padSilenceSeconds ? ['-af', `apad=pad_dur=${padSilenceSeconds}`] : [];
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, ...filter, '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], { maxBuffer: 1 << 26 });
}

export const ADVERT = 'Join the best online casino today and win big money. Bet now on poker and slots with a free bonus.';
export const BENIGN = 'The weather is lovely today and we are going for a walk in the park.';
