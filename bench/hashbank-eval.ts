/**
 * `npm run eval:hashbank`: how far the perceptual hash moves under the edits people
 * make to re-upload a blocked image, and how close unrelated photos come to each other.
 *
 * Photos: the sample photos shipped in @vladmandic/face-api and @vladmandic/human, and
 * `$LIKENESS_SHARED_DATA/faces-dev/**.jpg` (read in place, default ../shared/data).
 * (a) every photo through each edit → distance to the original's hash;
 * (b) every pair of distinct photos → their distance (the false-match side).
 * Prints match rates per threshold as Markdown, with the flip-robust lookup
 * (the query's mirror hash compared too) measured beside the plain one.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { jpgsUnder } from './photos';
import sharp, { type Sharp } from 'sharp';
import { MATCH_DISTANCE } from '../src/moderation/hashbank/bank.js';
import { hammingDistance, mirrorHash, perceptualHash } from '../src/moderation/hashbank/phash.js';

const THRESHOLDS = [4, 6, 8, 10, 12, 14, 16, 20] as const;
const SHARED = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data');

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

type Edit = (img: Raw) => Promise<Buffer | Raw>;

function photos(): string[] {
  const bundled = [...jpgsUnder('node_modules/@vladmandic/face-api/demo'), ...jpgsUnder('node_modules/@vladmandic/human/assets')];
  const faces = jpgsUnder(path.join(SHARED, 'faces-dev'));
  if (faces.length === 0) console.log(`(no ${path.join(SHARED, 'faces-dev')}: measuring the bundled sample photos only)`);
  return [...bundled, ...faces];
}

const raw = (s: Sharp): Promise<Raw> =>
  s
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .then(({ data, info }) => ({ data, width: info.width, height: info.height }));

const from = (img: Raw): Sharp => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });

const scale = (f: number) => (img: Raw): Promise<Raw> => raw(from(img).resize(Math.max(1, Math.round(img.width * f)), Math.max(1, Math.round(img.height * f))));

/** `sides` of the image lose `f` of their length each: 'all' is a centred crop, 'top' a one-sided one. */
const crop = (f: number, sides: 'all' | 'top') => (img: Raw): Promise<Raw> => {
  const dx = sides === 'all' ? Math.round(img.width * f) : 0;
  const dy = Math.round(img.height * f);
  return raw(from(img).extract({ left: dx, top: dy, width: img.width - 2 * dx, height: img.height - dy - (sides === 'all' ? dy : 0) }));
};

/** Rotated on a black canvas, then cut back to the original size around the centre (black corners stay). */
const rotate = (deg: number): Edit => async (img) => {
  const r = await raw(from(img).rotate(deg, { background: '#000' }));
  return raw(from(r).extract({ left: (r.width - img.width) >> 1, top: (r.height - img.height) >> 1, width: img.width, height: img.height }));
};

