import type { TestProject } from 'vitest/node';
import { findPgBin, startPgServer, type PgServer } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a real PostgreSQL server, or '' when none could be started. */
    pgAdminUrl: string;
    pgUnavailableReason: string;
  }
}

/**
 * One real PostgreSQL server for the whole run (each suite makes its own database).
 * TEST_DATABASE_URL points at an existing server instead. In CI the server must be
 * there: a missing one fails the run rather than silently skipping the Postgres half.
 */
export default async function setup(project: TestProject) {
  let server: PgServer | undefined;
  let url = process.env.TEST_DATABASE_URL ?? '';
  let reason = '';
  if (!url) {
    const bin = findPgBin();
    if (bin) {
      server = await startPgServer(bin);
      url = server.url;
    } else reason = 'no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)';
  }
  if (!url && process.env.CI) throw new Error(`CI needs a real PostgreSQL server: ${reason}`);
  project.provide('pgAdminUrl', url);
  project.provide('pgUnavailableReason', reason);
  return async () => {
    await server?.stop();
  };
}
