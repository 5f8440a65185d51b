/**
 * The review console under load, against `likeness serve` on loopback (embedded PGlite + S3).
 *
 *   npm run bench:review -- [--moderators 8] [--items 240] [--backlog 10000] [--runs 30]
 *
 * 1. Claim → decision round trip: N moderators at once, each claiming the next item of the
 *    `all` queue and deciding it (reject or approve in turn, so half the decisions move an S3
 *    object to kept/). The peer, measured by the same moderators in the same run, is the
 *    cheapest authenticated console call (GET /review/api/session): what any request pays.
 * 2. The queue page's server time with a backlog of 10,000 items in review: GET /queues (every
 *    queue's count, oldest age and overdue count) and GET /queues/all/items?limit=50. The peer is
 *    the tenant's own listing, GET /v1/media?limit=50, over the same database in the same run.
 * The backlog (media rows and their review items, no bytes) is written straight into the database
 * while the service is stopped (PGlite has one owner): 10,000 uploads through the pipeline would
 * take longer than the measurement.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/db/db';

const { values } = parseArgs({
  options: {
    moderators: { type: 'string', default: '8' },
    items: { type: 'string', default: '240' },
    backlog: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '30' },
  },
});
const MODERATORS = Number(values.moderators);
const ITEMS = Number(values.items);
const BACKLOG = Number(values.backlog);
const RUNS = Number(values.runs);
const KEY = 'lg_benchrev_' + 'r'.repeat(32);
const ADMIN = { email: 'admin@bench.example', password: 'bench admin password' };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const row = (name: string, xs: number[], peer?: number[]) =>
  `${name.padEnd(44)} p50 ${ms(quantile(xs, 0.5)).padStart(9)}  p95 ${ms(quantile(xs, 0.95)).padStart(9)}  n=${xs.length}` +
  (peer ? `  (${(quantile(xs, 0.5) / quantile(peer, 0.5)).toFixed(1)}x the peer's p50)` : '');

const cli = (dir: string, args: string[], input?: string) => {
  const r = spawnSync(process.execPath, ['bin/likeness.mjs', ...args], {
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', LIKENESS_BOOTSTRAP_KEY: KEY, NODE_NO_WARNINGS: '1' }, input, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`likeness ${args.join(' ')}: ${r.stderr}`);
};

async function serve(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/likeness.mjs', 'serve'], {
    env: { ...process.env, DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info', LIKENESS_BOOTSTRAP_KEY: KEY, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('likeness-gate listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
  return child;
}

const stop = (c: ChildProcess) => new Promise<void>((r) => {
  c.once('exit', () => r());
  c.kill('SIGTERM');
});

class Mod {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}
  async login(email: string, password: string) {
    const res = await fetch(`${this.base}/review/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (!res.ok) throw new Error(`login ${res.status}`);
    this.cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    this.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
    return this;
  }
  async call(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.base}${p}`, {
      method, headers: { cookie: this.cookie, ...(method === 'GET' ? {} : { 'content-type': 'application/json', 'x-csrf-token': this.csrf }) },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await f();
  return [performance.now() - t, out];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bench-review-'));
  const port = 18000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const api = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, { ...init, headers: { authorization: `Bearer ${KEY}`, ...init.headers } });
  cli(dir, ['moderator', 'create', '--email', ADMIN.email, '--role', 'admin', '--password-stdin'], ADMIN.password);
  let svc = await serve(dir, port);
  try {
    const admin = await new Mod(base).login(ADMIN.email, ADMIN.password);
    await api('/v1/policies/active', {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'bench', version: '1', thresholds: { gambling: { block: null } } }),
    });
    // Items in review through the real pipeline, a few at a time.
    for (let i = 0; i < ITEMS; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, ITEMS - i) }, (_, j) =>
        api(`/v1/media?kind=driving_text`, { method: 'POST', headers: { prefer: 'wait=30' }, body: `Join our online casino now, table ${i + j}` }).then((r) => r.text())));
    }
    const mods: Mod[] = [];
    for (let i = 0; i < MODERATORS; i++) {
      const email = `m${i}@bench.example`;
      await admin.call('POST', '/review/api/moderators', { email, role: 'moderator', password: 'bench moderator password' });
      mods.push(await new Mod(base).login(email, 'bench moderator password'));
    }
    const trips: number[] = [];
    const claims: number[] = [];
    const decisions: number[] = [];
    const peer: number[] = [];
    let decided = 0;
    await Promise.all(mods.map(async (m, k) => {
      for (let n = 0; ; n++) {
        peer.push((await timed(() => m.call('GET', '/review/api/session')))[0]);
        const [t, got] = await timed(async () => {
          const [tc, { item }] = await timed(() => m.call('POST', '/review/api/queues/all/claim'));
          if (!item) return null;
          claims.push(tc);
          const body = (n + k) % 2 ? { action: 'approve' } : { action: 'reject', reason: 'gambling' };
          decisions.push((await timed(() => m.call('POST', `/review/api/items/${item.id}/decision`, body)))[0]);
          return item.id as string;
        });
        if (!got) break;
        trips.push(t);
        decided++;
      }
    }));
    console.log(`claim → decision, ${MODERATORS} moderators at once, ${decided} items decided (embedded PGlite + S3, 2 cores shared with the service):`);
    console.log(row('  claim next + decide (round trip)', trips, peer));
    console.log(row('    of which: claim next (with the item view)', claims));
    console.log(row('    of which: decide (S3 move or re-tag, events)', decisions));
    console.log(row('  peer: GET /review/api/session', peer));

    await stop(svc);
    await seedBacklog(dir, BACKLOG);
    svc = await serve(dir, port);
    const reader = await new Mod(base).login(ADMIN.email, ADMIN.password);
    const queues: number[] = [];
    const items: number[] = [];
    const listing: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      queues.push((await timed(() => reader.call('GET', '/review/api/queues')))[0]);
      items.push((await timed(() => reader.call('GET', '/review/api/queues/all/items?limit=50')))[0]);
      listing.push((await timed(() => api('/v1/media?limit=50').then((r) => r.json())))[0]);
    }
    const { queues: qs } = await reader.call('GET', '/review/api/queues');
    console.log(`\nqueue page with ${qs.find((q: any) => q.id === 'all').count} items in review (${qs.length} queues listed), ${RUNS} runs each, one at a time:`);
    console.log(row('  GET /review/api/queues (counts, ages, SLA)', queues, listing));
    console.log(row('  GET /review/api/queues/all/items?limit=50', items, listing));
    console.log(row('  peer: GET /v1/media?limit=50', listing));
  } finally {
    await stop(svc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A backlog of open items across kinds, categories and ages, with their `created` events. */
