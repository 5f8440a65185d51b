/**
 * Peak and settled memory of `likeness serve` while large portraits are decoded at once.
 *
 *   npx tsx bench/decode-memory.ts [--images 4] [--side 6000] [--concurrency 4] [--settle 10] [--checkout DIR]
 *
 * Each row starts the service as `npm start` does (embedded PGlite and S3, API and workers in
 * one process, WORKER_CONCURRENCY=--concurrency) and decides four 2400×2400 portraits, two at a
 * time, so that every model is loaded and has read at the sizes it reads large images at (OCR
 * at 1280 px, the QR scan at 2048 px, both OCR workers started): the memory their arenas keep
 * is then in the idle figure, and what follows is what decoding costs. It then uploads --images
 * PNG portraits of --side × --side pixels at once (one face cut from face-api's demo photo,
 * composed into a flat background: about 0.6 MB each on the wire, within MAX_IMAGE_PIXELS),
 * samples the process's RSS from /proc every 20 ms until all are decided, and reads it again
 * --settle seconds later. Rows, same run: the decode budget out of the way
 * (MAX_DECODE_PIXELS=10^12), as by default (2 × MAX_IMAGE_PIXELS), and at 1 × MAX_IMAGE_PIXELS;
 * with --checkout, also another checkout of the service with its own defaults (e.g.
 * `git archive <commit> | tar -x -C DIR` of the commit before the budget, node_modules linked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { faceOnCanvas } from '../test/support/photos';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '4' },
    side: { type: 'string', default: '6000' },
    concurrency: { type: 'string', default: '4' },
    checkout: { type: 'string' },
    settle: { type: 'string', default: '10' },
  },
});
const IMAGES = Number(values.images);
const SIDE = Number(values.side);
const SETTLE_MS = Number(values.settle) * 1000;
const KEY = 'lg_benchmem_' + 'm'.repeat(32);
const S3_KEYS = { accessKeyId: 'LGBENCH', secretAccessKey: randomBytes(30).toString('base64url') };

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/** VmRSS and VmHWM (peak RSS) of a process, in kB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** One face (face-api's sample1) on flat backgrounds: compressible, so small on the wire. */
async function portraits(): Promise<{ warm: Buffer; warm2: Buffer; large: Buffer[] }> {
  // The warm-up is large enough that OCR (1280 px) and the QR scan (2048 px) read it at the sizes
  // they read the large ones at: what their model arenas settle at is then in the idle figure.
  const [warm, warm2] = await Promise.all([faceOnCanvas(2400, 9), faceOnCanvas(2400, 10)]);
  const large = await Promise.all(Array.from({ length: IMAGES }, (_, i) => faceOnCanvas(SIDE, i)));
  return { warm, warm2, large };
}

async function startService(cwd: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bench-mem-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, ['bin/likeness.mjs', 'serve'], {
    cwd,
    env: {
      ...process.env,
      DATA_DIR: dir,
      PORT: String(port),
      LOG_LEVEL: 'info',
      LIKENESS_BOOTSTRAP_KEY: KEY,
      NODE_NO_WARNINGS: '1',
      S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
      WORKER_CONCURRENCY: values.concurrency!,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf = (buf + d.toString()).slice(-10_000);
      if (buf.includes('likeness-gate listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
  child.stdout!.resume();
  return { child, base: `http://127.0.0.1:${port}` };
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  if (res.status >= 400) throw new Error(`${method} ${p}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** An attestation without a ceremony: consent.face answers review (no references) and the whole image pass still runs. */
async function createConsent(base: string): Promise<string> {
  const subject = await api(base, 'POST', '/v1/subjects', { display_name: 'Bench Subject', language: 'en' });
  const consent = await api(base, 'POST', '/v1/consents', {
    subject_id: subject.id,
    attester: 'bench@example.com',
    relation: 'self',
    scopes: ['face'],
    purposes: ['image_avatar'],
    valid_until: new Date(Date.now() + 86_400_000).toISOString(),
    separate_biometric_consent: true,
  });
  return consent.id as string;
}

async function decided(base: string, id: string): Promise<Record<string, any>> {
  for (;;) {
    const item = await api(base, 'GET', `/v1/media/${id}`);
    if (item.decision) return item;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Row { label: string; idle: number; peak: number; hwm: number; settled: number; seconds: number; decisions: string[]; ranModeration: number }

async function measure(label: string, cwd: string, env: Record<string, string>, images: { warm: Buffer; warm2: Buffer; large: Buffer[] }): Promise<Row> {
  const { child, base } = await startService(cwd, env);
  const pid = child.pid!;
  try {
    const consent = await createConsent(base);
    const post = async (bytes: Buffer) => (await api(base, 'POST', `/v1/media?kind=portrait_image&consent_id=${consent}`, bytes)).id as string;
    // Twice two at once: both OCR workers start and read one at full size.
    for (let round = 0; round < 2; round++) await Promise.all([post(images.warm), post(images.warm2)].map(async (id) => decided(base, await id)));
    await new Promise((r) => setTimeout(r, 5000));
    const idle = memoryOf(pid).rss;
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(pid).rss);
    }, 20);
    const t0 = performance.now();
    const ids = await Promise.all(images.large.map(post));
    const items = await Promise.all(ids.map((id) => decided(base, id)));
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    clearInterval(sampler);
    const { rss: settled, hwm } = memoryOf(pid);
    const ranModeration = items.filter((i) => (i.stages as { stage: string; status: string }[]).some((s) => s.stage === 'moderate.image' && s.status !== 'skipped')).length;
    return { label, idle, peak, hwm, settled, seconds, decisions: items.map((i) => `${i.decision}${i.reason ? ` (${i.reason})` : ''}`), ranModeration };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const images = await portraits();
console.log(
  `${IMAGES} PNG portraits of ${SIDE}x${SIDE} (${((SIDE * SIDE) / 1e6).toFixed(0)} Mpx, ${images.large.map((b) => `${(b.length / 1024).toFixed(0)} KB`).join(', ')}) at once, ` +
    `WORKER_CONCURRENCY=${values.concurrency}, ${os.cpus().length} cores, node ${process.version}`,
);
const rows: Row[] = [];
const variants: [string, string, Record<string, string>][] = [
  ['budget off (MAX_DECODE_PIXELS=1e12)', process.cwd(), { MAX_DECODE_PIXELS: String(1e12) }],
  ['budget default (unset: 2 x MAX_IMAGE_PIXELS)', process.cwd(), {}],
  ['budget 1 x MAX_IMAGE_PIXELS (40e6)', process.cwd(), { MAX_DECODE_PIXELS: String(40e6) }],
  ...(values.checkout ? [[`checkout ${values.checkout}`, path.resolve(values.checkout), {}] as [string, string, Record<string, string>]] : []),
];
for (const [label, cwd, env] of variants) {
  const row = await measure(label, cwd, env, images);
  rows.push(row);
  console.log(
    `${row.label.padEnd(44)} idle ${mb(row.idle).padStart(8)}  peak ${mb(row.peak).padStart(8)} (+${mb(row.peak - row.idle)})  VmHWM ${mb(row.hwm).padStart(8)}  ` +
      `${SETTLE_MS / 1000} s after ${mb(row.settled).padStart(8)}  all decided in ${row.seconds.toFixed(1)} s  ` +
      `[${row.decisions.join(', ')}; moderate.image ran on ${row.ranModeration}]`,
  );
}
const [off, on] = rows;
if (off && on) console.log(`peak growth with the budget / without: ${((on.peak - on.idle) / (off.peak - off.idle)).toFixed(2)}x`);
