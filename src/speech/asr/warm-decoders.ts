/**
 * Resident decoders started before they are needed. Starting pocketsphinx costs 0.75 s (0.63 s
 * of CPU, loading the model and the 134,000-word dictionary) before the first sample is read, on
 * every recording and every part of one; a decoder started ahead has that behind it when the
 * audio arrives. Its output is the same as a cold start's (same binary, same flags, same
 * samples: checked word for word and time for time in test/speech/warm-decoders.test.ts).
 *
 * Spares are started only when no claimed decoder is running: loading one beside a decode
 * would take the CPU from it. Under constant speech traffic they are never refilled, and each
 * claim starts cold, as without the pool.
 */
import type { AsrError, LiveDecoder, TimedWord } from './types';

/** What the pool needs of a decoder on top of LiveDecoder. */
export interface ResidentDecoder extends LiveDecoder {
  readonly running: boolean;
  hold(on: boolean): void;
}

interface Sink { onWords: (words: TimedWord[]) => void; onError: (e: AsrError) => void }

/** Starts one decoder that hands its words and its failure to these callbacks. */
export type StartDecoder = (onWords: Sink['onWords'], onError: Sink['onError']) => ResidentDecoder;
interface Spare { decoder: ResidentDecoder; sink: Sink }

const ignore: Sink = { onWords: () => {}, onError: () => {} };

export class WarmDecoders {
  private idle: Spare[] = [];
  private active = 0;

  constructor(
    private readonly start: StartDecoder,
    /** Spares kept waiting. */
    private readonly size: number,
  ) {}

  /** A waiting decoder if one is still running, a newly started one otherwise. */
  claim(onWords: Sink['onWords'], onError: Sink['onError']): LiveDecoder {
    this.idle = this.idle.filter((s) => s.decoder.running);
    const spare = this.idle.shift() ?? this.spawn();
    Object.assign(spare.sink, { onWords, onError });
    spare.decoder.hold(true);
    this.active++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (--this.active === 0) this.refill();
    };
    const { decoder } = spare;
    return {
      write: (pcm) => decoder.write(pcm),
      end: () => decoder.end().finally(finish),
      kill: () => {
        decoder.kill();
        finish();
      },
    };
  }

  /** Starts spares until `size` are waiting (at startup, and whenever the last claimed decoder ends). */
  refill(): void {
    this.idle = this.idle.filter((s) => s.decoder.running);
    while (this.idle.length < this.size) {
      const spare = this.spawn();
      spare.decoder.hold(false);
      this.idle.push(spare);
    }
  }

  /** Spares started and still running, waiting for a claim. */
  get waiting(): number {
    return this.idle.filter((s) => s.decoder.running).length;
  }

  /** Stops the waiting spares (tests, shutdown). */
  close(): void {
    for (const s of this.idle) s.decoder.kill();
    this.idle = [];
  }

  private spawn(): Spare {
    const sink: Sink = { ...ignore };
    const decoder = this.start((w) => sink.onWords(w), (e) => sink.onError(e));
    return { decoder, sink };
  }
}
