import jsQR from 'jsqr';
import sharp from 'sharp';
import type { RgbImage } from '../../inference';
import { decide, type Policy } from '../policy';
import { mergeResults, type Evidence, type ModerationResult } from '../result';
import { zeroScores, type Category } from '../taxonomy';
import { moderateText } from '../text/moderator';

/**
 * QR codes in images: gambling and fraud adverts put their link in a QR code so
 * that neither OCR nor a text filter sees it. Codes are decoded offline (jsQR,
 * Apache-2.0), and each payload goes through the text moderator and a check of
 * the URLs in it; the evidence carries the code's box.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface QrCode {
  payload: string;
  /** Axis-aligned box around the code, in the pixels of the image passed in. */
  box: Box;
}

/** More than this many codes in one picture is noise, and each one costs a full decoder pass. */
const MAX_CODES = 4;
/** jsQR's cost grows with the pixel count; above this the image is scanned downscaled. */
const MAX_SIDE = 2048;
/** A small image gets a second, 2× upscaled pass: jsQR needs a few pixels per module. */
const UPSCALE_BELOW = 512;

export interface ScanOptions {
  /**
   * Also look for light-on-dark codes and upscale small images. Inversion alone doubles
   * the time of a pass with no code (29 → 58 ms at 640×427, 2 cores at load 3), so
   * still images get it and sampled video frames (~28 ms each at 640×360) do not.
   */
  thorough?: boolean;
}

/** Every QR code found in an RGB image (whole image first, then a 2× upscale of small images). */
export async function scanQrCodes(image: RgbImage, { thorough = true }: ScanOptions = {}): Promise<QrCode[]> {
  const inversion = thorough ? 'attemptBoth' : 'dontInvert';
  const side = Math.max(image.width, image.height);
  if (side > MAX_SIDE) {
    const f = MAX_SIDE / side;
    return scanAt(await resized(image, Math.round(image.width * f), Math.round(image.height * f)), f, inversion);
  }
  const codes = scanAt(image, 1, inversion);
  if (codes.length || !thorough || side > UPSCALE_BELOW) return codes;
  return scanAt(await resized(image, image.width * 2, image.height * 2), 2, inversion);
}

async function resized(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Decode, blank the code found, decode again: jsQR returns one code per call. `scale` maps back to the caller's pixels. */
function scanAt(image: RgbImage, scale: number, inversionAttempts: 'attemptBoth' | 'dontInvert'): QrCode[] {
  const { width, height } = image;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[i * 4] = image.data[j]!;
    rgba[i * 4 + 1] = image.data[j + 1]!;
    rgba[i * 4 + 2] = image.data[j + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  const codes: QrCode[] = [];
  while (codes.length < MAX_CODES) {
    const code = jsQR(rgba, width, height, { inversionAttempts });
    if (!code) break;
    const l = code.location;
    const corners = [l.topLeftCorner, l.topRightCorner, l.bottomLeftCorner, l.bottomRightCorner];
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))));
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))));
    const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))));
    const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))));
    codes.push({
      payload: code.data,
      box: { x: Math.round(x0 / scale), y: Math.round(y0 / scale), width: Math.round((x1 - x0) / scale), height: Math.round((y1 - y0) / scale) },
    });
    // White over the code (and a quiet-zone margin) so the next pass finds another one.
    const m = Math.ceil((x1 - x0) / 10);
    for (let y = Math.max(0, y0 - m); y < Math.min(height, y1 + m); y++) rgba.fill(255, (y * width + Math.max(0, x0 - m)) * 4, (y * width + Math.min(width, x1 + m)) * 4);
  }
  return codes;
}

/**
 * Hosts that only redirect: the destination cannot be checked offline, and hiding it
 * is why adverts for banned content use them. Curated here; a match is a review, not a block.
 */
const SHORTENERS = [
  'bit.ly', 'bitly.com', 'bit.do', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly',
  'cutt.ly', 'shorturl.at', 'rb.gy', 'tiny.cc', 't.ly', 's.id', 'qrco.de', 't.cn', 'url.cn', 'dwz.cn', 'suo.im',
];

/** Words of a gambling site's address, matched anywhere in a host label or path word (long, unambiguous ones). */
const GAMBLING_INFIX = ['casino', 'baccarat', 'roulette', 'blackjack', 'sportsbook', 'jackpot', 'lottery', 'betting', 'caipiao', 'duchang', 'liuhecai'];
/** Shorter words that must be a whole host label once digits are dropped (`bet365` → `bet`, not `alphabet`). */
const GAMBLING_WORD = new Set(['bet', 'xbet', 'bets', 'poker', 'slot', 'slots', 'lotto', 'bocai', 'qipai', 'pujing', 'dubo', 'xpj']);

/** Payment and crypto-transfer codes: a digital human showing a pay code is a classic scam. */
const PAYMENT = /^(?:wxp|weixin|alipays?|bitcoin|ethereum|litecoin|tron|usdt):|^https?:\/\/qr\.alipay\.com\//i;

const GAMBLING_SCORE = 0.9;
const SUSPICIOUS_SCORE = 0.6;

