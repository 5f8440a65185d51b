import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { closeOcr, ocr } from '../../src/inference/ocr.js';
import { releaseSessions } from '../../src/inference/sessions.js';
import { detectSpeech } from '../../src/inference/speech.js';

/** 16-bit PCM mono WAV → float32 samples (the formats festival and LibriSpeech files use). */
function readWav16(bytes: Buffer): { rate: number; samples: Float32Array } {
  let off = 12;
  let rate = 0;
  while (off < bytes.length) {
    const id = bytes.toString('ascii', off, off + 4);
    const size = bytes.readUInt32LE(off + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(off + 12);
    if (id === 'data') {
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(off + 8 + 2 * i) / 32768;
      return { rate, samples };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

const hasFestival = (() => {
  try { execFileSync('text2wave', ['--help'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

describe('detectSpeech (Silero VAD)', () => {
  afterAll(releaseSessions);

  it('finds no speech in silence and little in white noise', async () => {
    expect((await detectSpeech(new Float32Array(16_000 * 2))).segments).toEqual([]);
    let s = 12345;
    const noise = Float32Array.from({ length: 16_000 * 2 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.5);
    expect((await detectSpeech(noise)).speechSeconds).toBeLessThan(0.4);
  });

  it.skipIf(!hasFestival)('finds the spoken sentence in synthetic speech padded with silence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vad-'));
    const wav = join(dir, 'consent.wav');
    execFileSync('text2wave', ['-o', wav], { input: 'I consent to the use of my likeness for this project.' });
    const { rate, samples } = readWav16(readFileSync(wav));
    expect(rate).toBe(16_000);
    const padded = new Float32Array(samples.length + 32_000);
    padded.set(samples, 16_000);
    const r = await detectSpeech(padded);
    expect(r.maxProbability).toBeGreaterThan(0.9);
    expect(r.speechSeconds).toBeGreaterThan(0.5 * (samples.length / 16_000));
    expect(r.segments[0]!.start).toBeGreaterThanOrEqual(0.9);
  });

  const libri = join(process.env.LIKENESS_SHARED_DATA ?? join(import.meta.dirname, '../../../shared/data'), 'speech-sentences-dev/1688/1688-142285-0000.wav');
  it.skipIf(!existsSync(libri))('finds speech in a LibriSpeech utterance (shared data)', async () => {
    const { samples } = readWav16(readFileSync(libri));
    const r = await detectSpeech(samples);
    expect(r.speechSeconds).toBeGreaterThan(0.5 * (samples.length / 16_000));
  });
});

describe('ocr (PP-OCRv4 in a worker thread)', () => {
  afterAll(closeOcr);

  it('reads a rendered English line', async () => {
    const svg = '<svg width="640" height="120" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="white"/><text x="20" y="75" font-family="DejaVu Sans" font-size="44" fill="black">WIN 888 CASINO NOW</text></svg>';
    const r = await ocr(await sharp(Buffer.from(svg)).png().toBuffer());
    expect(r.compact).toBe('WIN888CASINONOW');
    expect(r.lines[0]!.score).toBeGreaterThan(0.8);
  });

  it('reports undecodable input as a worker error without crashing the process', async () => {
    await expect(ocr(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'inference.worker_failed' });
    const again = await ocr(await sharp({ create: { width: 64, height: 64, channels: 3, background: 'white' } }).png().toBuffer());
    expect(again.lines).toEqual([]);
  });
});
