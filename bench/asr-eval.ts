/**
 * `npx tsx bench/asr-eval.ts [--settings accurate,fast,…] [--limit N] [--refs FILE] [--processes 1]`
 *
 * The English recogniser (pocketsphinx, through the service's own runner and VAD split) under
 * each decoder setting, on two sets:
 *
 * - real speech: $LIKENESS_SHARED_DATA/speech-sentences-dev (LibriSpeech test-other, 50
 *   utterances, read in place). Its manifest has no transcripts, so word error rate needs a
 *   reference file in LibriSpeech's `<utterance-id> TEXT` form (`--refs`, or `transcripts.txt`
 *   in that folder). Without one the table gives the drift from the first setting instead:
 *   the word error rate of each setting's output against the first setting's output — how
 *   much a faster search changes what is heard, not how right it is.
 * - adverts: gambling and fraud adverts (and benign sentences) spoken by festival, clean and
 *   with pink noise at about 15 dB SNR. Their text is known, so the table gives the true word
 *   error rate, and the keyword recall: of the lexicon terms the text moderator finds in the
 *   advert's own text, the share it still finds in the transcript; and how many adverts are
 *   still flagged (review or block) in their category, and benign sentences wrongly flagged.
 *
 * Real-time factor = decoding wall time / audio duration, one utterance at a time, process
 * start and model load included (as a cold start pays them; the service keeps decoders
 * loaded and waiting, which hides the 0.75 s load when it is idle between items:
 * bench/asr-warm.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moderateText, type Category } from '../src/moderation';
import { POCKETSPHINX_PRESETS } from '../src/speech/asr/decoder-presets';
import { pocketsphinxWith } from '../src/speech/asr/english';
import { splitAtPauses, transcribeInParts } from '../src/speech/asr/split';
import { decodeAudio } from '../src/speech/decode';
import { samplesToMs } from '../src/speech/pcm';
import { segmentsOf } from '../src/speech/segmenter';
import { speechProbabilities, VAD_FRAME_MS } from '../src/speech/vad';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};

const FAST_CORE = ['-topn', '2', '-maxhmmpf', '3000', '-maxwpf', '5'];
/** The presets, then settings tried on the way to them (kept so the choice can be rerun). */
const SETTINGS: Record<string, readonly string[]> = {
  ...POCKETSPHINX_PRESETS,
  'topn2-hmm3000-wpf5-noflat': [...FAST_CORE, '-fwdflat', 'no'],
  'topn2-hmm3000-wpf5-ds2': [...FAST_CORE, '-ds', '2'],
  'topn2-hmm3000-wpf5-noflat-nobest': [...FAST_CORE, '-fwdflat', 'no', '-bestpath', 'no'],
  'topn2-hmm3000-wpf5-noflat-ds2': [...FAST_CORE, '-fwdflat', 'no', '-ds', '2'],
  'topn2-hmm1500-wpf3-noflat': ['-topn', '2', '-maxhmmpf', '1500', '-maxwpf', '3', '-fwdflat', 'no'],
  'topn2-hmm3000-wpf5-noflat-beam40': [...FAST_CORE, '-fwdflat', 'no', '-beam', '1e-40', '-pbeam', '1e-40', '-wbeam', '1e-24'],
};
const CHOSEN = arg('settings', Object.keys(SETTINGS).join(',')).split(',');
const LIMIT = Number(arg('limit', '1000'));
const PROCESSES = Number(arg('processes', '1'));
const DATA = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data', 'speech-sentences-dev');
const REFS = arg('refs', path.join(DATA, 'transcripts.txt'));
const CACHE = path.join(os.tmpdir(), 'lg-asr-eval');

