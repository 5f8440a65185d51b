/**
 * The consent path's face match on faces-dev: per identity, the reference is a consent video
 * made from its first photo (H.264, through referenceFaces); every other photo of the same
 * identity is a genuine try, the other identities' photos are impostor tries. Also prints what
 * review bands around the threshold send to a person.
 * Run: npx tsx test/consent/face-eval.ts   (reads ../shared/data/faces-dev or LIKENESS_SHARED_DATA)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFaces } from '../../src/consent/faces';
import { FACE_REVIEW_BAND } from '../../src/consent/face-rules';
import { embedFace, faceSimilarity, FACE_MATCH_THRESHOLD, type FaceEmbedding } from '../../src/inference/index.js';

const root = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data', 'faces-dev');
if (!fs.existsSync(root)) throw new Error(`no ${root}`);
const ids = fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory()).sort();
const refs = new Map<string, FaceEmbedding[]>();
const photos = new Map<string, FaceEmbedding[]>();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-face-eval-'));
for (const id of ids) {
  const files = fs.readdirSync(path.join(root, id)).filter((f) => f.endsWith('.jpg')).sort((a, b) => parseInt(a) - parseInt(b));
  const dir = fs.mkdtempSync(path.join(tmp, 'v-'));
  const video = path.join(dir, 'c.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-i', path.join(root, id, files[0]!), '-t', '3', '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-r', '5', video]);
  refs.set(id, (await referenceFaces('ffmpeg', 'ffprobe', video)).embeddings);
  const es: FaceEmbedding[] = [];
  for (const f of files.slice(1)) {
    const e = await embedFace(new Uint8Array(fs.readFileSync(path.join(root, id, f))));
    if (e) es.push(e);
  }
  photos.set(id, es);
}
const best = (r: FaceEmbedding[], e: FaceEmbedding) => Math.max(...r.map((x) => faceSimilarity(x, e)));
const genuine: number[] = [], impostor: number[] = [];
for (const [id, r] of refs) {
  if (!r.length) continue;
  for (const [other, es] of photos) for (const e of es) (other === id ? genuine : impostor).push(best(r, e));
}
const T = FACE_MATCH_THRESHOLD;
const count = (xs: number[], f: (x: number) => boolean) => xs.filter(f).length;
const gRej = count(genuine, (s) => s < T), iAcc = count(impostor, (s) => s >= T);
console.log(JSON.stringify({ identities: ids.length, references_with_face: [...refs.values()].filter((r) => r.length).length, threshold: T,
  genuine: genuine.length, false_rejects: gRej, FRR: +(gRej / genuine.length).toFixed(4), impostor: impostor.length, false_accepts: iAcc,
  FAR: +(iAcc / impostor.length).toFixed(4), impostor_max: +Math.max(...impostor).toFixed(3) }));
// A review band [T - m, T + m): scores inside go to a person. Hard rejects, reviews and hard accepts per side.
for (const m of [0.02, 0.03, FACE_REVIEW_BAND, 0.05].filter((x, i, a) => a.indexOf(x) === i).sort()) {
  const side = (xs: number[]) => ({ rejected: count(xs, (s) => s < T - m), review: count(xs, (s) => s >= T - m && s < T + m), accepted: count(xs, (s) => s >= T + m) });
  console.log(JSON.stringify({ band: [+(T - m).toFixed(3), +(T + m).toFixed(3)], genuine: side(genuine), impostor: side(impostor) }));
}
fs.rmSync(tmp, { recursive: true, force: true });
