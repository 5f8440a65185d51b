// Text lines of a JSON Lines batch moderated on worker threads as well as on the main thread
// (which also reads, runs file items and writes in order), so a backfill uses every core.
import type { Decision } from '../../pipelines/types';
import { WorkerPool } from '../inference/worker-pool';

export interface TextLine {
  /** 1-based line number in the input. */
  line: number;
  raw: string;
}

/** A result serialised where it was made: the main thread only writes it out. */
export interface TextLineResult {
  decision: Decision;
  json: string;
}

interface Waiting extends TextLine {
  resolve: (r: TextLineResult) => void;
  reject: (e: unknown) => void;
}

export class TextLinePool {
  private readonly pool: WorkerPool;
  private batch: Waiting[] = [];

  /**
   * `workerData` reaches every worker as its batch options (config included); `batchSize`
   * lines go out in one message, which the worker moderates together.
   */
  constructor(workerData: unknown, private readonly threads: number, private readonly batchSize: number) {
    this.pool = new WorkerPool(new URL('./text-lines-worker.mjs', import.meta.url), workerData, threads);
    // Each worker takes a second or so to load the code and the model; until one has, the
    // caller moderates lines itself. A worker that never starts leaves it doing so.
    for (let i = 0; i < threads; i++) this.pool.call({ warm: true }).then(() => (this.ready = true), () => {});
  }

  /** Whether a worker has loaded and takes lines. */
  ready = false;
  private inFlight = 0;

  /**
   * Whether a line given now would be on its way at once: a worker is up and the batches sent
   * or forming stay within two per worker (one being moderated, one waiting). Otherwise the
   * caller moderates the line itself, so neither side waits for the other.
   */
  hasRoom(): boolean {
    return this.ready && this.inFlight + Math.ceil((this.batch.length + 1) / this.batchSize) <= 2 * this.threads;
  }

  /** Resolves with the line's result; rejects (InferenceError) if its worker died. */
  moderate(line: TextLine): Promise<TextLineResult> {
    return new Promise((resolve, reject) => {
      // Lines read in the same turn travel together; a full batch leaves at once.
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ ...line, resolve, reject });
      if (this.batch.length >= this.batchSize) this.flush();
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private flush(): void {
    const batch = this.batch;
    if (!batch.length) return;
    this.batch = [];
    this.inFlight++;
    this.pool.call<TextLineResult[]>({ lines: batch.map(({ line, raw }) => ({ line, raw })) }).then(
      (results) => {
        this.inFlight--;
        batch.forEach((w, i) => w.resolve(results[i]!));
      },
      (e: unknown) => {
        this.inFlight--;
        batch.forEach((w) => w.reject(e));
      },
    );
  }
}