export interface UrlFinding {
  category: Category;
  score: number;
  rule: 'gambling_url' | 'shortener' | 'ip_host' | 'punycode_host' | 'userinfo' | 'payment';
  /** UTF-16 span of the URL in the payload. */
  start: number;
  end: number;
  text: string;
}

/** Candidate URLs: an optional scheme, a dotted host (or [IPv6]), an optional port and path. */
const URL_LIKE = /(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s/?#@:]+(?::[^\s/?#@]*)?@)?(?:\[[0-9a-f:.]+\]|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)(?::\d{1,5})?(?:[/?#][^\s]*)?/giu;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const WRITTEN_IPV4 = /(?:^|[/@])\d{1,3}(?:\.\d{1,3}){3}(?:[:/?#]|$)/;

/** What the URLs in a QR payload say about it, from the curated rules above. */
export function checkPayloadUrls(payload: string): UrlFinding[] {
  const findings: UrlFinding[] = [];
  const add = (category: Category, score: number, rule: UrlFinding['rule'], start: number, text: string) =>
    findings.push({ category, score, rule, start, end: start + text.length, text });
  if (PAYMENT.test(payload)) add('fraud', SUSPICIOUS_SCORE, 'payment', 0, payload);
  for (const m of payload.matchAll(URL_LIKE)) {
    const text = m[0];
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
    let url: URL;
    try {
      url = new URL(hasScheme ? text : `http://${text}`);
    } catch {
      continue;
    }
    const host = url.hostname.toLowerCase();
    // URL parsing reads "1.2.3" as the address 1.2.0.3: only a written dotted quad counts.
    const ip = host.startsWith('[') || (IPV4.test(host) && WRITTEN_IPV4.test(text));
    // "e.g." or "v1.2" are not hosts: a name needs an alphabetic top-level label.
    if (!ip && !/\.(?:[a-z]{2,}|xn--[a-z0-9-]+)$/.test(host)) continue;
    const at = m.index;
    if (ip) add('fraud', SUSPICIOUS_SCORE, 'ip_host', at, text);
    if (SHORTENERS.some((s) => host === s || host.endsWith(`.${s}`))) add('fraud', SUSPICIOUS_SCORE, 'shortener', at, text);
    if (host.split('.').some((label) => label.startsWith('xn--'))) add('fraud', SUSPICIOUS_SCORE, 'punycode_host', at, text);
    // Only after `scheme://` does `user@host` hide the real host (`mailto:hi@host` does not).
    if (hasScheme && (url.username || url.password)) add('fraud', SUSPICIOUS_SCORE, 'userinfo', at, text);
    // Short words only count in the host: a path's `/slots` is as likely a booking page.
    const labels = host.split(/[.-]/);
    const pathWords = decodeSafe(url.pathname + url.search).toLowerCase().split(/[^\p{L}\p{N}]+/u);
    if ([...labels, ...pathWords].some((w) => GAMBLING_INFIX.some((g) => w.includes(g))) || labels.some((w) => GAMBLING_WORD.has(w.replace(/\d+/g, '')))) {
      add('gambling', GAMBLING_SCORE, 'gambling_url', at, text);
    }
  }
  return findings;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Each payload through the text moderator and the URL rules, decided under the
 * policy; evidence points at the code (`ocrBox`) and at the span of the payload.
 * `null` when there is no code (nothing checked is not a pass of its own).
 */
export async function moderateQrPayloads(
  codes: readonly QrCode[],
  policy: Policy,
  where: Pick<Evidence, 'frame'> = {},
): Promise<ModerationResult | null> {
  if (!codes.length) return null;
  const parts: ModerationResult[] = [];
  for (const { payload, box } of codes) {
    const text = await moderateText(payload, policy);
    parts.push({
      ...text,
      modality: 'image',
      reasons: text.decision === 'pass' ? text.reasons : ['qr.text', ...text.reasons],
      evidence: text.evidence.map((e) => ({ ...e, ...where, ocrBox: box })),
    });
    const findings = checkPayloadUrls(payload);
    if (!findings.length) continue;
    const scores = zeroScores();
    for (const f of findings) scores[f.category] = Math.max(scores[f.category], f.score);
    const verdict = decide(scores, policy);
    parts.push({
      modality: 'image',
      scores,
      decision: verdict.decision,
      reasons: [...new Set(findings.map((f) => `qr.url.${f.rule}`)), ...verdict.reasons],
      evidence: findings.map((f) => ({
        category: f.category,
        score: f.score,
        source: 'list',
        listEntry: { list: 'qr-url', term: f.rule },
        textSpan: { start: f.start, end: f.end, text: f.text },
        ocrBox: box,
        ...where,
      })),
      policy: { id: policy.id, version: policy.version },
    });
  }
  return mergeResults('image', parts);
}

/** The QR check of one image or video frame: still images are scanned thoroughly, frames once. */
export async function moderateImageQr(image: RgbImage, policy: Policy, where: Pick<Evidence, 'frame'> = {}): Promise<ModerationResult | null> {
  return moderateQrPayloads(await scanQrCodes(image, { thorough: !where.frame }), policy, where);
}
