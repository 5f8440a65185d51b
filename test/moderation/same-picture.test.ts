import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { PIPELINES, runPipeline } from '../../pipelines';
import { closeOcr, type RgbImage } from '../../src/inference';
import { sampleFrames, type SampledFrame } from '../../src/media/frames';
import { hammingDistance, perceptualHash } from '../../src/moderation/hashbank/phash';
import { moderateFrames, newReadCarry } from '../../src/moderation/image/moderate-image';
import { pictureChange, samePicture, sketch } from '../../src/moderation/image/same-picture';
import { DEFAULT_POLICY } from '../../src/moderation/policy';
import { samplePhotos } from '../support/photos';

const photo = samplePhotos()[0]!;
const W = 448;
const H = 252;

async function frameOf(input: Sharp): Promise<RgbImage> {
  const { data, info } = await input.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const base = () => sharp(photo).resize(W, H, { fit: 'cover' });

/** The photo with one line of text composited at (x, y), in the given colours. */
async function withCaption(text: string, o: { size: number; x?: number; y?: number; fill?: string; stroke?: string; font?: string }): Promise<RgbImage> {
  const { data, info } = await base().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const stroke = o.stroke ? ` stroke="${o.stroke}" stroke-width="1" paint-order="stroke"` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="${o.x ?? 12}" y="${o.y ?? H - 12}" font-family="${o.font ?? 'DejaVu Sans'}" font-size="${o.size}" font-weight="bold" fill="${o.fill ?? '#fff'}"${stroke}>${text}</text></svg>`;
  return frameOf(sharp(data, { raw: info }).composite([{ input: Buffer.from(svg) }]));
}

describe('samePicture: which repeated frames may skip OCR', () => {
  it('a held picture is the same; a small caption, isoluminant coloured text, a pan or another size is not', async () => {
    const still = await frameOf(base());
    expect(samePicture(sketch(still), sketch(await frameOf(base())))).toBe(true);

    for (const size of [7, 12, 16]) {
      const captioned = await withCaption('ONLINE CASINO', { size, stroke: '#000' });
      expect(pictureChange(sketch(still), sketch(captioned))).toBeGreaterThan(10);
      expect(samePicture(sketch(still), sketch(captioned))).toBe(false);
    }
    // Red text on a green field of the same brightness: invisible in grey, plain in colour.
    const field = await frameOf(sharp({ create: { width: W, height: H, channels: 3, background: { r: 0, g: 128, b: 0 } } }));
    const onField = await frameOf(
      sharp(field.data, { raw: { width: W, height: H, channels: 3 } }).composite([
        { input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="120" font-family="DejaVu Sans" font-size="20" fill="rgb(255,0,0)">CASINO</text></svg>`) },
      ]),
    );
    expect(samePicture(sketch(field), sketch(onField))).toBe(false);

    // Jitter of a few pixels is absorbed; a pan of 9 px (the bench's 10 % over 5 s) is not.
    const shifted = async (dx: number) => frameOf(sharp(photo).resize(W + 40, H + 40, { fit: 'cover' }).extract({ left: 20 + dx, top: 20, width: W, height: H }));
    const centre = sketch(await shifted(0));
    expect(samePicture(centre, sketch(await shifted(3)))).toBe(true);
    expect(samePicture(centre, sketch(await shifted(9)))).toBe(false);

    expect(samePicture(sketch(still), sketch(await frameOf(sharp(photo).resize(W - 2, H, { fit: 'cover' }))))).toBe(false);
  });
});

