// A small pool of worker threads for models that must not run on the main thread
// (OCR: its OpenCV build installs process-wide error handlers). Workers start on
// first use; a worker that dies fails its pending calls with a stable code and is
// replaced on the next call. Idle workers do not keep the process alive.
import { Worker } from 'node:worker_threads';
import { InferenceError, type InferenceErrorCode } from './errors.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void; settled: Promise<unknown> }
interface Slot { worker: Worker; pending: Map<number, Pending> }

/** A worker's answer; `code` keeps an inference error's own code (model.missing, …) across the thread. */
export interface WorkerReply { id: number; result?: unknown; error?: string; code?: InferenceErrorCode }

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
    let settle!: Pick<Pending, 'resolve' | 'reject'>;
    const answer = new Promise<T>((resolve, reject) => (settle = { resolve: resolve as (v: unknown) => void, reject }));
    slot.pending.set(id, { ...settle, settled: answer.catch(() => undefined) });
    slot.worker.ref();
    slot.worker.postMessage({ id, ...message }, transfer);
    return answer;
  }

  /**
   * Waits for the calls in flight, then stops the workers: terminating a worker inside a
   * native onnxruntime run aborted the whole process (a Napi::Error thrown in native code).
   */
  async close(): Promise<void> {
    const slots = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    await Promise.all(slots.flatMap((s) => [...s.pending.values()].map((p) => p.settled)));
    await Promise.all(slots.map((s) => s.worker.terminate()));
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
      if (reply.error !== undefined) p.reject(new InferenceError(reply.code ?? 'inference.worker_failed', reply.error));
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
