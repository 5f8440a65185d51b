import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/db';
import { migrate } from '../../src/db/migrate';
import { backoffSeconds, cancelJobsFor, claim, complete, enqueue, extendLease, fail } from '../../src/queue/jobs';

/** Queue semantics on PGlite (the same SQL runs on PostgreSQL in the integration suites). */
describe('job queue', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({});
    await migrate(db);
  });
  afterAll(async () => db.close());

  const expireLease = (id: string) => db.query("update jobs set lease_until = now() - interval '1 second' where id = $1", [id]);

  it('a claimed job is invisible to other workers until its lease runs out', async () => {
    const id = await enqueue(db, 'q1', { n: 1 }, { maxAttempts: 3 });
    const a = await claim(db, 'q1', 'w-a', 30);
    expect(a?.id).toBe(id);
    expect(await claim(db, 'q1', 'w-b', 30)).toBeNull();
    await expireLease(id);
    const b = await claim(db, 'q1', 'w-b', 30);
    expect(b).toMatchObject({ id, attempts: 2 });
    expect(await complete(db, id, 'w-a')).toBe(false);
    expect(await extendLease(db, id, 'w-a', 30)).toBe(false);
    expect(await complete(db, id, 'w-b')).toBe(true);
  });

  it('failures retry with exponential backoff, then dead-letter', async () => {
    expect([1, 2, 3, 10].map(backoffSeconds)).toEqual([2, 4, 8, 300]);
    const id = await enqueue(db, 'q2', {}, { maxAttempts: 2 });
    const first = (await claim(db, 'q2', 'w', 30))!;
    expect(await fail(db, first, 'w', 'boom')).toBe('queued');
    expect(await claim(db, 'q2', 'w', 30)).toBeNull();
    await db.query('update jobs set run_at = now() where id = $1', [id]);
    const second = (await claim(db, 'q2', 'w', 30))!;
    expect(await fail(db, second, 'w', 'boom again')).toBe('dead');
    await db.query('update jobs set run_at = now() where id = $1', [id]);
    expect(await claim(db, 'q2', 'w', 30)).toBeNull();
    const [row] = await db.query<{ state: string; last_error: string }>('select state, last_error from jobs where id = $1', [id]);
    expect(row).toEqual({ state: 'dead', last_error: 'boom again' });
  });

  it('a job whose worker died on its last attempt is dead-lettered, not retried forever', async () => {
    const id = await enqueue(db, 'q3', {}, { maxAttempts: 1 });
    await claim(db, 'q3', 'w', 30);
    await expireLease(id);
    expect(await claim(db, 'q3', 'w2', 30)).toBeNull();
    const [row] = await db.query<{ state: string }>('select state from jobs where id = $1', [id]);
    expect(row!.state).toBe('dead');
  });

  it('cancelling stops queued and running jobs of an item', async () => {
    await enqueue(db, 'q4', { mediaId: 'm1' }, { maxAttempts: 3 });
    await enqueue(db, 'q4', { mediaId: 'm2' }, { maxAttempts: 3 });
    expect(await cancelJobsFor(db, 'q4', 'm1')).toBe(1);
    const next = await claim<{ mediaId: string }>(db, 'q4', 'w', 30);
    expect(next?.payload.mediaId).toBe('m2');
  });
});
