import type { Queryable } from '../db/db';

/**
 * A Postgres job queue with the semantics a worker fleet needs: claim with
 * FOR UPDATE SKIP LOCKED under a lease, extend the lease while working, retry with
 * exponential backoff, and park jobs that keep failing as dead letters. A worker that
 * dies mid-job simply stops extending its lease; the job becomes claimable again.
 */
export interface Job<P = Record<string, unknown>> {
  id: string;
  queue: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'dead';

interface JobRow {
  id: string;
  queue: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export async function enqueue(
  q: Queryable,
  queue: string,
  payload: Record<string, unknown>,
  opts: { maxAttempts: number; delaySeconds?: number },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into jobs (queue, payload, max_attempts, run_at)
     values ($1, $2, $3, now() + make_interval(secs => $4)) returning id::text`,
    [queue, JSON.stringify(payload), opts.maxAttempts, opts.delaySeconds ?? 0],
  );
  return row!.id;
}

export async function claim<P = Record<string, unknown>>(
  q: Queryable,
  queue: string,
  workerId: string,
  leaseSeconds: number,
): Promise<Job<P> | null> {
  // A lease that ran out on the last allowed attempt means the job killed its worker every time.
  await q.query(
    `update jobs set state = 'dead', last_error = coalesce(last_error, 'lease expired'), updated_at = now()
     where queue = $1 and state = 'running' and lease_until < now() and attempts >= max_attempts`,
    [queue],
  );
  const [row] = await q.query<JobRow>(
    `update jobs set state = 'running', attempts = attempts + 1, locked_by = $2,
       lease_until = now() + make_interval(secs => $3), updated_at = now()
     where id = (
       select id from jobs
       where queue = $1 and (
         (state = 'queued' and run_at <= now()) or
         (state = 'running' and lease_until < now() and attempts < max_attempts))
       order by run_at, id
       for update skip locked
       limit 1)
     returning id::text, queue, payload, attempts, max_attempts`,
    [queue, workerId, leaseSeconds],
  );
  if (!row) return null;
  return { id: row.id, queue: row.queue, payload: row.payload as P, attempts: row.attempts, maxAttempts: row.max_attempts };
}

/** Returns false when the lease was lost (another worker took the job over). */
export async function extendLease(q: Queryable, jobId: string, workerId: string, leaseSeconds: number): Promise<boolean> {
  const rows = await q.query(
    `update jobs set lease_until = now() + make_interval(secs => $3), updated_at = now()
     where id = $1 and locked_by = $2 and state = 'running' returning id`,
    [jobId, workerId, leaseSeconds],
  );
  return rows.length === 1;
}

export async function complete(q: Queryable, jobId: string, workerId: string): Promise<boolean> {
  const rows = await q.query(
    `update jobs set state = 'done', lease_until = null, updated_at = now()
     where id = $1 and locked_by = $2 and state = 'running' returning id`,
    [jobId, workerId],
  );
  return rows.length === 1;
}

/** Backoff: 2^attempt seconds, capped at 5 minutes. */
export const backoffSeconds = (attempt: number): number => Math.min(300, 2 ** attempt);

export async function fail(q: Queryable, job: Job<unknown>, workerId: string, error: string): Promise<JobState> {
  const dead = job.attempts >= job.maxAttempts;
  await q.query(
    `update jobs set state = $3, last_error = $4, lease_until = null, updated_at = now(),
       run_at = now() + make_interval(secs => $5)
     where id = $1 and locked_by = $2`,
    [job.id, workerId, dead ? 'dead' : 'queued', error.slice(0, 2000), backoffSeconds(job.attempts)],
  );
  return dead ? 'dead' : 'queued';
}

/** Stops a job that no longer should run (its item was deleted or its consent revoked). */
export async function cancelJobsFor(q: Queryable, queue: string, mediaId: string): Promise<number> {
  const rows = await q.query(
    `update jobs set state = 'dead', last_error = 'cancelled', lease_until = null, updated_at = now()
     where queue = $1 and payload->>'mediaId' = $2 and state in ('queued', 'running') returning id`,
    [queue, mediaId],
  );
  return rows.length;
}
