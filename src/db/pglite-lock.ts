import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../core/errors';

/**
 * PGlite is PostgreSQL without a postmaster: nothing stops a second process from opening the
 * same directory, and the two then write over each other's pages — the second one's writes are
 * lost without an error. This lock makes the directory single-owner.
 *
 * Node has no flock/fcntl, so the lock is a file created with O_EXCL that names its owner, and a
 * lock whose owner is gone is taken over:
 *  - seen from the owner's machine and pid namespace, the owner is gone when its pid is dead or
 *    now belongs to a process started at another time (pids are reused, in containers at once);
 *  - seen from elsewhere (another container on the same volume, another host on a network
 *    filesystem) a pid says nothing, so the owner refreshes the file's mtime every HEARTBEAT_MS
 *    and a lock left unrefreshed for HEARTBEAT_STALE_MS is gone.
 */

export const LOCK_FILE = 'likeness.lock';
const HEARTBEAT_MS = 10_000;
export const HEARTBEAT_STALE_MS = 60_000;
/** An owner that cannot be read is one being written this instant, unless the file is older than this. */
export const UNREADABLE_GRACE_MS = 10_000;
/** Taking over holds a second O_EXCL file for a few milliseconds; one this old was left by a crash. */
const TAKEOVER_STALE_MS = 30_000;

export const IN_USE_ADVICE = 'the service is running on this data directory: stop it, or point DATABASE_URL at a PostgreSQL server';

export interface Identity {
  host: string;
  /** Linux's boot id: a pid from another boot means nothing. */
  boot: string | null;
  /** The pid namespace: a pid from another namespace (container) means nothing. */
  pidns: string | null;
}

export interface LockOwner extends Identity {
  pid: number;
  /** When the pid's process started (clock ticks since boot): tells a reused pid from the owner. */
  start: string | null;
  token: string;
  since: string;
}

export interface PidProbe {
  alive(pid: number): boolean;
  startOf(pid: number): string | null;
}

/** Whether the owner's pid can be asked from here: same host, same boot, same pid namespace. */
const pidsComparable = (owner: Identity, self: Identity) =>
  owner.host === self.host && owner.boot === self.boot && owner.pidns === self.pidns;

/** Whether a lock found on disk still has an owner. Pure: the probe answers for pids on this machine. */
export function judgeOwner(owner: LockOwner | null, self: Identity, ageMs: number, probe: PidProbe): 'held' | 'stale' {
  if (!owner) return ageMs > UNREADABLE_GRACE_MS ? 'stale' : 'held';
  if (owner.host === self.host && owner.boot && self.boot && owner.boot !== self.boot) return 'stale';
  if (pidsComparable(owner, self)) {
    if (!probe.alive(owner.pid)) return 'stale';
    const start = probe.startOf(owner.pid);
    return owner.start && start && start !== owner.start ? 'stale' : 'held';
  }
  return ageMs > HEARTBEAT_STALE_MS ? 'stale' : 'held';
}

export function parseOwner(raw: string): LockOwner | null {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner>;
    if (!Number.isInteger(o.pid) || typeof o.token !== 'string' || typeof o.host !== 'string') return null;
    return { pid: o.pid!, token: o.token, host: o.host, boot: o.boot ?? null, pidns: o.pidns ?? null, start: o.start ?? null, since: String(o.since ?? '') };
  } catch {
    return null;
  }
}

const readOrNull = (read: () => string): string | null => {
  try {
    return read().trim() || null;
  } catch {
    return null;
  }
};

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
function procStart(pid: number): string | null {
  const stat = readOrNull(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

export const localProbe: PidProbe = {
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: the process exists but belongs to someone else.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startOf: procStart,
};

export function localIdentity(): Identity {
  return {
    host: os.hostname(),
    boot: readOrNull(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidns: readOrNull(() => fs.readlinkSync('/proc/self/ns/pid')),
  };
}

export interface PgliteLock {
  readonly file: string;
  release(): void;
}

const ageOf = (file: string): number | null => {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
};

function readLock(file: string): { raw: string; owner: LockOwner | null; ageMs: number } | null {
  try {
    const raw = fs.readFileSync(file, 'utf8');
    return { raw, owner: parseOwner(raw), ageMs: ageOf(file) ?? 0 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock, but only the one judged: two processes that both found it stale would
 * otherwise each remove it, and the slower one would remove the lock the faster one just took.
 */
function takeOver(file: string, judged: string): void {
  const guard = `${file}.takeover`;
  if (!tryCreate(guard, String(process.pid))) {
    if ((ageOf(guard) ?? 0) > TAKEOVER_STALE_MS) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    if (readLock(file)?.raw === judged) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function inUse(dir: string, file: string, owner: LockOwner | null, self: Identity): AppError {
  const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'an owner still writing its lock';
  // From another container or host the pid cannot be checked: say when the lock frees itself.
  const after = owner && !pidsComparable(owner, self) ? `; if it is gone, the lock is free ${HEARTBEAT_STALE_MS / 1000} s after it stopped` : '';
  return new AppError('db.in_use', `${IN_USE_ADVICE} (${path.dirname(dir)} is held by ${who}${after}; lock ${file})`, {
    lockFile: file,
    ownerPid: owner?.pid ?? null,
  });
}

function hold(file: string, me: LockOwner): PgliteLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now, () => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    clearInterval(heartbeat);
    process.off('exit', release);
    // Only our own: a lock someone removed and another process took is not ours to delete.
    try {
      if (readLock(file)?.owner?.token === me.token) fs.rmSync(file, { force: true });
    } catch {
      // Unreadable now (directory gone, permissions): the pid check frees it for the next owner.
    }
  };
  // An exit without close (process.exit, an uncaught error) still frees the directory; a kill -9 leaves a lock the pid check clears.
  process.on('exit', release);
  return { file, release };
}

/** Takes `dir` for this process, or throws `db.in_use` while another live process holds it. */
export async function acquirePgliteLock(dir: string, probe: PidProbe = localProbe): Promise<PgliteLock> {
  const file = path.join(dir, LOCK_FILE);
  const self = localIdentity();
  const me: LockOwner = { pid: process.pid, start: procStart(process.pid), token: randomUUID(), since: new Date().toISOString(), ...self };
  const content = JSON.stringify(me);
  let last: LockOwner | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, content)) return hold(file, me);
    const seen = readLock(file);
    if (!seen) continue;
    last = seen.owner;
    if (judgeOwner(seen.owner, self, seen.ageMs, probe) === 'held') throw inUse(dir, file, seen.owner, self);
    takeOver(file, seen.raw);
    // Another process may be taking it over at the same moment: give it time to finish.
    await sleep(20 * (attempt + 1));
  }
  throw inUse(dir, file, last, self);
}
