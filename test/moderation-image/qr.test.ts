import QRCode from 'qrcode';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, type RgbImage } from '../../src/inference';
import { DEFAULT_POLICY } from '../../src/moderation/policy';
import { scanQrCodes, type Box } from '../../src/inference';
import { checkPayloadUrls, moderateQrPayloads } from '../../src/moderation/image/qr';
import { samplePhotos } from '../support/photos';

const photo = samplePhotos()[0]!;

/** A portrait (face-api's sample photo, 640 px wide) with QR codes of `payloads` pasted at `at`, re-encoded as JPEG. */
async function portraitWithQr(codes: { payload: string; at: { left: number; top: number }; size: number }[]): Promise<RgbImage> {
  const layers = await Promise.all(
    codes.map(async (c) => ({ input: await QRCode.toBuffer(c.payload, { type: 'png', width: c.size, margin: 1 }), ...c.at })),
  );
  return decodeImage(await sharp(photo).resize(640).composite(layers).jpeg({ quality: 80 }).toBuffer());
}

/** The code's modules lie inside the pasted square (a 1-module white margin around them). */
function expectInside(box: Box, at: { left: number; top: number }, size: number): void {
  expect(box.x).toBeGreaterThanOrEqual(at.left);
  expect(box.y).toBeGreaterThanOrEqual(at.top);
  expect(box.x + box.width).toBeLessThanOrEqual(at.left + size);
  expect(box.y + box.height).toBeLessThanOrEqual(at.top + size);
  expect(box.width).toBeGreaterThan(size * 0.8);
}

describe('QR codes in images', () => {
  it('a gambling URL in a QR code on a portrait is blocked, with the code box and the URL as evidence', async () => {
    const at = { left: 400, top: 40 };
    const payload = 'https://casino888.example/bonus?ref=77';
    const codes = await scanQrCodes(await portraitWithQr([{ payload, at, size: 160 }]));
    expect(codes.map((c) => c.payload)).toEqual([payload]);
    expectInside(codes[0]!.box, at, 160);

    const result = (await moderateQrPayloads(codes, DEFAULT_POLICY))!;
    expect(result.decision).toBe('block');
    expect(result.reasons).toEqual(expect.arrayContaining(['qr.url.gambling_url', 'block.gambling']));
    const url = result.evidence.find((e) => e.listEntry?.list === 'qr-url')!;
    expect(url).toMatchObject({ category: 'gambling', source: 'list', ocrBox: codes[0]!.box, textSpan: { start: 0, text: payload } });
    for (const e of result.evidence) expect(e.ocrBox).toEqual(codes[0]!.box);
  });

  it('Chinese gambling text in a QR code goes through the text moderator and is not passed', async () => {
    const codes = await scanQrCodes(await portraitWithQr([{ payload: '澳门赌场在线下注，注册送88元', at: { left: 20, top: 20 }, size: 150 }]));
    const result = (await moderateQrPayloads(codes, DEFAULT_POLICY, { frame: { index: 3, timestampMs: 3000 } }))!;
    expect(result.decision).not.toBe('pass');
    expect(result.reasons).toContain('qr.text');
    const hit = result.evidence.find((e) => e.category === 'gambling')!;
    expect(hit).toMatchObject({ ocrBox: codes[0]!.box, frame: { index: 3, timestampMs: 3000 } });
    expect(hit.textSpan?.text).toBeTruthy();
  });

  it('a benign QR code on a portrait passes without evidence', async () => {
    const codes = await scanQrCodes(await portraitWithQr([{ payload: 'https://www.example.org/studio/booking', at: { left: 460, top: 250 }, size: 140 }]));
    expect(codes).toHaveLength(1);
    const result = (await moderateQrPayloads(codes, DEFAULT_POLICY))!;
    expect(result.decision).toBe('pass');
    expect(result.evidence).toEqual([]);
  });

  it('finds two codes in one image, each with its own box', async () => {
    const a = { left: 20, top: 20 };
    const b = { left: 450, top: 230 };
    const codes = await scanQrCodes(await portraitWithQr([{ payload: 'hello one', at: a, size: 140 }, { payload: 'https://bit.ly/3xYzAbc', at: b, size: 140 }]));
    expect(codes.map((c) => c.payload).sort()).toEqual(['hello one', 'https://bit.ly/3xYzAbc']);
    expectInside(codes.find((c) => c.payload === 'hello one')!.box, a, 140);
    const result = (await moderateQrPayloads(codes, DEFAULT_POLICY))!;
    expect(result.decision).toBe('review');
    expect(result.reasons).toContain('qr.url.shortener');
  });

  it('a small, blurred code on a thumbnail is found by the thorough scan; an image without a code gives nothing', async () => {
    const qr = await QRCode.toBuffer('https://casino888.example/', { type: 'png', width: 60, margin: 1 });
    const sharpThumb = await sharp(photo).resize(320).composite([{ input: qr, left: 10, top: 10 }]).png().toBuffer();
    // ~2 px per module, then blurred and re-encoded: the plain pass misses it here, the 2× upscale reads it.
    const thumb = await decodeImage(await sharp(sharpThumb).blur(0.9).jpeg({ quality: 60 }).toBuffer());
    expect((await scanQrCodes(thumb)).map((c) => c.payload)).toEqual(['https://casino888.example/']);
    expect(await scanQrCodes(await decodeImage(await sharp(photo).resize(640).jpeg().toBuffer()))).toEqual([]);
    expect(await moderateQrPayloads([], DEFAULT_POLICY)).toBeNull();
  });
});

describe('URL rules for QR payloads', () => {
  const rules = (s: string) => checkPayloadUrls(s).map((f) => f.rule);

  it('flags gambling hosts and paths, shorteners, IP hosts, punycode, userinfo and pay codes', () => {
    expect(rules('https://www.bet365.com/')).toEqual(['gambling_url']);
    expect(rules('visit 1xbet.example now')).toEqual(['gambling_url']);
    expect(rules('https://example.com/live-casino/join')).toEqual(['gambling_url']);
    expect(rules('http://bocai-88.cc')).toEqual(['gambling_url']);
    expect(rules('https://t.cn/A6xyz')).toEqual(['shortener']);
    expect(rules('http://203.0.113.9:8080/login')).toEqual(['ip_host']);
    expect(rules('https://xn--pypal-4ve.com/')).toEqual(['punycode_host']);
    expect(rules('https://paypal.com@login.example.net/')).toEqual(['userinfo']);
    expect(rules('wxp://f2f0abcdefg')).toEqual(['payment']);
    expect(checkPayloadUrls('https://www.bet365.com/')[0]).toMatchObject({ category: 'gambling', start: 0, text: 'https://www.bet365.com/' });
  });

  it('leaves ordinary addresses and dotted non-hosts alone', () => {
    for (const s of ['https://www.alphabet.com/', 'https://betterhelp.example/slots-of-time', 'https://www.example.org/menu', 'version 1.2.3, e.g. this', 'WIFI:S:studio;T:WPA;P:secret;;', 'mailto:hi@example.org']) {
      expect(rules(s), s).toEqual([]);
    }
  });
});
