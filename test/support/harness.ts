import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { startHttpServer } from '../../src/api/http-server';
import type { AppContext } from '../../src/app-context';
import { loadConfig } from '../../src/core/config';
import { isMediaKind, KINDS } from '../../src/media/kinds';
import { openRuntime, type Runtime } from '../../src/runtime';
import { createTenant } from '../../src/tenants/keys';
import { startWorker, type WorkerHandle } from '../../src/worker/worker';
import { startEmbeddedS3, type EmbeddedS3 } from '../../storage/embedded-s3';

export type Backend = 'pglite' | 'postgres';

/** The database backends this run can test: PGlite always, PostgreSQL when a server is up. */
export function backends(): Backend[] {
  return inject('pgAdminUrl') ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh database on the shared PostgreSQL server, dropped by the caller's cleanup. */
export async function freshPostgresDb(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = inject('pgAdminUrl');
  const name = `t_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface Service {
  backend: Backend;
  baseUrl: string;
  ctx: AppContext;
  env: Record<string, string>;
  keyA: string;
  keyB: string;
  s3: EmbeddedS3;
  /** When set, `upload` names this attestation for kinds that carry a likeness (unless the call names one). */
  defaultConsent?: string;
  close(): Promise<void>;
}

/**
 * The service as it runs in production, on real components: a PostgreSQL server or
 * PGlite, an S3 server on loopback (reached through S3_ENDPOINT like MinIO would be),
 * the real HTTP server, and in-process workers. Two tenants, A and B.
 */
export async function startService(backend: Backend, opts: { worker?: boolean; env?: Record<string, string> } = {}): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-test-'));
  const s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'likeness-test' });
  const pgDb = backend === 'postgres' ? await freshPostgresDb() : undefined;
  const env: Record<string, string> = {
    DATA_DIR: dir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: 'likeness-test',
    S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    JOB_POLL_MS: '50',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const rt: Runtime = await openRuntime(config);
  rt.ctx.log.level = 'silent';
  const { apiKey: keyA } = await createTenant(rt.ctx.db, 'tenant-a');
  const { apiKey: keyB } = await createTenant(rt.ctx.db, 'tenant-b');
  let worker: WorkerHandle | undefined;
  if (opts.worker !== false) {
    worker = startWorker(rt.ctx);
    rt.ctx.wakeWorkers = worker.wake;
  }
  const { server, port } = await startHttpServer(rt.ctx, { hostname: '127.0.0.1', port: 0 });
  return {
    backend,
    baseUrl: `http://127.0.0.1:${port}`,
    ctx: rt.ctx,
    env,
    keyA,
    keyB,
    s3,
    async close() {
      await new Promise((r) => server.close(r));
      await worker?.stop();
      await rt.close();
      await s3.close();
      await pgDb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Uploaded {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function upload(
  svc: Service,
  kind: string,
  data: Buffer | string,
  opts: { key?: string; multipart?: boolean; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<Uploaded> {
  const key = opts.key ?? svc.keyA;
  if (svc.defaultConsent && key === svc.keyA && isMediaKind(kind) && KINDS[kind].carriesLikeness && !opts.query?.consent_id) {
    opts = { ...opts, query: { ...opts.query, consent_id: svc.defaultConsent } };
  }
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...opts.headers };
  let res: Response;
  if (opts.multipart) {
    const form = new FormData();
    form.set('kind', kind);
    for (const [k, v] of Object.entries(opts.query ?? {})) form.set(k, v);
    form.set('file', new Blob([data]), 'upload.bin');
    res = await fetch(`${svc.baseUrl}/v1/media`, { method: 'POST', body: form, headers });
  } else {
    const qs = new URLSearchParams({ kind, ...opts.query });
    res = await fetch(`${svc.baseUrl}/v1/media?${qs}`, {
      method: 'POST',
      body: data,
      headers: { 'content-type': 'application/octet-stream', ...headers },
    });
  }
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function getItem(svc: Service, id: string, key = svc.keyA) {
  const res = await fetch(`${svc.baseUrl}/v1/media/${id}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any>, type: res.headers.get('content-type') };
}

export async function waitDecided(svc: Service, id: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getItem(svc, id);
    if (body.decision) return body;
    if (Date.now() > until) throw new Error(`item ${id} not decided in ${timeoutMs} ms (state ${body.state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
