import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, upload, waitDecided, type Service } from '../support/harness';
import { mp4 } from '../support/media';
import { verifiedConsent } from '../support/consent';
import { inject } from 'vitest';

/**
 * Two real worker processes against a real PostgreSQL server and S3 server: the first
 * is SIGKILLed in the middle of a job, its lease runs out, and the second finishes it.
 */
describe.skipIf(!inject('pgAdminUrl'))('a worker killed mid-job loses nothing (PostgreSQL, two processes)', () => {
  let svc: Service;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    svc = await startService('postgres', { worker: false });
    svc.defaultConsent = await verifiedConsent(svc);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await svc?.close();
  });

  const startWorkerProcess = () => {
    const child = spawn(process.execPath, ['bin/likeness.mjs', 'worker'], {
      env: { ...process.env, ...svc.env, JOB_LEASE_SECONDS: '3', JOB_POLL_MS: '100', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };

  it('the lease expires and another worker completes the job', async () => {
    // Long enough that decoding it takes seconds: the kill lands while the job runs.
    const video = mp4(90, '640x360');
    const up = await upload(svc, 'customization_video', video);
    expect(up.status).toBe(202);
    const id = up.body.id as string;

    const first = startWorkerProcess();
    // Claiming the job and marking the item `processing` are two steps: wait for both, so the
    // kill lands inside the pipeline run rather than between them.
    let job: { state: string; locked_by: string; attempts: number; media_state: string } | undefined;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      [job] = await svc.ctx.db.query<{ state: string; locked_by: string; attempts: number; media_state: string }>(
        "select j.state, j.locked_by, j.attempts, m.state as media_state from jobs j join media m on m.id::text = j.payload->>'mediaId' where j.payload->>'mediaId' = $1",
        [id],
      );
      if (job?.state === 'running' && job.media_state === 'processing') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(job?.state).toBe('running');
    expect(job?.media_state).toBe('processing');
    expect(job?.locked_by).toContain(`:${first.pid}:`);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const [media] = await svc.ctx.db.query<{ decision: string | null; state: string }>('select decision, state from media where id = $1', [id]);
    expect(media!.decision, 'the first worker finished before it was killed; the test proves nothing').toBeNull();
    expect(media!.state).toBe('processing');

    const second = startWorkerProcess();
    const item = await waitDecided(svc, id, 90_000);
    // No face ceremony behind the attestation: consent sends the video to review, decided by the second worker.
    expect(item.decision).toBe('review');
    expect(item.state).toBe('review');
    const [done] = await svc.ctx.db.query<{ state: string; locked_by: string; attempts: number }>(
      "select state, locked_by, attempts from jobs where payload->>'mediaId' = $1",
      [id],
    );
    expect(done).toMatchObject({ state: 'done', attempts: 2 });
    expect(done!.locked_by).toContain(`:${second.pid}:`);
  }, 150_000);
});
