import { scanQrCodesOffThread, type QrCode, type RgbImage } from '../../inference';
import { decide, type Policy } from '../policy';
import { mergeResults, type Evidence, type ModerationResult } from '../result';
import { zeroScores, type Category } from '../taxonomy';
import { moderateText } from '../text/moderator';

/**
 * QR codes in images: gambling and fraud adverts put their link in a QR code so
 * that neither OCR nor a text filter sees it. Codes are decoded offline (jsQR,
 * Apache-2.0; src/inference/qr-scan.ts, run in a model worker), and each payload
 * goes through the text moderator and a check of the URLs in it; the evidence
 * carries the code's box.
 */

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
  return moderateQrPayloads(await scanQrCodesOffThread(image, { thorough: !where.frame }), policy, where);
}
