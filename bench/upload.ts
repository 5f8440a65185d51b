/**
 * Upload → decision latency and throughput against `likeness serve` on loopback.
 *
 *   npm run bench:upload -- [--clients 8] [--requests 200]
 *
 * Starts the service as `npm start` does (embedded PGlite + embedded S3, API and
 * workers in one process), then N concurrent clients upload small JPEGs and short
 * texts with `Prefer: wait=30`, so each request's time is upload + pipeline +
 * decision (portraits show one person and carry an attestation without a ceremony, so
 * they end in review after the whole image pass; a portrait that ends otherwise stops
 * the run). The peer, measured in the same run against the same S3 server, is a bare
 * PutObject of the same bytes: the floor any S3-backed upload service pays.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { facePortraits, oneUsableFace, samplePhotos, sexualScore } from '../test/support/photos';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '8' }, requests: { type: 'string', default: '200' } },
});
const CLIENTS = Number(values.clients);
const REQUESTS = Number(values.requests);
const KEY = 'lg_benchkey_' + 'b'.repeat(32); // matches lg_<8 chars>_<secret>
// The embedded S3 store checks signatures: the peer below signs with the same pair as the service.
const S3_KEYS = { accessKeyId: 'LGBENCH', secretAccessKey: randomBytes(30).toString('base64url') };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function startService(dir: string, port: number) {
  const child = spawn(process.execPath, ['bin/likeness.mjs', 'serve'], {
    env: { ...process.env, DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info', LIKENESS_BOOTSTRAP_KEY: KEY, NODE_NO_WARNINGS: '1', S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId, S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let s3Endpoint = '';
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"endpoint":"(http:[^"]+)"/.exec(buf);
      if (m) s3Endpoint = m[1]!;
      if (buf.includes('likeness-gate listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
  return { child, s3Endpoint };
}

/**
 * A subject and an attestation for the portraits. No ceremony stands behind it, so the
 * consent stages answer `review` (consent.unverified; consent.face_unverified for the one
 * face) and every other stage still runs: the full image pass.
 */
async function createConsent(base: string): Promise<string> {
  const json = async (p: string, body: unknown) => {
    const res = await fetch(`${base}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const subject = await json('/v1/subjects', { display_name: 'Bench Subject', language: 'en' });
  const attestation = await json('/v1/consents', {
    subject_id: subject.id,
    attester: 'bench@example.com',
    relation: 'self',
    scopes: ['face'],
    purposes: ['image_avatar'],
    valid_until: new Date(Date.now() + 86_400_000).toISOString(),
    separate_biometric_consent: true,
  });
  return attestation.id;
}

async function run(label: string, n: number, one: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const p50 = quantile(latencies, 0.5);
  console.log(`${label.padEnd(28)} p50 ${fmt(p50).padStart(9)}  p95 ${fmt(quantile(latencies, 0.95)).padStart(9)}  ${(n / seconds).toFixed(1).padStart(6)} items/s`);
  return p50;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bench-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const { child, s3Endpoint } = await startService(dir, port);
  const base = `http://127.0.0.1:${port}`;
  try {
    // Real portraits, so the whole image pass runs: faces, safety, OCR, hash bank, QR. A portrait must
    // show exactly one usable face (two people or none: rejected, the image pass skipped), so each is one
    // person cut from face-api's group photos (test/support/photos.ts), at 512 and 448 px, each size
    // checked again with the consent stage's own face inventory; and none the safety model would send
    // to review or block on its own (sexual < 0.3), so the decision is the consent stages' review.
    const variants = (await Promise.all(samplePhotos().map((f) => facePortraits(f)))).flat().flatMap((p) => [
      sharp(p).resize(512, 512).jpeg({ quality: 85 }).toBuffer(),
      sharp(p).resize(448, 448).jpeg({ quality: 80 }).toBuffer(),
    ]);
    const images: Buffer[] = [];
    for (const v of variants) {
      if (images.length === 16) break;
      const bytes = await v;
      if ((await oneUsableFace(bytes)) && (await sexualScore(bytes)) < 0.3) images.push(bytes);
    }
    if (images.length < 8) throw new Error(`only ${images.length} one-face portraits from the face-api demo photos (npm install)`);
    const consentId = await createConsent(base);
    const texts = Array.from({ length: 16 }, (_, i) => `Hello, this is driving text number ${i} for the avatar. 今天天气很好。`);

    const post = async (kind: string, body: Buffer | string) => {
      const consent = kind === 'portrait_image' ? `&consent_id=${consentId}` : '';
      const res = await fetch(`${base}/v1/media?kind=${kind}${consent}`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${KEY}`, prefer: 'wait=30' },
      });
      const json = (await res.json()) as { decision?: string; stages?: { stage: string; status: string }[] };
      if (res.status !== 200 || !json.decision) throw new Error(`${kind}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
      // What the rows below claim: every portrait went through every stage and ended in review.
      if (kind === 'portrait_image' && (json.decision !== 'review' || json.stages?.some((s) => s.status === 'skipped'))) {
        throw new Error(`portrait: ${json.decision} ${JSON.stringify(json.stages?.map((s) => [s.stage, s.status]))}`);
      }
    };

    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_KEYS,
    });
    const put = (i: number, body: Buffer | string) =>
      s3.send(new PutObjectCommand({ Bucket: 'likeness-gate', Key: `bench/${i}`, Body: body })).then(() => {});

    console.log(`clients ${CLIENTS}, requests ${REQUESTS} per row, ${images.length} one-face portraits, ${os.cpus().length} cores, node ${process.version}`);
    await run('warm-up', 20, (i) => post('portrait_image', images[i % images.length]!));
    const peerImg = await run('peer: S3 PutObject (image)', REQUESTS, (i) => put(i, images[i % images.length]!));
    const img = await run('upload→decision: image', REQUESTS, (i) => post('portrait_image', images[i % images.length]!));
    const peerTxt = await run('peer: S3 PutObject (text)', REQUESTS, (i) => put(i, texts[i % 16]!));
    const txt = await run('upload→decision: text', REQUESTS, (i) => post('driving_text', texts[i % 16]!));
    console.log(`ratio image p50 / PutObject p50: ${(img / peerImg).toFixed(1)}x`);
    console.log(`ratio text  p50 / PutObject p50: ${(txt / peerTxt).toFixed(1)}x`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
