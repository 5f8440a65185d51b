/**
 * The numbers behind src/consent/face-rules.ts, on faces-dev and on photos composed from it:
 *  1. the inventory of every faces-dev photo (tiled detection, duplicates removed): how many
 *     faces, and every face besides the main one with its score, size and class;
 *  2. detection of one face pasted into a 1200×900 picture, by its size, whole image vs tiles;
 *  3. matching and age of a face by its size in pixels (each photo scaled down, the box kept);
 *  4. composed pairs of different people at size ratios 1…0.2: how often both are found and
 *     the second one counts as significant;
 *  5. the inventory's time per photo.
 * Run: npx tsx test/consent/face-inventory-eval.ts [section…]   (reads ../shared/data/faces-dev or LIKENESS_SHARED_DATA)
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { dedupeFaces, FACE_RULES, overlapOfSmaller } from '../../src/consent/face-rules';
import { inventoryOf } from '../../src/consent/faces';
import { closeModelWorkers, decodeImage, detectFaces, faceSimilarity, FACE_MATCH_THRESHOLD } from '../../src/inference/index.js';
import { embedFaceIn, estimateAgeIn } from '../../src/inference/face-analysis.js';
import { compose, FACES, faceTile, pair } from './face-compose';

if (!fs.existsSync(FACES)) throw new Error(`no ${FACES}`);
const wanted = new Set(process.argv.slice(2));
const run = (n: string) => !wanted.size || wanted.has(n);
const ids = fs.readdirSync(FACES).filter((d) => fs.statSync(path.join(FACES, d)).isDirectory()).sort();
const photos = ids.flatMap((id) => fs.readdirSync(path.join(FACES, id)).filter((f) => f.endsWith('.jpg')).sort((a, b) => parseInt(a) - parseInt(b)).map((f) => ({ id, file: path.join(FACES, id, f) })));
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN; };
const r2 = (x: number) => Math.round(x * 100) / 100;

if (run('inventory')) {
  const perPhoto = new Map<number, number>();
  let noUsable = 0, multiple = 0;
  const others: string[] = [];
  let duplicates = 0, duplicateMin = 1, keptMax = 0;
  for (const p of photos) {
    const bytes = new Uint8Array(fs.readFileSync(p.file));
    // What dedupeFaces removes: detections lying inside a better one.
    const raw = await detectFaces(await decodeImage(bytes), { minScore: FACE_RULES.detectFloor, tiled: true });
    const kept = dedupeFaces(raw);
    for (const d of raw) {
      const over = Math.max(0, ...kept.filter((k) => k !== d).map((k) => overlapOfSmaller(k.box, d.box)));
      if (kept.includes(d)) keptMax = Math.max(keptMax, over);
      else { duplicates++; duplicateMin = Math.min(duplicateMin, over); }
    }
    const c = (await inventoryOf(bytes)).faces;
    perPhoto.set(c.length, (perPhoto.get(c.length) ?? 0) + 1);
    if (!c.some((f) => f.usable)) noUsable++;
    if (c.filter((f) => f.significant).length >= 2) multiple++;
    const main = c.reduce((a, b) => (b.size > a.size ? b : a), c[0]!);
    for (const f of c) if (f !== main) others.push(`${path.relative(FACES, p.file)} score ${r2(f.face.score)} size ${Math.round(f.size)} relative ${r2(f.size / main.size)} ${f.significant ? 'SIGNIFICANT' : f.usable ? 'usable' : 'not usable'} age ${f.ageStatus} box ${[f.face.box.x, f.face.box.y].map(Math.round).join(',')}`);
  }
  console.log(`# 1. inventory of ${photos.length} faces-dev photos (floor ${FACE_RULES.detectFloor}, tiled, duplicates removed)`);
  console.log(`duplicates removed: ${duplicates} (each at least ${duplicateMin.toFixed(2)} inside a better face); kept faces overlap each other by at most ${keptMax.toFixed(2)}`);
  console.log('faces per photo:', Object.fromEntries([...perPhoto].sort((a, b) => a[0] - b[0])), `| no usable face: ${noUsable} | two or more significant: ${multiple}`);
  for (const o of others) console.log('  other face:', o);
}

if (run('detection')) {
  console.log('# 2. one face pasted into a 1200x900 grey picture beside a 400-px face: found (score >= 0.5) by size');
  const tiles = ids.map((id) => path.join(FACES, id, fs.existsSync(path.join(FACES, id, '2.jpg')) ? '2.jpg' : '1.jpg'));
  const main = await faceTile(path.join(FACES, 'deepface_c03', '1.jpg'), 400);
  for (const px of [24, 32, 40, 48, 64, 80, 96, 128]) {
    let whole = 0, tiled = 0;
    for (const t of tiles.filter((f) => !f.includes('deepface_c03'))) {
      const small = await faceTile(t, px);
      const img = await decodeImage(new Uint8Array(await compose(1200, 900, [{ tile: main, left: 80, top: 150 }, { tile: small, left: 900, top: 450 }])));
      const cx = 900 + small.face.x, cy = 450 + small.face.y;
      const hit = (fs_: Awaited<ReturnType<typeof detectFaces>>) => fs_.some((f) => Math.abs(f.box.x + f.box.width / 2 - cx) < px / 2 && Math.abs(f.box.y + f.box.height / 2 - cy) < px / 2);
      if (hit(await detectFaces(img, { minScore: 0.5 }))) whole++;
      if (hit(await detectFaces(img, { minScore: 0.5, tiled: true }))) tiled++;
    }
    console.log(`  ${px} px: whole image ${whole}/${tiles.length - 1}, with tiles ${tiled}/${tiles.length - 1}`);
  }
}

if (run('size')) {
  console.log(`# 3. a face scaled down to N px (box kept): match at ${FACE_MATCH_THRESHOLD} against the other photos at full size, and SSR-Net age`);
  const sizes = [16, 24, 32, 40, 48, 64, 80];
  const rows = [] as { id: string; full: Float32Array; age: number; at: Map<number, { v: Float32Array; age: number }> }[];
  for (const p of photos) {
    const bytes = fs.readFileSync(p.file);
    const img = await decodeImage(new Uint8Array(bytes));
    const [face] = await detectFaces(img, { maxFaces: 1 });
    if (!face) continue;
    const full = await embedFaceIn(img, face);
    const row = { id: p.id, full: full.vector, age: (await estimateAgeIn(img, face, { bands: false })).age, at: new Map() };
    const long = Math.max(face.box.width, face.box.height);
    for (const n of sizes) {
      if (long < n * 1.15) continue;
      const w = Math.max(1, Math.round((img.width * n) / long)), h = Math.max(1, Math.round((img.height * n) / long));
      const small = await decodeImage(new Uint8Array(await sharp(bytes).resize(w, h, { fit: 'fill' }).png().toBuffer()));
      const kx = w / img.width, ky = h / img.height;
      const f = { score: face.score, box: { x: face.box.x * kx, y: face.box.y * ky, width: face.box.width * kx, height: face.box.height * ky }, keypoints: face.keypoints.map((k) => ({ x: k.x * kx, y: k.y * ky })) };
      row.at.set(n, { v: (await embedFaceIn(small, f)).vector, age: (await estimateAgeIn(small, f, { bands: false })).age });
    }
    rows.push(row);
  }
  const cos = (a: Float32Array, b: Float32Array) => faceSimilarity({ model: 'faceres', vector: a }, { model: 'faceres', vector: b });
  let g = 0, gr = 0;
  for (const a of rows) for (const b of rows) if (a !== b && a.id === b.id) { g++; if (cos(a.full, b.full) < FACE_MATCH_THRESHOLD) gr++; }
  console.log(`  full size: genuine ${g}, FRR ${(100 * gr / g).toFixed(1)}%; youngest estimate ${Math.min(...rows.map((r) => r.age)).toFixed(1)}`);
  for (const n of sizes) {
    let gn = 0, grej = 0, im = 0, iacc = 0, n_ = 0, under18 = 0;
    const err: number[] = [], bias: number[] = [];
    for (const a of rows) {
      const s = a.at.get(n);
      if (!s) continue;
      n_++;
      err.push(Math.abs(s.age - a.age)); bias.push(s.age - a.age);
      if (s.age < 18) under18++;
      for (const b of rows) {
        if (b === a) continue;
        const c = cos(s.v, b.full);
        if (b.id === a.id) { gn++; if (c < FACE_MATCH_THRESHOLD) grej++; } else { im++; if (c >= FACE_MATCH_THRESHOLD) iacc++; }
      }
    }
    console.log(`  ${n} px (${n_} faces): FRR ${(100 * grej / gn).toFixed(1)}% FAR ${(100 * iacc / im).toFixed(2)}% | age error median ${q(err, 0.5).toFixed(1)} p90 ${q(err, 0.9).toFixed(1)} y, bias ${q(bias, 0.5).toFixed(1)} y, estimated under 18: ${under18}`);
  }
}

if (run('pairs')) {
  console.log(`# 4. two different people side by side (first face 200 or 400 px), the second at a ratio of the first: both found, both significant (ratio >= ${FACE_RULES.significantRatio})`);
  const firsts = ids.map((id) => path.join(FACES, id, '1.jpg'));
  for (const ratio of [1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2]) {
    let n = 0, two = 0, significant = 0;
    const scores: number[] = [], relative: number[] = [];
    for (let i = 0; i < firsts.length; i++) {
      for (const big of [200, 400]) {
        const j = (i + 1 + (big === 400 ? 5 : 0)) % firsts.length;
        const c = (await inventoryOf(new Uint8Array(await pair(firsts[i]!, big, firsts[j]!, Math.round(big * ratio))))).faces;
        n++;
        if (c.length >= 2) two++;
        if (c.filter((f) => f.significant).length >= 2) significant++;
        const second = [...c].sort((a, b) => b.size - a.size)[1];
        if (second) { scores.push(second.face.score); relative.push(second.relativeSize); }
      }
    }
    console.log(`  ratio ${ratio}: ${n} photos, two faces found ${two}, both significant ${significant}; second face score p10 ${q(scores, 0.1).toFixed(2)} median ${q(scores, 0.5).toFixed(2)}, measured relative size ${Math.min(...relative).toFixed(2)}–${Math.max(...relative).toFixed(2)}`);
  }
}

if (run('time')) {
  console.log('# 5. inventory time per photo (median of the deepface photos, full size)');
  const big = photos.filter((p) => p.id.startsWith('deepface'));
  const ms: number[] = [];
  for (const p of big) {
    const bytes = new Uint8Array(fs.readFileSync(p.file));
    const t = performance.now();
    await inventoryOf(bytes);
    ms.push(performance.now() - t);
  }
  console.log(`  ${big.length} photos: median ${q(ms, 0.5).toFixed(0)} ms, p90 ${q(ms, 0.9).toFixed(0)} ms`);
}
await closeModelWorkers();
