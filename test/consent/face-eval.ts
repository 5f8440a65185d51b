/**
 * The consent path's face match on faces-dev: per identity, the reference is a consent video
 * made from its first photo (H.264, through referenceFaces); every other photo of the same
 * identity is a genuine try, the other identities' photos are impostor tries.
 * Run: npx tsx test/consent/face-eval.ts   (reads ../shared/data/faces-dev or LIKENESS_SHARED_DATA)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFaces } from '../../src/consent/faces';
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
  refs.set(id, (await referenceFaces('ffmpeg', video, dir)).embeddings);
  const es: FaceEmbedding[] = [];
  for (const f of files.slice(1)) {
    const e = await embedFace(new Uint8Array(fs.readFileSync(path.join(root, id, f))));
    if (e) es.push(e);
  }
  photos.set(id, es);
}
const best = (r: FaceEmbedding[], e: FaceEmbedding) => Math.max(...r.map((x) => faceSimilarity(x, e)));
let gN = 0, gRej = 0, iN = 0, iAcc = 0, iMax = -1;
for (const [id, r] of refs) {
  if (!r.length) continue;
  for (const [other, es] of photos) {
    for (const e of es) {
      const s = best(r, e);
      if (other === id) { gN++; if (s < FACE_MATCH_THRESHOLD) gRej++; }
      else { iN++; if (s >= FACE_MATCH_THRESHOLD) iAcc++; iMax = Math.max(iMax, s); }
    }
  }
}
console.log(JSON.stringify({ identities: ids.length, references_with_face: [...refs.values()].filter((r) => r.length).length, threshold: FACE_MATCH_THRESHOLD,
  genuine: gN, false_rejects: gRej, FRR: +(gRej / gN).toFixed(4), impostor: iN, false_accepts: iAcc, FAR: +(iAcc / iN).toFixed(4), impostor_max: +iMax.toFixed(3) }));
fs.rmSync(tmp, { recursive: true, force: true });
