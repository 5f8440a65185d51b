import { POCKETSPHINX_PRESETS, type PocketsphinxPreset } from './decoder-presets';
import { runPocketsphinx } from './pocketsphinx';
import { LivePocketsphinx } from './pocketsphinx-live';
import type { Recognizer, Transcript } from './types';

/**
 * English free decoding with pocketsphinx's US English model. Weak (20–75% word errors on
 * real speech), so moderation treats its transcript as a lead, not proof: a hit blocks,
 * but a clean transcript only says nothing harmful was heard by this model. The preset
 * is part of the version in evidence: the same audio can decode differently under another.
 */
export function pocketsphinxEnglish(bin?: string, preset: PocketsphinxPreset = 'fast'): Recognizer {
  return pocketsphinxWith(POCKETSPHINX_PRESETS[preset], `0.8+${preset}`, bin);
}

/** The same recogniser with any decoder flags (bench/asr-eval.ts compares settings beyond the presets). */
export function pocketsphinxWith(args: readonly string[], version: string, bin?: string): Recognizer {
  return {
    language: 'en',
    model: { name: 'pocketsphinx-en-us', version },
    async transcribe(pcm: Float32Array, signal?: AbortSignal): Promise<Transcript> {
      const utterances = await runPocketsphinx(pcm, { bin, args, signal });
      const words = utterances.flatMap((u) => u.words);
      return { text: words.map((w) => w.word).join(' '), words };
    },
    live: (onWords, onError) => new LivePocketsphinx(bin ?? 'pocketsphinx_continuous', onWords, onError, args),
  };
}
