/**
 * `npx tsx bench/image.ts [--passes 1] [--bank 1000]`: items/s and per-image latency (p50/p95)
 * of the portrait_image moderation path as the stage runs it (pipelines/stages/moderate-image.ts):
 * perceptual hash, then moderateImageBytes — safety model, OCR → text moderator, QR codes, and a
 * hash-bank lookup — on pictures made here: the face-api sample photos (1920 px JPEGs) and
 * rendered text adverts (bench/adverts.ts; posters, banners and captions over the photos).
 * Measured with and without OCR (readText), one image at a time and two in flight. `--parts`
 * adds the median time of each part alone (decode, safety model, OCR → text, QR scan).
 *
 * The hash bank is `--bank` random entries matched with the bank's own `closest` (the service
 * reads the bank from the database once per 10 s, so a lookup is this in-memory scan).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closest, type BankEntry } from '../src/moderation/hashbank/bank';
import { classifyImageSafety, decodeImage } from '../src/inference';
import { perceptualHash } from '../src/moderation/hashbank/phash';
import { moderateImageText } from '../src/moderation/image/image-text';
import { moderateImageQr } from '../src/moderation/image/qr';
import { moderateImageBytes } from '../src/moderation/image/moderate-image';
import { DEFAULT_POLICY } from '../src/moderation/policy';
import { renderText, variants, WRITTEN_ADVERTS } from './adverts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PASSES = arg('passes', 1);
const BANK = arg('bank', 1000);

const DEMO = 'node_modules/@vladmandic/face-api/demo';
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface Item {
  label: string;
  bytes: Buffer;
}

async function items(): Promise<Item[]> {
  const photos = fs.existsSync(DEMO) ? fs.readdirSync(DEMO).filter((f) => /^sample\d+\.jpg$/.test(f)).sort().map((f) => fs.readFileSync(path.join(DEMO, f))) : [];
  const out: Item[] = photos.map((bytes, i) => ({ label: `photo ${i + 1}`, bytes }));
  // One rendering per written advert, the layouts/fonts/sizes cycling with the index.
  for (const [i, a] of WRITTEN_ADVERTS.entries()) {
    const [o] = variants(a.lang, i, photos, 1);
    out.push({ label: `advert ${a.lang} ${o!.layout}`, bytes: await renderText(a.text, o!) });
  }
  return out;
}

async function measure(all: Item[], readText: boolean, concurrency: number, bank: BankEntry[]) {
  const lookup = async (p: string) => closest(bank, undefined, p);
  const one = async (it: Item) => {
    const t0 = performance.now();
    const phash = await perceptualHash(it.bytes);
    const r = await moderateImageBytes(it.bytes, { policy: DEFAULT_POLICY, phash, readText, lookup });
    return { ms: performance.now() - t0, decision: r.decision };
  };
  const queue = Array.from({ length: PASSES }, () => all).flat();
  const times: number[] = [];
  const decisions = new Map<string, number>();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queue.length) {
        const r = await one(queue[next++]!);
        times.push(r.ms);
        decisions.set(r.decision, (decisions.get(r.decision) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { n: queue.length, perSecond: queue.length / seconds, p50: pct(times, 50), p95: pct(times, 95), decisions };
}

/** Each part of the path alone, median ms per picture, photos and adverts apart. */
async function parts(all: Item[]): Promise<void> {
  console.log('\n| pictures | decode | perceptual hash | safety model | OCR → text moderator | QR scan (still-image mode) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, group] of [
    ['photos', all.filter((i) => i.label.startsWith('photo'))],
    ['adverts', all.filter((i) => i.label.startsWith('advert'))],
  ] as const) {
    const t: number[][] = [[], [], [], [], []];
    for (const it of group) {
      let t0 = performance.now();
      const image = await decodeImage(it.bytes);
      t[0]!.push(performance.now() - t0);
      t0 = performance.now();
      await perceptualHash(it.bytes);
      t[1]!.push(performance.now() - t0);
      t0 = performance.now();
      await classifyImageSafety(image);
      t[2]!.push(performance.now() - t0);
      t0 = performance.now();
      await moderateImageText(it.bytes, DEFAULT_POLICY);
      t[3]!.push(performance.now() - t0);
      t0 = performance.now();
      await moderateImageQr(image, DEFAULT_POLICY);
      t[4]!.push(performance.now() - t0);
    }
    console.log(`| ${group.length} ${label} | ${t.map((x) => pct(x, 50).toFixed(0)).join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const all = await items();
  if (all.length === WRITTEN_ADVERTS.length) console.log(`(no photos under ${DEMO}: adverts only; npm install brings them)`);
  const bank: BankEntry[] = Array.from({ length: BANK }, (_, i) => ({
    id: `bench-${i}`,
    sha256: randomBytes(32).toString('hex'),
    phash: randomBytes(8).toString('hex'),
    category: 'sexual',
    source_media_id: null,
  }));
  // Warm-up: model sessions and the OCR worker start once per process.
  for (const it of all.slice(0, 3)) await moderateImageBytes(it.bytes, { policy: DEFAULT_POLICY, readText: true });
  console.log(
    `image moderation path (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}): ` +
      `${all.length} pictures (${all.length - WRITTEN_ADVERTS.length} photos 1920 px, ${WRITTEN_ADVERTS.length} rendered adverts 640–1024 px) × ${PASSES} passes, hash bank of ${BANK}`,
  );
  console.log('| path | in flight | images | images/s | p50 ms | p95 ms | decisions |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const readText of [false, true]) {
    for (const concurrency of [1, 2]) {
      const r = await measure(all, readText, concurrency, bank);
      const d = [...r.decisions].map(([k, v]) => `${k} ${v}`).join(', ');
      const label = readText ? 'safety + OCR + QR + hash bank' : 'safety + hash bank (no OCR/QR)';
      console.log(`| ${label} | ${concurrency} | ${r.n} | ${r.perSecond.toFixed(2)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${d} |`);
    }
  }
  if (process.argv.includes('--parts')) await parts(all);
  console.log(`rerun: npx tsx bench/image.ts --passes ${PASSES} --bank ${BANK}${process.argv.includes('--parts') ? ' --parts' : ''}`);
}

await main();
process.exit(0);
