import sharp from 'sharp';

/**
 * A counting semaphore in pixels: what one process may have decoded at once.
 *
 * MAX_IMAGE_PIXELS bounds one image; this bounds them together. A decoded image costs memory in
 * proportion to its pixels (RGB from sharp, the shared copy the model threads read, libvips'
 * buffers, the stage before's copy not yet collected: one 36-Mpx portrait at a time raised the
 * worker's peak RSS by ~450 MB, two at a time by ~790 MB, bench/decode-memory.ts), so the sum
 * of the pixels admitted bounds what decoding can take, whatever number of jobs the worker runs.
 *
 * - First come, first served: a request waits while any request before it waits, even if it
 *   would fit now, so a large image is never starved by a stream of small ones.
 * - A request larger than the whole budget is admitted alone, once nothing else is in flight,
 *   and nothing else is admitted beside it.
 * - A request of 0 pixels (nothing to decode) passes at once.
 * - A wait ends early, with the signal's reason, when its signal aborts; the queue behind it
 *   moves up. Releasing is idempotent.
 */
export class PixelBudget {
  private inFlight = 0;
  private holders = 0;
  private peakPixels = 0;
  private peakWaiting = 0;
  private admitted = 0;
  private queued = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a pixel budget must be a positive integer (got ${limit})`);
  }

  /** Resolves with the release once `pixels` fit; rejects with the signal's reason if it aborts first. */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void> {
    if (!Number.isFinite(pixels) || pixels < 0) return Promise.reject(new RangeError(`pixels must be a finite number ≥ 0 (got ${pixels})`));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (pixels === 0) return Promise.resolve(() => {});
    if (!this.queue.length && this.fits(pixels)) return Promise.resolve(this.admit(pixels));
    this.queued++;
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = { pixels, resolve, reject, signal, onAbort: () => {} };
      waiter.onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(abortReason(signal!));
        // The head may have been what held the others back.
        this.pump();
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.peakWaiting = Math.max(this.peakWaiting, this.queue.length);
    });
  }

  /** Runs `fn` holding `pixels` of the budget; released when it settles, however it settles. */
  async run<T>(pixels: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(pixels, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** The gauge: pixels and holders in flight now, waiters, and the highest of each since the start (or resetPeaks). */
  stats(): PixelBudgetStats {
    return {
      limit: this.limit,
      inFlightPixels: this.inFlight,
      holders: this.holders,
      waiting: this.queue.length,
      peakPixels: this.peakPixels,
      peakWaiting: this.peakWaiting,
      admitted: this.admitted,
      queued: this.queued,
    };
  }

  resetPeaks(): void {
    this.peakPixels = this.inFlight;
    this.peakWaiting = this.queue.length;
    this.admitted = 0;
    this.queued = 0;
  }

  private fits(pixels: number): boolean {
    return this.holders === 0 || this.inFlight + pixels <= this.limit;
  }

  private admit(pixels: number): () => void {
    this.inFlight += pixels;
    this.holders++;
    this.admitted++;
    this.peakPixels = Math.max(this.peakPixels, this.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= pixels;
      this.holders--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.queue.length && this.fits(this.queue[0]!.pixels)) {
      const w = this.queue.shift()!;
      w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve(this.admit(w.pixels));
    }
  }
}

export interface PixelBudgetStats {
  limit: number;
  inFlightPixels: number;
  /** Requests admitted and not yet released. */
  holders: number;
  waiting: number;
  peakPixels: number;
  peakWaiting: number;
  /** Requests admitted (with pixels > 0); requests that had to wait (then admitted, or aborted). */
  admitted: number;
  queued: number;
}

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('the wait for the decode budget was aborted');

interface Waiter {
  pixels: number;
  resolve: (release: () => void) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort: () => void;
}

/**
 * The pixels decoding an image file may cost, read from its header (nothing is decoded): its
 * declared width × height, at most `maxImagePixels` (the probe refuses more before decoding,
 * so a bomb never holds more than a legal image). 0 when the header does not read: the probe
 * then rejects the file from the same header, before anything is decoded.
 */
export async function declaredPixels(file: string, maxImagePixels: number): Promise<number> {
  try {
    const { width = 0, height = 0 } = await sharp(file, { limitInputPixels: false }).metadata();
    return Math.min(width * height, maxImagePixels);
  } catch {
    return 0;
  }
}
