/**
 * Photos composed at run time from faces-dev (never stored: the photos carry no licence to
 * copy): one face cut from a photo with a margin, scaled so its detector box has a chosen size,
 * and pasted onto a plain canvas beside others.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage, detectFaces } from '../../src/inference/index.js';

export const SHARED = path.resolve(process.env.LIKENESS_SHARED_DATA ?? path.join(process.cwd(), '../shared/data'));
export const FACES = path.join(SHARED, 'faces-dev');
export const hasFaces = fs.existsSync(FACES);

/**
 * Skips loudly: a user who cloned the project alone has no ../shared/data, and neither has CI
 * (the photos may not be copied there), so the reason is printed where the run's log shows it.
 */
export function warnIfNoFaces(suite: string): boolean {
  if (hasFaces) return true;
  const ci = process.env.CI === 'true' ? ' (CI has no shared data: these checks run only where ../shared/data exists)' : '';
  console.warn(`\n*** ${suite} SKIPPED: no ${FACES} (set LIKENESS_SHARED_DATA)${ci} ***\n`);
  return false;
}

export interface Tile { png: Buffer; width: number; height: number; face: { x: number; y: number; size: number } }

/** The photo's best face with `margin`× its size around it, scaled so the face's long side is `facePx`. */
export async function faceTile(photo: string, facePx: number, margin = 2): Promise<Tile> {
  const bytes = fs.readFileSync(photo);
  const img = await decodeImage(new Uint8Array(bytes));
  const [face] = await detectFaces(img, { maxFaces: 1 });
  if (!face) throw new Error(`no face in ${photo}`);
  const size = Math.max(face.box.width, face.box.height);
  const cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
  const half = (size * margin) / 2;
  const left = Math.max(0, Math.round(cx - half)), top = Math.max(0, Math.round(cy - half));
  const width = Math.min(img.width - left, Math.round(2 * half)), height = Math.min(img.height - top, Math.round(2 * half));
  const k = facePx / size;
  const w = Math.max(1, Math.round(width * k)), h = Math.max(1, Math.round(height * k));
  const png = await sharp(bytes).extract({ left, top, width, height }).resize(w, h, { fit: 'fill' }).png().toBuffer();
  return { png, width: w, height: h, face: { x: (cx - left) * k, y: (cy - top) * k, size: facePx } };
}

export interface Placed { tile: Tile; left: number; top: number }

/** The tiles on a grey canvas; returns the JPEG and where each face's centre ended up. */
export async function compose(width: number, height: number, placed: readonly Placed[], quality = 92): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(placed.map((p) => ({ input: p.tile.png, left: Math.round(p.left), top: Math.round(p.top) })))
    .jpeg({ quality })
    .toBuffer();
}

/** Two faces side by side, `first` at `firstPx` and `second` at `secondPx`, bottoms aligned, on a canvas that fits both. */
export async function pair(first: string, firstPx: number, second: string, secondPx: number): Promise<Buffer> {
  const a = await faceTile(first, firstPx), b = await faceTile(second, secondPx);
  const gap = Math.round(0.2 * Math.max(firstPx, secondPx));
  const width = a.width + b.width + 3 * gap, height = Math.max(a.height, b.height) + 2 * gap;
  return compose(width, height, [
    { tile: a, left: gap, top: height - gap - a.height },
    { tile: b, left: 2 * gap + a.width, top: height - gap - b.height },
  ]);
}

/**
 * A video of still scenes (H.264, 5 fps, with festival speech when `text` is given): each scene
 * is one composed picture shown for its seconds.
 */
export function sceneVideo(scenes: readonly { jpeg: Buffer; seconds: number }[], text?: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-scenes-'));
  try {
    const list: string[] = [];
    scenes.forEach((s, i) => {
      const f = path.join(dir, `s${i}.jpg`);
      fs.writeFileSync(f, s.jpeg);
      list.push(`file '${f}'`, `duration ${s.seconds}`);
    });
    list.push(`file '${path.join(dir, `s${scenes.length - 1}.jpg`)}'`);
    fs.writeFileSync(path.join(dir, 'list.txt'), list.join('\n'));
    const out = path.join(dir, 'v.mp4');
    const audio: string[] = [];
    if (text) {
      execFileSync('text2wave', ['-o', path.join(dir, 'v.wav'), '-F', '16000'], { input: text });
      audio.push('-i', path.join(dir, 'v.wav'), '-c:a', 'aac');
    }
    const total = scenes.reduce((t, s) => t + s.seconds, 0);
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', path.join(dir, 'list.txt'), ...audio,
      '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2,fps=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-t', String(total), out]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
