import { POCKETSPHINX_PRESETS, type PocketsphinxPreset } from './decoder-presets';
import { LivePocketsphinx } from './pocketsphinx-live';
import type { AsrError, LiveDecoder, Recognizer, TimedWord, Transcript } from './types';
import { WarmDecoders, type StartDecoder } from './warm-decoders';

/**
 * English free decoding with pocketsphinx's US English model. Weak (20–75% word errors on
 * real speech), so moderation treats its transcript as a lead, not proof: a hit blocks,
 * but a clean transcript only says nothing harmful was heard by this model. The preset
 * is part of the version in evidence: the same audio can decode differently under another.
 * `warm` decoders are kept started ahead of need (warm-decoders.ts), shared by every
 * recogniser with the same binary and flags in this process.
 */
export function pocketsphinxEnglish(bin?: string, preset: PocketsphinxPreset = 'fast', warm = 0): Recognizer {
  return pocketsphinxWith(POCKETSPHINX_PRESETS[preset], `0.8+${preset}`, bin, warm);
}

type Start = (onWords: (w: TimedWord[]) => void, onError: (e: AsrError) => void) => LiveDecoder;

const pools = new Map<string, WarmDecoders>();

/** The same recogniser with any decoder flags (bench/asr-eval.ts compares settings beyond the presets). */
export function pocketsphinxWith(args: readonly string[], version: string, bin = 'pocketsphinx_continuous', warm = 0): Recognizer {
  const cold: StartDecoder = (onWords, onError) => new LivePocketsphinx(bin, onWords, onError, args);
  const start: Start = warm > 0 ? (onWords, onError) => warmPool(bin, args, warm, cold).claim(onWords, onError) : cold;
  return {
    language: 'en',
    model: { name: 'pocketsphinx-en-us', version },
    transcribe: (pcm, signal) => decodeWhole(start, pcm, signal),
    live: start,
    warmUp: () => { if (warm > 0) warmPool(bin, args, warm, cold).refill(); },
  };
}

/** The pool of decoders with this binary and these flags; `start` makes one when the pool is new. */
export function warmPool(bin: string, args: readonly string[], size: number, start: StartDecoder): WarmDecoders {
  const key = JSON.stringify([bin, args, size]);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = new WarmDecoders(start, size)));
  return pool;
}

/** Stops every waiting decoder (tests, shutdown). */
export function closeWarmDecoders(): void {
  for (const p of pools.values()) p.close();
  pools.clear();
}

/** One recording through a resident decoder: all of it written, the input closed, every utterance's words. */
function decodeWhole(start: Start, pcm: Float32Array, signal?: AbortSignal): Promise<Transcript> {
  return new Promise((resolve, reject) => {
    const words: TimedWord[] = [];
    let failure: AsrError | undefined;
    const decoder = start((w) => words.push(...w), (e) => (failure ??= e));
    const abort = () => {
      decoder.kill();
      reject(signal!.reason);
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    decoder.write(pcm);
    decoder.end().then(() => {
      signal?.removeEventListener('abort', abort);
      if (failure) reject(failure);
      else resolve({ text: words.map((w) => w.word).join(' '), words });
    }, reject);
  });
}
