import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AppContext } from '../app-context';
import { claim, complete, extendLease, fail } from '../queue/jobs';
import { MEDIA_QUEUE } from '../queue/queues';
import { failClosed, processMedia } from './process-media';

export interface WorkerHandle {
  id: string;
  wake(): void;
  stop(): Promise<void>;
}

/**
 * N claim loops over the media queue. Each loop sleeps until woken (a job queued in
 * this process) or until the poll interval passes (a job queued by another process,
 * or a lease that ran out). While a job runs its lease is extended; if the lease is
 * lost the run is aborted, since another worker now owns the job.
 */
export function startWorker(ctx: AppContext): WorkerHandle {
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { concurrency, leaseSeconds, pollMs } = ctx.config.worker;
  let running = true;
  const sleepers = new Set<() => void>();
  const wake = () => {
    for (const s of sleepers) s();
    sleepers.clear();
  };
  const sleep = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sleepers.delete(done);
        resolve();
      }, pollMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      sleepers.add(done);
    });

  async function loop(): Promise<void> {
    while (running) {
      let worked = false;
      try {
        worked = await runOne(ctx, id, leaseSeconds);
      } catch (e) {
        ctx.log.error({ err: e }, 'worker loop error');
      }
      if (!worked && running) await sleep();
    }
  }

  const loops = Array.from({ length: concurrency }, loop);
  ctx.log.info({ worker: id, concurrency }, 'worker started');
  return {
    id,
    wake,
    async stop() {
      running = false;
      wake();
      await Promise.all(loops);
    },
  };
}

async function runOne(ctx: AppContext, workerId: string, leaseSeconds: number): Promise<boolean> {
  const job = await claim<{ mediaId: string }>(ctx.db, MEDIA_QUEUE, workerId, leaseSeconds);
  if (!job) return false;
  const abort = new AbortController();
  const heartbeat = setInterval(async () => {
    const held = await extendLease(ctx.db, job.id, workerId, leaseSeconds).catch(() => false);
    if (!held) abort.abort(new Error('lease lost'));
  }, (leaseSeconds * 1000) / 3);
  try {
    await processMedia(ctx, job.payload.mediaId, workerId, abort.signal);
    await complete(ctx.db, job.id, workerId);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    ctx.log.warn({ job: job.id, attempt: job.attempts, err: message }, 'media job failed');
    const state = await fail(ctx.db, job, workerId, message);
    if (state === 'dead') await failClosed(ctx, job.payload.mediaId, message);
  } finally {
    clearInterval(heartbeat);
  }
  return true;
}
