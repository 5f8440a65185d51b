/**
 * Runs async jobs one after another in arrival order, counting those not yet done, so a
 * stream can refuse a client that sends faster than verdicts can be made (instead of
 * queueing without bound).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  get pending(): number {
    return this.waiting;
  }

  run(job: () => Promise<void> | void): void {
    this.waiting++;
    this.tail = this.tail
      .then(job)
      .catch(this.onError)
      .finally(() => {
        this.waiting--;
      });
  }

  /** Resolves when every job queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