type Kind = 'gambling' | 'fraud' | 'benign';
/** Written for this evaluation; numbers spelled out so that no normalisation of digits is needed. */
const ADVERTS: { kind: Kind; text: string }[] = [
  { kind: 'gambling', text: 'Join the best online casino today and win big money. Bet now on poker and slots with a free bonus.' },
  { kind: 'gambling', text: 'Sports betting made easy. Download our sportsbook app and get one hundred free spins on your first deposit.' },
  { kind: 'gambling', text: 'Play roulette and baccarat with live dealers at our casino. Place your bets tonight and double your winnings.' },
  { kind: 'gambling', text: 'The number one betting site in the country. Online betting on football with the best odds and a welcome bonus.' },
  { kind: 'gambling', text: 'Try the new slot machine at the online casino. Gambling has never been this much fun, sign up in one minute.' },
  { kind: 'gambling', text: 'Love gambling? Our casino pays out every day. Spin the roulette wheel and win a jackpot worth thousands.' },
  { kind: 'fraud', text: 'Your account has been suspended. Verify your account now by sending your bank password to our support team.' },
  { kind: 'fraud', text: 'Congratulations, you have won a cash prize. To claim your prize, wire the money for the fee by gift card today.' },
  { kind: 'fraud', text: 'Double your money in one week with guaranteed returns. This investment opportunity is risk free, send bitcoin now.' },
  { kind: 'fraud', text: 'A prince needs your help to move his fortune. Wire the money to this account and you will get half of it back.' },
  { kind: 'fraud', text: 'Join our pyramid scheme and earn guaranteed returns. Invite your friends and double your money every month.' },
  { kind: 'fraud', text: 'We sell fake id cards and counterfeit money, delivered to your door. Pay with a gift card or a wire transfer.' },
  { kind: 'benign', text: 'The weather is lovely today and we are going for a walk in the park.' },
  { kind: 'benign', text: 'Please read the next sentence slowly and clearly so that we can record your voice.' },
  { kind: 'benign', text: 'My digital human can read this paragraph in two languages and answer questions about our products.' },
  { kind: 'benign', text: 'Thank you for watching. Remember to drink water, stretch your legs and take a short break every hour.' },
  { kind: 'benign', text: 'Our new kitchen range comes in three colours and every order ships within two working days.' },
  { kind: 'benign', text: 'The museum opens at nine in the morning and the guided tour of the old castle starts at ten.' },
];

/** Lower case, apostrophes kept inside words, every other mark a space. */
export const normalise = (s: string) => s.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/(^| )'|'( |$)/g, ' ').split(/\s+/).filter(Boolean);

/** Word-level Levenshtein distance (substitutions + insertions + deletions). */
export function editDistance(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[hyp.length]!;
}

interface Utt {
  id: string;
  pcm: Float32Array;
  ref?: string;
  kind?: Kind;
}

function synthesise(text: string, i: number, noisy: boolean): string {
  const clean = path.join(CACHE, `advert-${i}.wav`);
  if (!fs.existsSync(clean)) execFileSync('text2wave', ['-o', clean, '-F', '16000'], { input: text });
  if (!noisy) return clean;
  const out = path.join(CACHE, `advert-${i}-noisy.wav`);
  if (!fs.existsSync(out)) {
    // festival peaks near full scale; pink noise at amplitude 0.03 sits about 15 dB under the speech.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clean, '-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.03:sample_rate=16000:seed=7', '-filter_complex', '[0][1]amix=inputs=2:duration=first:normalize=0', '-ar', '16000', '-ac', '1', out]);
  }
  return out;
}

function readRefs(file: string): Map<string, string> {
  const refs = new Map<string, string>();
  if (!fs.existsSync(file)) return refs;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+)\s+(.+)$/.exec(line.trim());
    if (m) refs.set(m[1]!, m[2]!);
  }
  return refs;
}

/** Decodes every utterance; returns hypotheses and total decoding seconds. */
async function decodeAll(utts: Utt[], args: readonly string[]): Promise<{ hyps: string[]; seconds: number }> {
  const rec = pocketsphinxWith(args, 'eval');
  const hyps: string[] = [];
  let seconds = 0;
  for (const u of utts) {
    const segments = segmentsOf(await speechProbabilities(u.pcm), VAD_FRAME_MS);
    const parts = splitAtPauses(segments, samplesToMs(u.pcm.length), PROCESSES);
    const t0 = performance.now();
    const t = await transcribeInParts(rec, u.pcm, parts);
    seconds += (performance.now() - t0) / 1000;
    hyps.push(t.text);
  }
  return { hyps, seconds };
}

const wer = (pairs: [string, string][]) => {
  let errors = 0;
  let words = 0;
  for (const [ref, hyp] of pairs) {
    const r = normalise(ref);
    errors += editDistance(r, normalise(hyp));
    words += r.length;
  }
  return words ? errors / words : NaN;
};
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');

/** Lexicon terms and flagged categories the text moderator finds in a text. */
async function judge(text: string): Promise<{ terms: Set<string>; flagged: Set<Category>; decision: string }> {
  const r = await moderateText(text);
  const terms = new Set(r.evidence.filter((e) => e.source === 'lexicon' && e.textSpan).map((e) => `${e.category}:${normalise(e.textSpan!.text).join(' ')}`));
  const flagged = new Set(r.decision === 'pass' ? [] : r.evidence.map((e) => e.category));
  return { terms, flagged, decision: r.decision };
}

