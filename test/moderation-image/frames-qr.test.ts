import QRCode from 'qrcode';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/moderation/policy';
import { moderateImageBytes } from '../../src/moderation/image/moderate-image';
import { samplePhotos } from '../support/photos';

const photo = samplePhotos()[0]!;

async function portraitWithQr(payload: string): Promise<Buffer> {
  const qr = await QRCode.toBuffer(payload, { type: 'png', width: 160, margin: 1 });
  return sharp(photo).resize(640).composite([{ input: qr, left: 440, top: 30 }]).jpeg({ quality: 85 }).toBuffer();
}

describe('QR codes through moderateFrames (the image stage)', () => {
  it('a portrait carrying a gambling QR code is blocked with the code box as evidence; the same portrait with a benign code is not', async () => {
    const bad = await moderateImageBytes(await portraitWithQr('https://lucky-casino88.example/vip'), { policy: DEFAULT_POLICY, readText: true });
    expect(bad.decision).toBe('block');
    expect(bad.reasons).toContain('qr.url.gambling_url');
    const e = bad.evidence.find((x) => x.listEntry?.list === 'qr-url')!;
    expect(e.ocrBox!.x).toBeGreaterThanOrEqual(440);
    expect(e.ocrBox!.y).toBeGreaterThanOrEqual(30);
    expect(e.ocrBox!.x + e.ocrBox!.width).toBeLessThanOrEqual(600);

    const good = await moderateImageBytes(await portraitWithQr('https://www.example.org/studio'), { policy: DEFAULT_POLICY, readText: true });
    expect(good.reasons.filter((r) => r.startsWith('qr.'))).toEqual([]);
    expect(good.decision).toBe('pass');
  });
});
