/**
 * Sliding window for streamed text (live driving text, rolling transcripts). Each
 * chunk is moderated together with the tail of what came before, so a term split
 * across chunks (`赌` | `博`) is still caught, and evidence spans are reported in
 * offsets of the whole stream.
 */
import type { Policy } from '../policy.js';
import type { ModerationResult } from '../result.js';
import type { ModerateOptions, TextModerator } from './moderator.js';

/** Long enough for any lexicon term with separators between its characters. */
export const DEFAULT_TAIL_CHARS = 64;

export class TextStream {
  private tail = '';
  /** Stream offset (UTF-16) of `tail[0]`. */
  private tailStart = 0;

  constructor(
    private readonly moderator: TextModerator,
    private readonly tailChars = DEFAULT_TAIL_CHARS,
  ) {}

  /**
   * The verdict for the window that ends with this chunk. Evidence spans are in stream
   * offsets; evidence lying wholly inside the carried-over tail was reported with an
   * earlier chunk and is left out. Scores and decision cover the whole window, so a
   * `block` repeats while the term is still in the tail: callers act on the first.
   */
  async push(chunk: string, policy?: Policy, options?: ModerateOptions): Promise<ModerationResult> {
    const window = this.tail + chunk;
    const windowStart = this.tailStart;
    const seenUntil = this.tail.length;
    const result = await this.moderator.moderate(window, policy, options);

    let cut = Math.max(0, window.length - this.tailChars);
    // never split a surrogate pair
    if (cut > 0 && cut < window.length && /[\uDC00-\uDFFF]/.test(window[cut]!)) cut--;
    this.tail = window.slice(cut);
    this.tailStart = windowStart + cut;

    return {
      ...result,
      evidence: result.evidence
        .filter((e) => !e.textSpan || e.textSpan.end > seenUntil)
        .map((e) => (e.textSpan ? { ...e, textSpan: { ...e.textSpan, start: e.textSpan.start + windowStart, end: e.textSpan.end + windowStart } } : e)),
    };
  }
}
