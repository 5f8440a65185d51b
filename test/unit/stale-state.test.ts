import { describe, expect, it } from 'vitest';
import { HEARTBEAT_STALE_MS, judgeOwner, parseOwner, UNREADABLE_GRACE_MS, type Identity, type LockOwner, type PidProbe } from '../../src/db/pglite-lock';
import { CLAIM_RESUME_MS, candidatesBefore, reapIntervalMs, receivingVerdict } from '../../src/media/reaper';
import { ABANDONED_REASON } from '../../src/media/repo';

// The two "is it still alive?" rules, without I/O: the embedded database's owner lock, and uploads left `receiving`.

describe('judgeOwner: whether a PGlite lock found on disk still has an owner', () => {
  const here: Identity = { host: 'box', boot: 'boot-1', pidns: 'pid:[1]' };
  const owner = (o: Partial<LockOwner> = {}): LockOwner => ({ ...here, pid: 4242, start: '1000', token: 't', since: '2025-01-01T00:00:00Z', ...o });
  const probe = (pids: Record<number, string | null>): PidProbe => ({ alive: (pid) => pid in pids, startOf: (pid) => pids[pid] ?? null });

  it('same machine and namespace: held while the pid lives with the same start time', () => {
    expect(judgeOwner(owner(), here, 0, probe({ 4242: '1000' }))).toBe('held');
    expect(judgeOwner(owner(), here, 0, probe({}))).toBe('stale');
    // The pid now belongs to a process started later: reused, the owner is gone.
    expect(judgeOwner(owner(), here, 0, probe({ 4242: '9999' }))).toBe('stale');
    // Without /proc (macOS) only liveness is known: alive means held.
    expect(judgeOwner(owner({ start: null }), here, 0, probe({ 4242: null }))).toBe('held');
    // The heartbeat does not matter when the pid can be asked: a live owner with a blocked loop keeps its lock.
    expect(judgeOwner(owner(), here, 10 * HEARTBEAT_STALE_MS, probe({ 4242: '1000' }))).toBe('held');
  });

  it('a lock from before a reboot of this host is stale even if its pid is taken', () => {
    expect(judgeOwner(owner({ boot: 'boot-0' }), here, 0, probe({ 4242: '1000' }))).toBe('stale');
  });

  it('another namespace or host: the pid means nothing here, the heartbeat decides', () => {
    const elsewhere = [owner({ pidns: 'pid:[2]' }), owner({ host: 'other', boot: 'boot-9' })];
    for (const o of elsewhere) {
      expect(judgeOwner(o, here, HEARTBEAT_STALE_MS - 1, probe({}))).toBe('held');
      expect(judgeOwner(o, here, HEARTBEAT_STALE_MS + 1, probe({ 4242: '1000' }))).toBe('stale');
    }
  });

  it('an unreadable lock is being written, until it is older than the grace', () => {
    expect(judgeOwner(null, here, 0, probe({}))).toBe('held');
    expect(judgeOwner(null, here, UNREADABLE_GRACE_MS + 1, probe({}))).toBe('stale');
  });

  it('parses only a lock record', () => {
    expect(parseOwner(JSON.stringify(owner()))).toEqual(owner());
    for (const bad of ['', '{', '{"pid":"1","token":"t","host":"h"}', '[]', 'null']) expect(parseOwner(bad)).toBeNull();
  });
});

describe('receivingVerdict: uploads a crash left `receiving`', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const row = (o: { state?: string; reason_code?: string | null; updated_at: Date }) =>
    ({ state: 'receiving', reason_code: null, ...o }) as Parameters<typeof receivingVerdict>[0];

  it('abandons a receiving row once it is older than the timeout, not before', () => {
    expect(receivingVerdict(row({ updated_at: ago(900_000) }), now, 900)).toBe('keep');
    expect(receivingVerdict(row({ updated_at: ago(900_001) }), now, 900)).toBe('abandon');
    // A row stamped ahead of this clock (another process's skew) is simply young.
    expect(receivingVerdict(row({ updated_at: ago(-60_000) }), now, 900)).toBe('keep');
  });

  it('never touches a row that left receiving', () => {
    for (const state of ['queued', 'processing', 'released', 'review', 'blocked', 'rejected']) {
      expect(receivingVerdict(row({ state, updated_at: ago(86_400_000) }), now, 900)).toBe('keep');
    }
  });

  it('leaves a fresh claim to the reaper holding it and takes up one a dead reaper left', () => {
    expect(receivingVerdict(row({ reason_code: ABANDONED_REASON, updated_at: ago(1_000) }), now, 1)).toBe('keep');
    expect(receivingVerdict(row({ reason_code: ABANDONED_REASON, updated_at: ago(CLAIM_RESUME_MS) }), now, 1)).toBe('keep');
    expect(receivingVerdict(row({ reason_code: ABANDONED_REASON, updated_at: ago(CLAIM_RESUME_MS + 1) }), now, 86_400)).toBe('resume');
  });

  it('the listing misses no row the verdict would end, and sweeps often enough for the bound', () => {
    for (const timeout of [1, 60, 900, 86_400]) {
      const before = candidatesBefore(now, timeout).getTime();
      for (const age of [0, 999, 1_000, 1_001, 60_001, CLAIM_RESUME_MS, CLAIM_RESUME_MS + 1, 900_001, 86_400_001]) {
        for (const reason_code of [null, ABANDONED_REASON]) {
          const r = row({ reason_code, updated_at: ago(age) });
          if (receivingVerdict(r, now, timeout) !== 'keep') expect(r.updated_at.getTime()).toBeLessThan(before);
        }
      }
      expect(reapIntervalMs(timeout)).toBeGreaterThanOrEqual(1_000);
      expect(reapIntervalMs(timeout)).toBeLessThanOrEqual(Math.max(1_000, timeout * 250));
    }
    expect(reapIntervalMs(900)).toBe(60_000);
  });
});
