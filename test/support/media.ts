import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** Test media made by the tests: images by sharp, audio and video by ffmpeg's generators. */
export const jpeg = (w = 96, h = 96) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 140, b: 110 } } }).jpeg().toBuffer();

export const png = (w = 64, h = 64) =>
  sharp({ create: { width: w, height: h, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 1 } } }).png().toBuffer();

function ffmpeg(args: string[], ext: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-media-'));
  const out = path.join(dir, `out.${ext}`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return buf;
}

export const wav = (seconds = 2) => ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ar', '16000', '-ac', '1'], 'wav');

export const mp3 = (seconds = 2) => ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=330:duration=${seconds}`, '-ar', '22050', '-ac', '1', '-b:a', '64k'], 'mp3');

export const mp4 = (seconds = 2, size = '160x120') =>
  ffmpeg(
    [
      '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=10`,
      '-f', 'lavfi', '-i', `sine=frequency=220:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    ],
    'mp4',
  );

/** A valid PNG whose header declares `w`×`h` pixels (the IHDR CRC is recomputed). */
export async function pngDeclaring(w: number, h: number): Promise<Buffer> {
  const buf = Buffer.from(await png(8, 8));
  buf.writeUInt32BE(w, 16);
  buf.writeUInt32BE(h, 20);
  buf.writeUInt32BE(crc32(buf.subarray(12, 29)), 29);
  return buf;
}

function crc32(data: Buffer): number {
  let c = ~0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

export const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A rendered advert: one line of Latin text and one line of Chinese (needs a CJK font, e.g. fonts-wqy-microhei). */
export function advertSvg(latin: string, chinese: string, w = 800, h = 450): Buffer {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <rect width="100%" height="100%" fill="#1a3d7c"/>
  <text x="40" y="${h * 0.35}" font-family="DejaVu Sans" font-size="${h / 7}" font-weight="bold" fill="#ffd700">${esc(latin)}</text>
  <text x="40" y="${h * 0.7}" font-family="WenQuanYi Micro Hei" font-size="${h / 9}" fill="#ffffff">${esc(chinese)}</text>
</svg>`);
}