async function main(): Promise<void> {
  if (spawnSync('pocketsphinx_continuous', ['-h']).error) return console.log('asr-eval skipped: pocketsphinx is not installed (apt install pocketsphinx pocketsphinx-en-us)');
  const festival = !spawnSync('text2wave', ['--help']).error;
  fs.mkdirSync(CACHE, { recursive: true });
  const unknown = CHOSEN.filter((s) => !SETTINGS[s]);
  if (unknown.length) throw new Error(`unknown settings ${unknown.join(', ')}; known: ${Object.keys(SETTINGS).join(', ')}`);

  const refs = readRefs(REFS);
  const real: Utt[] = [];
  if (fs.existsSync(path.join(DATA, 'manifest.csv'))) {
    const rows = fs.readFileSync(path.join(DATA, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).slice(0, LIMIT);
    for (const row of rows) {
      const file = row.split(',')[1]!;
      const id = path.basename(file, '.wav');
      real.push({ id, pcm: await decodeAudio('ffmpeg', path.join(DATA, file)), ref: refs.get(id) });
    }
  } else console.log(`real speech skipped: ${DATA} is absent`);
  const adverts: Utt[] = [];
  if (festival) {
    for (const noisy of [false, true]) {
      ADVERTS.forEach((a, i) => adverts.push({ id: `${a.kind}-${i}${noisy ? '-noisy' : ''}`, pcm: new Float32Array(0), ref: a.text, kind: a.kind }));
      for (const [i, a] of ADVERTS.entries()) adverts[adverts.length - ADVERTS.length + i]!.pcm = await decodeAudio('ffmpeg', synthesise(a.text, i, noisy));
    }
  } else console.log('adverts skipped: festival is not installed (apt install festival)');
  const seconds = (us: Utt[]) => us.reduce((s, u) => s + u.pcm.length / 16000, 0);
  const withRefs = real.length > 0 && real.every((u) => u.ref);

  // Warm-up: the VAD session and the page cache of the acoustic model.
  if (real[0] ?? adverts[0]) await decodeAll([(real[0] ?? adverts[0])!], []);

  const expected = new Map<string, { terms: Set<string> }>();
  for (const a of adverts) if (!expected.has(a.ref!)) expected.set(a.ref!, await judge(a.ref!));

  console.log(
    `pocketsphinx ${PROCESSES > 1 ? `split between up to ${PROCESSES} processes at pauses` : 'one process per utterance'}; ` +
      `node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(`real speech: ${real.length} utterances, ${seconds(real).toFixed(0)} s; ${withRefs ? `references from ${REFS}` : `no references (${REFS} absent): drift from ${CHOSEN[0]}`}`);
  console.log(`adverts: ${adverts.length} festival utterances (${ADVERTS.filter((a) => a.kind !== 'benign').length} adverts + ${ADVERTS.filter((a) => a.kind === 'benign').length} benign, clean and noisy), ${seconds(adverts).toFixed(0)} s`);
  console.log(
    `| setting | real: ${withRefs ? 'WER' : `drift from ${CHOSEN[0]}`} | real: RTF | adverts: WER clean / noisy | adverts: RTF | keyword recall | adverts flagged in category | benign flagged |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  let first: string[] | undefined;
  for (const name of CHOSEN) {
    const args = SETTINGS[name]!;
    const r = await decodeAll(real, args);
    first ??= r.hyps;
    const realErr = withRefs ? wer(real.map((u, i) => [u.ref!, r.hyps[i]!])) : wer(first.map((h, i) => [h, r.hyps[i]!]));
    const a = await decodeAll(adverts, args);
    const split = (noisy: boolean) => adverts.map((u, i) => [u, a.hyps[i]!] as const).filter(([u]) => u.id.endsWith('-noisy') === noisy);
    const advWer = (noisy: boolean) => wer(split(noisy).map(([u, h]) => [u.ref!, h]));
    let termsFound = 0;
    let termsTotal = 0;
    let flagged = 0;
    let harmful = 0;
    let benignFlagged = 0;
    let benign = 0;
    for (const [i, u] of adverts.entries()) {
      const heard = await judge(a.hyps[i]!);
      if (u.kind === 'benign') {
        benign++;
        if (heard.decision !== 'pass') benignFlagged++;
        continue;
      }
      harmful++;
      if (heard.flagged.has(u.kind!)) flagged++;
      const want = expected.get(u.ref!)!.terms;
      termsTotal += want.size;
      termsFound += [...want].filter((t) => heard.terms.has(t)).length;
    }
    console.log(
      `| ${name} | ${pct(realErr)} | ${(r.seconds / seconds(real)).toFixed(3)} | ${pct(advWer(false))} / ${pct(advWer(true))} | ${(a.seconds / seconds(adverts)).toFixed(3)} | ` +
        `${termsFound}/${termsTotal} (${pct(termsFound / termsTotal)}) | ${flagged}/${harmful} | ${benignFlagged}/${benign} |`,
    );
  }
  console.log(`rerun: npx tsx bench/asr-eval.ts --settings ${CHOSEN.join(',')} --processes ${PROCESSES}${LIMIT < 1000 ? ` --limit ${LIMIT}` : ''}`);
}

await main();
process.exit(0);
