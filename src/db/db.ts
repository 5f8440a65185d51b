import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { acquirePgliteLock, type PgliteLock } from './pglite-lock';

/**
 * The one database interface: PostgreSQL SQL with $n parameters, served either by
 * an embedded PGlite (no DATABASE_URL) or a real PostgreSQL server. No other code
 * knows which one it talks to.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * A database error as the rest of the service may see it: the SQLSTATE and the server's message,
 * never the statement's parameters or the row values some drivers attach (PGlite puts `params` on
 * its errors; PostgreSQL's `detail` can quote a key's value): those are personal data.
 */
export class DatabaseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly routine?: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

function clean(e: unknown): unknown {
  const x = e as { code?: unknown; message?: string; routine?: string } | null;
  if (!x || typeof x.code !== 'string' || !/^[0-9A-Z]{5}$/.test(x.code)) return e;
  // The message can name a value too ("invalid input syntax for type uuid: \"…\""): cut at the quote.
  const message = String(x.message ?? 'database error').replace(/:\s*"[\s\S]*$/, '');
  return new DatabaseError(x.code, message, x.routine);
}

const guarded = <A extends unknown[], T>(f: (...a: A) => Promise<T>) => async (...a: A): Promise<T> => {
  try {
    return await f(...a);
  } catch (e) {
    throw clean(e);
  }
};

export interface Db extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /** Multi-statement SQL without parameters (migrations). */
  exec(sql: string): Promise<void>;
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openDb(opts: { url?: string; dataDir?: string }): Promise<Db> {
  return opts.url ? openPostgres(opts.url) : openPglite(opts.dataDir);
}

async function openPglite(dataDir?: string): Promise<Db> {
  let dir: string | undefined;
  let lock: PgliteLock | undefined;
  if (dataDir) {
    dir = path.join(dataDir, 'pglite');
    fs.mkdirSync(dir, { recursive: true });
    // Before PGlite touches a page: a second process on the same files would lose its writes silently.
    lock = await acquirePgliteLock(dir);
  }
  const lite = new PGlite(dir);
  try {
    await lite.waitReady;
  } catch (e) {
    lock?.release();
    throw e;
  }
  const q = (target: Pick<PGlite, 'query'>): Queryable => ({
    query: guarded(async <T>(sql: string, params: unknown[] = []) => (await target.query<T>(sql, params)).rows),
  }) as Queryable;
  return {
    backend: 'pglite',
    ...q(lite),
    async exec(sql) {
      await lite.exec(sql);
    },
    tx: guarded((fn) => lite.transaction((t) => fn(q(t)))),
    async close() {
      try {
        await lite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A lost server connection must not crash the process; queries fail and are retried by callers.
  pool.on('error', () => {});
  await pool.query('select 1');
  return {
    backend: 'postgres',
    query: guarded(async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[]) as Queryable['query'],
    async exec(sql) {
      await pool.query(sql);
    },
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: guarded(async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[]) as Queryable['query'],
        });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw clean(e);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