describe('a caption that appears on an otherwise identical frame is read', () => {
  afterAll(closeOcr);

  it('moderateFrames reads the captioned frame although its perceptual hash barely moves', async () => {
    const still = await frameOf(base());
    const captioned = await withCaption('ONLINE CASINO bet now', { size: 12, stroke: '#000' });
    // The rule this replaces (skip OCR within 4 bits of the last read frame) skipped exactly this frame.
    expect(hammingDistance(await perceptualHash(still), await perceptualHash(captioned))).toBeLessThanOrEqual(4);

    const frames = [still, still, captioned, still].map((image, index) => ({ image, frame: { index, timestampMs: index * 1000 } }));
    const result = await moderateFrames(frames, { policy: DEFAULT_POLICY, readText: true });
    expect(result.decision).toBe('block');
    const text = result.evidence.filter((e) => e.ocrBox && e.category === 'gambling');
    expect(text.length).toBeGreaterThan(0);
    expect(new Set(text.map((e) => e.frame?.index))).toEqual(new Set([2]));

    const clean = await moderateFrames([still, still, still].map((image, index) => ({ image, frame: { index, timestampMs: index * 1000 } })), {
      policy: DEFAULT_POLICY,
      readText: true,
    });
    expect(clean.evidence.filter((e) => e.ocrBox)).toEqual([]);
  });

  it("a video's batches share a carry: a held picture is read once per video, and a flag reaches across the cut", async () => {
    const still = await frameOf(base());
    const captioned = await withCaption('ONLINE CASINO bet now', { size: 12, stroke: '#000' });
    const at = (image: RgbImage, index: number) => ({ image, frame: { index, timestampMs: index * 1000 } });
    const held = newReadCarry();
    for (const batch of [[0, 1, 2], [3, 4, 5]]) await moderateFrames(batch.map((i) => at(still, i)), { policy: DEFAULT_POLICY, readText: true, carry: held });
    expect(held.reads).toBe(1);
    let separate = 0;
    for (const batch of [[0, 1, 2], [3, 4, 5]]) {
      const own = newReadCarry();
      await moderateFrames(batch.map((i) => at(still, i)), { policy: DEFAULT_POLICY, readText: true, carry: own });
      separate += own.reads;
    }
    expect(separate).toBe(2); // what every batch starting afresh costs
        // The caption is the last frame of the first batch; the same captioned picture opens the second.
    const flagged = newReadCarry();
    await moderateFrames([at(still, 0), at(captioned, 1)], { policy: DEFAULT_POLICY, readText: true, carry: flagged });
    expect(flagged.flagged).toBe(true);
    const next = await moderateFrames([at(captioned, 2), at(still, 3)], { policy: DEFAULT_POLICY, readText: true, carry: flagged });
    const text = next.evidence.filter((e) => e.ocrBox && e.category === 'gambling');
    expect(new Set(text.map((e) => e.frame?.index))).toEqual(new Set([2]));
    expect(flagged.reads).toBe(4); // 0, 1; then 2 (after a flag) and 3 (after a flag again)
  });

  it('in an H.264 video of a held photo, a small caption shown from 3 s to 4 s blocks it with evidence at 0:03', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-same-picture-'));
    try {
      const still = path.join(dir, 'still.png');
      const caption = path.join(dir, 'caption.png');
      await sharp(photo).resize(640, 360, { fit: 'cover' }).png().toFile(still);
      // 20 px on the 640-px video, 14 px on the 448-px sampled frames: small next to the picture.
      await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><text x="16" y="340" font-family="DejaVu Sans" font-size="20" font-weight="bold" fill="#fff" stroke="#000" stroke-width="1" paint-order="stroke">ONLINE CASINO - PLAY SLOTS AND ROULETTE</text></svg>'))
        .png()
        .toFile(caption);
      const video = path.join(dir, 'video.mp4');
      execFileSync('ffmpeg', [
        '-v', 'error', '-y', '-loop', '1', '-framerate', '25', '-i', still, '-loop', '1', '-framerate', '25', '-i', caption,
        '-filter_complex', "[0:v][1:v]overlay=enable='between(t,3,4)',format=yuv420p", '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', video,
      ]);
      // The held photo is read once, not once per sampled frame.
      const frames: SampledFrame[] = [];
      for await (const f of sampleFrames('ffmpeg', video, { width: 640, height: 360 })) frames.push(f);
      const sketches = frames.map((f) => sketch(f.image));
      const heldPairs = sketches.slice(1).filter((s, i) => frames[i + 1]!.timestampMs < 3000 && samePicture(sketches[0]!, s));
      expect(heldPairs.length).toBeGreaterThanOrEqual(1);

      const run = await runPipeline(PIPELINES.generated_video, {
        media: { id: 'm', tenantId: 't', kind: 'generated_video', contentType: 'video/mp4', sizeBytes: fs.statSync(video).size, sha256: '0'.repeat(64) },
        file: video,
        limits: { maxImagePixels: 50_000_000, maxTextChars: 10_000, maxMediaSeconds: 600, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
        capabilities: {},
        signal: AbortSignal.timeout(60_000),
      });
      expect(run.decision).toBe('block');
      const stage = run.results.find((s) => s.stage === 'moderate.video')!;
      const evidence = (stage.evidence as { moderation: { evidence: { category: string; ocrBox?: unknown; frame?: { timestampMs: number } }[] } }).moderation.evidence;
      const read = evidence.filter((e) => e.ocrBox && e.category === 'gambling');
      expect(read.length).toBeGreaterThan(0);
      for (const e of read) expect(e.frame!.timestampMs).toBeGreaterThanOrEqual(2900);
      for (const e of read) expect(e.frame!.timestampMs).toBeLessThanOrEqual(4100);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
