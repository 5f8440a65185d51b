/**
 * Speech segments from per-frame speech probabilities, with hysteresis: a segment opens
 * when a frame reaches `onset`, and closes only after `minSilenceMs` of frames below
 * `offset`, so short pauses between words do not split a sentence. Segments shorter than
 * `minSpeechMs` (clicks) are dropped; each kept one is padded by `padMs`. Pure and
 * incremental: files and live streams feed it frame by frame.
 */
export interface SegmenterOptions {
  onset: number;
  offset: number;
  minSilenceMs: number;
  minSpeechMs: number;
  padMs: number;
}

export const DEFAULT_SEGMENTER: SegmenterOptions = { onset: 0.5, offset: 0.35, minSilenceMs: 400, minSpeechMs: 250, padMs: 100 };

export interface SpeechSegment {
  startMs: number;
  endMs: number;
  /** Highest frame probability inside the segment. */
  peak: number;
}

export class Segmenter {
  private open?: { startMs: number; lastSpeechEndMs: number; peak: number };
  private at = 0;

  constructor(
    private readonly frameMs: number,
    private readonly opts: SegmenterOptions = DEFAULT_SEGMENTER,
  ) {}

  /** The stream position (ms) after the frames pushed so far. */
  get positionMs(): number {
    return this.at;
  }

  /** Whether a segment is open (speech is going on). */
  get inSpeech(): boolean {
    return this.open !== undefined;
  }

  /** Start of the open segment, if any (padded). */
  get openStartMs(): number | undefined {
    return this.open && Math.max(0, this.open.startMs - this.opts.padMs);
  }

  /** Feeds one frame's probability; returns the segment this frame closed, if any. */
  push(prob: number): SpeechSegment | undefined {
    const start = this.at;
    this.at += this.frameMs;
    if (this.open) {
      if (prob >= this.opts.offset) {
        this.open.lastSpeechEndMs = this.at;
        this.open.peak = Math.max(this.open.peak, prob);
      } else if (this.at - this.open.lastSpeechEndMs >= this.opts.minSilenceMs) {
        return this.close();
      }
    } else if (prob >= this.opts.onset) {
      this.open = { startMs: start, lastSpeechEndMs: this.at, peak: prob };
    }
    return undefined;
  }

  /**
   * Closes the open segment here and opens the next one at once: long speech is then
   * transcribed in pieces while it goes on (rolling transcription of live streams).
   */
  split(): SpeechSegment | undefined {
    const o = this.open;
    if (!o) return undefined;
    this.open = { startMs: this.at, lastSpeechEndMs: this.at, peak: 0 };
    return { startMs: Math.max(0, o.startMs - this.opts.padMs), endMs: this.at, peak: o.peak };
  }

  /** Ends the stream: closes an open segment. */
  flush(): SpeechSegment | undefined {
    return this.open ? this.close() : undefined;
  }

  private close(): SpeechSegment | undefined {
    const o = this.open!;
    this.open = undefined;
    if (o.lastSpeechEndMs - o.startMs < this.opts.minSpeechMs) return undefined;
    return { startMs: Math.max(0, o.startMs - this.opts.padMs), endMs: Math.min(this.at, o.lastSpeechEndMs + this.opts.padMs), peak: o.peak };
  }
}

/** Every segment of a whole recording's probabilities. */
export function segmentsOf(probs: readonly number[], frameMs: number, opts: SegmenterOptions = DEFAULT_SEGMENTER): SpeechSegment[] {
  const s = new Segmenter(frameMs, opts);
  const out: SpeechSegment[] = [];
  for (const p of probs) {
    const seg = s.push(p);
    if (seg) out.push(seg);
  }
  const last = s.flush();
  if (last) out.push(last);
  return out;
}
