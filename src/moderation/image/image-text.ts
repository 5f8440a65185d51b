import sharp from 'sharp';
import { ocr, type OcrLine, type RgbImage } from '../../inference';
import type { Policy } from '../policy';
import type { Evidence, ModerationResult } from '../result';
import { moderateText } from '../text/moderator';

export const OCR_MODEL = { name: 'ppocr-v4', version: '4.0' } as const;

/**
 * Text in an image (gambling and fraud adverts are mostly text) through the text
 * moderator. Lines are joined with newlines so a span maps back to its line, and
 * each piece of evidence gets that line's box. PP-OCR drops English spaces, so the
 * whitespace-free text is moderated too and its hits kept when the lines miss them.
 */
export async function moderateImageText(
  input: Uint8Array | RgbImage,
  policy: Policy,
  where: Pick<Evidence, 'frame'> = {},
): Promise<{ result: ModerationResult | null; text: string }> {
  const { lines } = await ocr(await forOcr(input));
  // Lines without letters (timecodes, prices, counters) carry no signal for any category,
  // and the text model, trained partly on SMS spam, over-reads bare numbers as fraud.
  const readable = lines.filter((l) => l.score >= 0.5 && (l.text.match(/\p{L}/gu)?.length ?? 0) >= 2);
  if (!readable.length) return { result: null, text: '' };
  const text = readable.map((l) => l.text).join('\n');
  const compact = text.replace(/\s+/g, '');
  const [byLine, byCompact] = await Promise.all([moderateText(text, policy), moderateText(compact, policy)]);
  const best = severity(byCompact.decision) > severity(byLine.decision) ? byCompact : byLine;
  const starts = lineStarts(readable);
  const evidence = best.evidence.map((e) => ({
    ...e,
    ...where,
    ...(best === byLine && e.textSpan ? { ocrBox: boxOf(readable[lineAt(starts, e.textSpan.start)]!) } : {}),
    model: e.model ?? OCR_MODEL,
  }));
  return { result: { ...best, modality: 'image', evidence }, text };
}

const severity = (d: string) => ({ pass: 0, review: 1, block: 2 })[d] ?? 0;

/**
 * What OCR reads: at most OCR_MAX_SIDE on the long side. The detector downsizes large
 * inputs anyway; a 1920-px photo only costs time (seconds) for no more text.
 */
const OCR_MAX_SIDE = 1280;

/** Pixels for OCR, as RGB (the worker takes them without another encode and decode). */
async function forOcr(input: Uint8Array | RgbImage): Promise<RgbImage> {
  if (!(input instanceof Uint8Array) && Math.max(input.width, input.height) <= OCR_MAX_SIDE) return input;
  const img =
    input instanceof Uint8Array ? sharp(input) : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
  const { data, info } = await img
    .resize(OCR_MAX_SIDE, OCR_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function lineStarts(lines: readonly OcrLine[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.text.length + 1;
  }
  return starts;
}

function lineAt(starts: readonly number[], offset: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1]! <= offset) i++;
  return i;
}

/** The axis-aligned rectangle around an OCR quadrilateral (in the detector's coordinates). */
function boxOf(line: OcrLine): { x: number; y: number; width: number; height: number } {
  const xs = line.box.map((p) => p[0] ?? 0);
  const ys = line.box.map((p) => p[1] ?? 0);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}
