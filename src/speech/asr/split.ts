/**
 * One recording decoded by several recogniser calls at once. Recognisers such as
 * pocketsphinx decode on one core, so a long recording on a multi-core machine waits on
 * one core while the others idle. Cuts fall in the pauses between VAD segments, never in
 * a word, and each part carries enough speech that its model load (≈ 0.6 s for
 * pocketsphinx) stays small next to its decoding.
 */
import type { SpeechSegment } from '../segmenter';
import { msToSamples } from '../pcm';
import type { Recognizer, TimedWord, Transcript } from './types';

/** Less speech than this per part and the extra process costs more than it saves. */
export const MIN_PART_SPEECH_MS = 4000;

export interface AudioPart {
  startMs: number;
  endMs: number;
}

/**
 * Consecutive parts covering [0, totalMs], cut in the middle of the gap after the segment
 * where each part's share of the speech is reached. Fewer parts than asked where the
 * speech is short or has too few pauses; one part covering everything at worst.
 */
export function splitAtPauses(segments: readonly SpeechSegment[], totalMs: number, parts: number): AudioPart[] {
  const speechMs = segments.reduce((s, g) => s + g.endMs - g.startMs, 0);
  const n = Math.max(1, Math.min(Math.floor(parts), Math.floor(speechMs / MIN_PART_SPEECH_MS)));
  const cuts: number[] = [];
  let done = 0;
  for (let i = 0; i < segments.length - 1 && cuts.length < n - 1; i++) {
    done += segments[i]!.endMs - segments[i]!.startMs;
    // The remaining speech must still fill the parts after this cut.
    if (done < (speechMs * (cuts.length + 1)) / n || speechMs - done < MIN_PART_SPEECH_MS) continue;
    cuts.push(Math.round((segments[i]!.endMs + segments[i + 1]!.startMs) / 2));
  }
  const bounds = [0, ...cuts, totalMs];
  return bounds.slice(1).map((endMs, i) => ({ startMs: bounds[i]!, endMs }));
}

/**
 * The recogniser over each part concurrently, words shifted back to recording time. The
 * first part that fails aborts the others and its error is the result: a transcript with
 * a hole would read as clean where the hole was.
 */
export async function transcribeInParts(rec: Recognizer, pcm: Float32Array, parts: readonly AudioPart[], signal?: AbortSignal): Promise<Transcript> {
  if (parts.length <= 1) return rec.transcribe(pcm, signal);
  const stop = new AbortController();
  const partSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const decoded = await Promise.all(
    parts.map((p) =>
      rec.transcribe(pcm.subarray(msToSamples(p.startMs), Math.min(pcm.length, msToSamples(p.endMs))), partSignal).catch((e: unknown) => {
        stop.abort(e);
        throw e;
      }),
    ),
  );
  const timed = decoded.every((t) => t.words);
  const words: TimedWord[] = decoded.flatMap((t, i) => (t.words ?? []).map((w) => ({ ...w, startMs: w.startMs + parts[i]!.startMs, endMs: w.endMs + parts[i]!.startMs })));
  const text = decoded.map((t) => t.text.trim()).filter(Boolean).join(' ');
  return timed ? { text, words } : { text };
}
