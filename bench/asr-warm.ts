/**
 * `npx tsx bench/asr-warm.ts [--runs 7] [--gap-ms 1500]`: one festival-spoken advert (~11 s)
 * through the English recogniser with a decoder started for it (SPEECH_WARM_DECODERS=0) and
 * with one waiting (the default), alternated, with a pause before each so the spare has
 * loaded: what a recording arriving at an idle service waits. Prints both medians and the ratio.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeWarmDecoders, pocketsphinxEnglish } from '../src/speech/asr/english';
import { decodeAudio } from '../src/speech/decode';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('runs', 7);
const gapMs = arg('gap-ms', 1500);

const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lg-asr-warm-')), 'advert.wav');
execFileSync('text2wave', ['-o', wav, '-F', '16000'], {
  input: 'Win big money at our online casino tonight. Place your bets on the roulette table and claim a free bonus. Send your bank password to claim the prize.',
});
const pcm = await decodeAudio('ffmpeg', wav);
const ways = { cold: pocketsphinxEnglish(undefined, 'fast', 0), warm: pocketsphinxEnglish(undefined, 'fast', 1) };
ways.warm.warmUp!();
const times: Record<keyof typeof ways, number[]> = { cold: [], warm: [] };
for (let i = 0; i < runs; i++) {
  for (const k of ['cold', 'warm'] as const) {
    await new Promise((r) => setTimeout(r, gapMs));
    const t = performance.now();
    await ways[k].transcribe(pcm);
    times[k].push(performance.now() - t);
  }
}
closeWarmDecoders();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const [cold, warm] = [median(times.cold), median(times.warm)];
console.log(`# bench:asr-warm — ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}; ${(pcm.length / 16000).toFixed(1)} s of festival speech, pocketsphinx fast, ${runs} runs each`);
console.log('| decoder | median ms | real-time factor |\n|---|---:|---:|');
for (const [k, ms] of [['started for the recording', cold], ['waiting (warm)', warm]] as const) console.log(`| ${k} | ${ms.toFixed(0)} | ${(ms / 1000 / (pcm.length / 16000)).toFixed(3)} |`);
console.log(`warm / cold: ${(warm / cold).toFixed(2)}\nrerun: npx tsx bench/asr-warm.ts --runs ${runs} --gap-ms ${gapMs}`);
