// A small pool of worker threads for models that must not run on the main thread
// (OCR: its OpenCV build installs process-wide error handlers). Workers start on
// first use; a worker that dies fails its pending calls with a stable code and is
// replaced on the next call. Idle workers do not keep the process alive.
import { Worker } from 'node:worker_threads';
import { InferenceError } from './errors.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; pending: Map<number, Pending> }

export interface WorkerReply { id: number; result?: unknown; error?: string }

export class WorkerPool {
  private readonly slots: (Slot | undefined)[];
  private nextId = 1;

  constructor(
    private readonly script: URL,
    private readonly workerData: unknown,
    size = 1,
  ) {
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  /** Sends `message` (plus `transfer`) to the least busy worker and resolves with its result. */
  call<T>(message: object, transfer: ArrayBuffer[] = []): Promise<T> {
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, ...message }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s?.worker.terminate()));
    this.slots.fill(undefined);
  }

  private leastBusy(): Slot {
    let best = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (!s) { best = i; break; }
      if (s.pending.size < (this.slots[best]?.pending.size ?? Infinity)) best = i;
    }
    return (this.slots[best] ??= this.spawn(best));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.script, { workerData: this.workerData });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.error !== undefined) p.reject(new InferenceError('inference.worker_failed', reply.error));
      else p.resolve(reply.result);
    });
    const fail = (why: string) => {
      for (const p of slot.pending.values()) p.reject(new InferenceError('inference.worker_failed', why));
      slot.pending.clear();
      if (this.slots[index] === slot) this.slots[index] = undefined;
    };
    worker.on('error', (err) => fail(`worker error: ${err.message}`));
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    return slot;
  }
}