function svgText(img: Raw, kind: 'watermark' | 'caption' | 'logo'): Buffer {
  const { width: w, height: h } = img;
  const size = Math.round(Math.min(w, h) / 9);
  const body =
    kind === 'watermark'
      ? `<text x="50%" y="50%" font-size="${size}" text-anchor="middle" fill="white" fill-opacity="0.45" font-family="sans-serif" transform="rotate(-30 ${w / 2} ${h / 2})">SAMPLE © 2026</text>`
      : kind === 'caption'
        ? `<rect x="0" y="${h * 0.85}" width="${w}" height="${h * 0.15}" fill="black"/><text x="50%" y="${h * 0.95}" font-size="${size * 0.8}" text-anchor="middle" fill="white" font-family="sans-serif">win big tonight www.example.com</text>`
        : `<rect x="${w * 0.72}" y="${h * 0.04}" width="${w * 0.24}" height="${h * 0.1}" rx="8" fill="#e33"/><text x="${w * 0.84}" y="${h * 0.11}" font-size="${size * 0.6}" text-anchor="middle" fill="white" font-family="sans-serif">LOGO</text>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);
}

const overlay = (kind: 'watermark' | 'caption' | 'logo'): Edit => (img) => raw(from(img).composite([{ input: svgText(img, kind) }]));

const EDITS: ReadonlyArray<readonly [string, Edit]> = [
  ['resize 0.25×', scale(0.25)],
  ['resize 0.5×', scale(0.5)],
  ['resize 0.75×', scale(0.75)],
  ['resize 1.5×', scale(1.5)],
  ['resize 2×', scale(2)],
  ['JPEG q30', (img) => from(img).jpeg({ quality: 30 }).toBuffer()],
  ['JPEG q50', (img) => from(img).jpeg({ quality: 50 }).toBuffer()],
  ['JPEG q70', (img) => from(img).jpeg({ quality: 70 }).toBuffer()],
  ['JPEG q90', (img) => from(img).jpeg({ quality: 90 }).toBuffer()],
  ['WebP q30', (img) => from(img).webp({ quality: 30 }).toBuffer()],
  ['WebP q60', (img) => from(img).webp({ quality: 60 }).toBuffer()],
  ['WebP q90', (img) => from(img).webp({ quality: 90 }).toBuffer()],
  ['crop 2 % per side', crop(0.02, 'all')],
  ['crop 5 % per side', crop(0.05, 'all')],
  ['crop 10 % per side', crop(0.1, 'all')],
  ['crop 5 % top only', crop(0.05, 'top')],
  ['crop 10 % top only', crop(0.1, 'top')],
  ['rotate 1°', rotate(1)],
  ['rotate 3°', rotate(3)],
  ['rotate 5°', rotate(5)],
  ['brightness +25 %', (img) => raw(from(img).modulate({ brightness: 1.25 }))],
  ['brightness −25 %', (img) => raw(from(img).modulate({ brightness: 0.75 }))],
  ['contrast +30 %', (img) => raw(from(img).linear(1.3, -0.3 * 128))],
  ['contrast −30 %', (img) => raw(from(img).linear(0.7, 0.3 * 128))],
  ['greyscale', (img) => from(img).greyscale().png().toBuffer()],
  ['text watermark (diagonal, 45 % opaque)', overlay('watermark')],
  ['logo in a corner', overlay('logo')],
  ['caption bar (bottom 15 %)', overlay('caption')],
  ['0.5× + crop 3 % + JPEG q70', async (img) => from(await crop(0.03, 'all')(await scale(0.5)(img))).jpeg({ quality: 70 }).toBuffer()],
  ['horizontal flip', (img) => raw(from(img).flop())],
];

const hashOf = (x: Buffer | Raw): Promise<string> => perceptualHash(x);

interface Pair {
  d: number;
  /** The distance when the query's mirror hash is compared too (flip-robust lookup). */
  mirror: number;
  a: string;
  b: string;
}

/** The same photograph twice in faces-dev (checked by eye): a match there is right, not false. */
const DUPLICATES = [
  ['dlibjohns_John_Salley/4.jpg', 'dlibjohns_John_Salley/6.jpg'],
  ['dlibjohns_John_Simm/3.jpg', 'dlibjohns_John_Simm/4.jpg'],
] as const;

const isDuplicate = (a: string, b: string): boolean => DUPLICATES.some(([x, y]) => (a.endsWith(x) && b.endsWith(y)) || (a.endsWith(y) && b.endsWith(x)));
const isChip = (f: string): boolean => f.includes('dlibjohns_');

function rate(ds: readonly number[], t: number): string {
  const n = ds.filter((d) => d <= t).length;
  return `${((100 * n) / ds.length).toFixed(n === ds.length || n === 0 ? 0 : 1)}`;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const files = photos();
  const started = Date.now();
  console.log(`hash bank eval: ${files.length} photos, ${EDITS.length} edits (node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)})`);
  const originals: string[] = [];
  const plain = new Map<string, number[]>(EDITS.map(([name]) => [name, []]));
  const robust = new Map<string, number[]>(EDITS.map(([name]) => [name, []]));
  for (const file of files) {
    const h = await perceptualHash(file);
    originals.push(h);
    const img = await raw(sharp(file).rotate());
    const hashes = await Promise.all(EDITS.map(async ([, edit]) => hashOf(await edit(img))));
    for (const [i, [name]] of EDITS.entries()) {
      const e = hashes[i]!;
      plain.get(name)!.push(hammingDistance(h, e));
      robust.get(name)!.push(Math.min(hammingDistance(h, e), hammingDistance(h, mirrorHash(e))));
    }
  }

  // (b) groups: aligned 150×150 face chips are the hardest case for a global hash (same layout everywhere).
  const groups = { all: [] as Pair[], chips: [] as Pair[], rest: [] as Pair[] };
  let duplicates = 0;
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      if (isDuplicate(files[i]!, files[j]!)) {
        duplicates++;
        continue;
      }
      const a = originals[i]!;
      const b = originals[j]!;
      const d = hammingDistance(a, b);
      const pair = { d, mirror: Math.min(d, hammingDistance(a, mirrorHash(b))), a: files[i]!, b: files[j]! };
      groups.all.push(pair);
      (isChip(pair.a) && isChip(pair.b) ? groups.chips : groups.rest).push(pair);
    }
  }

  const head = `| edit | median d | max d | ${THRESHOLDS.map((t) => `≤${t}`).join(' | ')} |`;
  const rule = `|---|---:|---:|${THRESHOLDS.map(() => '---:').join('|')}|`;
  const row = (name: string, ds: readonly number[]): string => {
    const s = [...ds].sort((a, b) => a - b);
    return `| ${name} | ${quantile(s, 0.5)} | ${s[s.length - 1]} | ${THRESHOLDS.map((t) => rate(ds, t)).join(' | ')} |`;
  };
  console.log(`\n### (a) edited copy vs original: % of ${files.length} photos matched at distance ≤ t (plain lookup)\n`);
  console.log(head);
  console.log(rule);
  for (const [name] of EDITS) console.log(row(name, plain.get(name)!));
  console.log(row('**flip, mirror-hash lookup**', robust.get('horizontal flip')!));

  const pairs = groups.all.length;
  console.log(`\n### (b) distinct photos: pairs at distance ≤ t (false matches), count and rate\n`);
  console.log(`| pairs | lookup | n | ${THRESHOLDS.map((t) => `≤${t}`).join(' | ')} |`);
  console.log(`|---|---|---:|${THRESHOLDS.map(() => '---:').join('|')}|`);
  for (const [label, ps] of [
    ['all distinct', groups.all],
    ['both aligned face chips (dlib, 150×150)', groups.chips],
    ['all others', groups.rest],
  ] as const) {
    for (const lookup of ['plain', 'mirror too'] as const) {
      const ds = ps.map((p) => (lookup === 'plain' ? p.d : p.mirror));
      const cells = THRESHOLDS.map((t) => {
        const n = ds.filter((d) => d <= t).length;
        return n === 0 ? '0' : `${n} (${(n / ds.length).toExponential(1)})`;
      });
      console.log(`| ${label} | ${lookup} | ${ds.length} | ${cells.join(' | ')} |`);
    }
  }
  if (duplicates) console.log(`\n(${duplicates} pairs left out: the same photograph twice in the data, checked by eye; both are within 4 bits)`);
  const s = groups.all.map((p) => p.d).sort((a, b) => a - b);
  console.log(`distinct-pair distance quantiles (plain): min ${s[0]}, 0.1 % ${quantile(s, 0.001)}, 1 % ${quantile(s, 0.01)}, 5 % ${quantile(s, 0.05)}, median ${quantile(s, 0.5)}`);
  for (const p of groups.all.filter((q) => q.mirror <= MATCH_DISTANCE)) {
    console.log(`false match at MATCH_DISTANCE: ${p.d}/${p.mirror} bits (plain/mirror) ${path.basename(path.dirname(p.a))}/${path.basename(p.a)} ↔ ${path.basename(path.dirname(p.b))}/${path.basename(p.b)}`);
  }
  // Zero observed in n pairs still allows up to ~3/n at 95 % confidence (rule of three).
  console.log(`95 % upper bound on the false-match rate when none is observed: ${(3 / pairs).toExponential(1)} per pair`);
  console.log(`\nMATCH_DISTANCE in src/moderation/hashbank/bank.ts is ${MATCH_DISTANCE}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
