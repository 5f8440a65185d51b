import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors';
import { openDb, type Db } from '../../src/db/db';
import { migrate } from '../../src/db/migrate';
import { IN_USE_ADVICE, localIdentity, LOCK_FILE } from '../../src/db/pglite-lock';

// The embedded database has one owner: a second process (or a second open in this one) is
// refused with a coded message, and a lock whose owner died is taken over. PGlite only: a
// PostgreSQL server has its own postmaster for this.

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const lockFile = (dataDir: string) => path.join(dataDir, 'pglite', LOCK_FILE);

async function refusal(open: Promise<Db>): Promise<Error> {
  const err = await open.then(
    async (db) => {
      await db.close();
      return null;
    },
    (e: Error) => e,
  );
  if (!err) throw new Error('the second open was not refused');
  return err;
}

/** The CLI as a user runs it, on the embedded defaults of `dataDir`. */
function likeness(dataDir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_NO_WARNINGS: '1' };
  for (const k of ['DATABASE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) delete env[k];
  const child = spawn(process.execPath, ['bin/likeness.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('PGlite data directory lock', () => {
  it('refuses a second open while the first is open, with the coded message, and allows it after close', async () => {
    const dir = tempDir();
    const first = await openDb({ dataDir: dir });
    const owner = JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });

    const err = await refusal(openDb({ dataDir: dir }));
    expect(isAppError(err) && err.code).toBe('db.in_use');
    expect(err.message).toContain(IN_USE_ADVICE);
    expect(err.message).toContain(`process ${process.pid}`);

    await first.close();
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    const second = await openDb({ dataDir: dir });
    await second.close();
  });

  it('takes over a lock whose owner is dead, or whose pid now belongs to another process', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pglite'), { recursive: true });
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = { ...localIdentity(), pid: deadPid, start: '1', token: 'dead', since: '2020-01-01T00:00:00.000Z' };
    fs.writeFileSync(lockFile(dir), JSON.stringify(stale));
    const db = await openDb({ dataDir: dir });
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    await db.close();

    // A live pid started at another time than the lock says: the pid was reused (here: this very process).
    if (localIdentity().boot) {
      fs.writeFileSync(lockFile(dir), JSON.stringify({ ...stale, pid: process.pid, start: 'not-this-process', token: 'reused' }));
      const again = await openDb({ dataDir: dir });
      await again.close();
    }
  });

  it('a process killed with SIGKILL leaves a lock the next open takes over', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { openDb } = await import('./src/db/db.ts'); await openDb({ dataDir: ${JSON.stringify(dir)} }); console.log('open'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    });
    expect(await refusal(openDb({ dataDir: dir }))).toMatchObject({ code: 'db.in_use' });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8')).pid).toBe(child.pid);
    const db = await openDb({ dataDir: dir });
    await db.close();
  });

  it('`likeness tenant create` against a directory in use exits non-zero with the message; once free, the tenant it creates is kept', async () => {
    const dir = tempDir();
    const running = await openDb({ dataDir: dir });
    await migrate(running);
    const refused = await likeness(dir, ['tenant', 'create', 'x']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).not.toContain('api_key');
    expect(refused.stderr).toContain(`db.in_use: ${IN_USE_ADVICE}`);
    expect(await running.query('select 1 from tenants where name = $1', ['x'])).toEqual([]);
    await running.close();

    const created = await likeness(dir, ['tenant', 'create', 'x']);
    expect(created.code, created.stderr).toBe(0);
    const { tenant_id } = JSON.parse(created.stdout) as { tenant_id: string };
    const reopened = await openDb({ dataDir: dir });
    try {
      expect(await reopened.query('select name from tenants where id = $1', [tenant_id])).toEqual([{ name: 'x' }]);
    } finally {
      await reopened.close();
    }
  });
});
