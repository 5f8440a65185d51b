import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { looksLikeText, sniffType, SNIFF_BYTES } from '../../src/media/sniff';

describe('sniffing text', () => {
  it('prose whose bytes 4-7 spell a QuickTime atom name is text, not video', async () => {
    for (const text of ["I'm freezing and craving ice. Fml", '500 free text msgs, reply now', 'abcdmoov and more']) {
      await expect(sniffType('driving_text', Buffer.from(text))).resolves.toBe('text/plain; charset=utf-8');
    }
  });

  it('a binary file sent as driving_text is refused with its detected type', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer();
    await expect(sniffType('driving_text', png)).rejects.toMatchObject({ code: 'media.unsupported_type', details: { detected: 'image/png' } });
  });

  it('a head cut inside a multi-byte character is still text; a complete one is not', () => {
    const zh = Buffer.from('线上赌场'.repeat(400)); // 3 bytes a character
    const cut = zh.subarray(0, SNIFF_BYTES); // 4100 = 3·1366 + 2: ends inside a character
    expect(looksLikeText(cut, false)).toBe(true);
    expect(looksLikeText(cut, true)).toBe(false);
  });

  it('control characters or invalid UTF-8 are not text', () => {
    expect(looksLikeText(Buffer.from([0x68, 0x69, 0x00, 0x21]), true)).toBe(false);
    expect(looksLikeText(Buffer.from([0x68, 0xff, 0x69]), true)).toBe(false);
    expect(looksLikeText(Buffer.from('tabs\tand\r\nnewlines'), true)).toBe(true);
  });

  it('Ogg Opus voice samples and Matroska videos are accepted (file-type names them with parameters / without x-)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-sniff-'));
    try {
      const ogg = path.join(dir, 'a.ogg');
      const mkv = path.join(dir, 'v.mkv');
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=1', '-c:a', 'libopus', ogg]);
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=d=1:s=64x64', '-c:v', 'libx264', mkv]);
      await expect(sniffType('voice_sample', fs.readFileSync(ogg).subarray(0, SNIFF_BYTES))).resolves.toMatch(/^audio\/ogg/);
      await expect(sniffType('customization_video', fs.readFileSync(mkv).subarray(0, SNIFF_BYTES))).resolves.toBe('video/matroska');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