async function seedBacklog(dir: string, n: number) {
  const db = await openDb({ dataDir: dir });
  await db.exec(`
    create temp table backlog as
      select gen_random_uuid() as id, i,
        (array['portrait_image','customization_video','voice_sample','driving_audio','driving_text','generated_video'])[1 + i % 6] as kind
      from generate_series(1, ${n}) as i;
    insert into media (id, tenant_id, kind, state, object_key, retention_class, data_category, decision, reason_code)
    select b.id, t.id, b.kind, 'review', 'quarantine/' || t.id || '/' || b.id, 'until_deleted', 'biometric', 'review', 'moderation.review.gambling'
    from backlog b, (select id from tenants limit 1) t;
    insert into review_items (id, tenant_id, subject_type, media_id, kind, queue, categories, scores, reasons, priority, created_at)
    select gen_random_uuid(), m.tenant_id, 'media', b.id, b.kind,
      'media', array[(array['sexual','violence','gambling','fraud','abuse','minor_safety'])[1 + b.i % 6]],
      '{"gambling": 0.6}'::jsonb, array['moderation.review.gambling'], 20 + b.i % 70, now() - make_interval(mins => b.i % 600)
    from backlog b join media m on m.id = b.id;
    insert into moderation_events (item_id, tenant_id, type, actor, data)
    select id, tenant_id, 'created', 'system', '{"queue":"media"}'::jsonb from review_items r
    where not exists (select 1 from moderation_events e where e.item_id = r.id);
  `);
  await db.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
