import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureCode, CaptureView } from '../consent/capture';
import { likenessWords, purposeWords } from '../consent/capture-messages';

/**
 * The capture page: one self-contained HTML document (inline script and style, nothing
 * fetched from elsewhere) that tells the subject what they consent to, shows the statement
 * and records it. The Content-Security-Policy allows exactly the inline script and style by
 * their sha256 and connections to this origin only, so injected markup can run nothing.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = fs.readFileSync(path.join(here, 'capture.js'), 'utf8');
const STYLE = fs.readFileSync(path.join(here, 'capture.css'), 'utf8');
const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** Recording stops by itself after this long: the statement takes about ten seconds to read. */
export const MAX_RECORDING_SECONDS = 90;

export const CAPTURE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "media-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every /capture response: the token is in the URL, so nothing may keep or pass it on. */
export const CAPTURE_HEADERS: Record<string, string> = {
  'content-security-policy': CAPTURE_CSP,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(self), microphone=(self), geolocation=(), payment=()',
  'x-robots-tag': 'noindex, nofollow',
};

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function capturePage(v: CaptureView): string {
  const video = v.scopes.includes('face');
  const company = esc(v.company);
  const likeness = likenessWords(v.scopes);
  const devices = video ? 'camera and microphone' : 'microphone';
  const until = v.validUntil.toISOString();
  const afterWithdrawal =
    v.revocationPolicy === 'delete'
      ? `what was made from ${likeness} under it is deleted`
      : `what was made from ${likeness} under it is blocked from any further use`;
  const purposes = v.purposes.map((p) => `<li>${esc(purposeWords(p))}</li>`).join('');
  const body = `<main data-video="${video}" data-expires-at="${v.expiresAt.toISOString()}" data-max-seconds="${MAX_RECORDING_SECONDS}" data-company="${company}">
<h1>${company} asks for your consent</h1>
<p>Hello <strong id="subject">${esc(v.subjectName)}</strong>. <strong id="company">${company}</strong> asks to use
<strong id="scope">${esc(likeness)}</strong> to make:</p>
<ul class="facts" id="purposes">${purposes}</ul>
<h2>What you agree to</h2>
<ul class="facts">
<li>Images and recordings of ${esc(likeness)} are biometric data. Reading the statement below is your separate,
explicit consent to their use for the purposes above, by ${company}.</li>
<li>Your consent lasts until <time datetime="${until}" data-local-date>${until.slice(0, 10)}</time>. You can withdraw it
at any time by telling ${company}; from then on nothing new may be made, and ${afterWithdrawal}.</li>
<li>Your recording is kept as proof of your consent and is checked by machine${video ? ' and by a person' : ''}.</li>
<li>If you do not agree, close this page. Nothing is recorded until you press <em>Start recording</em>.</li>
</ul>
<h2>Read this aloud</h2>
<blockquote class="statement" id="statement">${esc(v.statement)}</blockquote>
<p class="note" id="expiry-note">The code in it is valid for <span id="expiry">–</span> more and works once. Your browser will ask
to use your ${devices}.</p>
<video id="preview" muted playsinline hidden></video>
<div class="controls">
<button type="button" id="start">Start recording</button>
<button type="button" id="stop" hidden>Stop and send</button>
<span id="timer" hidden></span>
</div>
<p id="status" role="status" aria-live="polite"></p>
<section id="result" aria-live="polite" hidden></section>
</main>
<script>${SCRIPT}</script>`;
  return document(`Consent for ${v.company}`, body);
}

const REFUSALS: Record<CaptureCode, { title: string; text: string }> = {
  'capture.link_not_found': {
    title: 'This link does not exist',
    text: 'Check that you opened the whole link you were sent. If it still does not work, ask the sender for a new one.',
  },
  'capture.link_expired': {
    title: 'This link has expired',
    text: 'Links to record a consent statement work for a few minutes only. Ask the sender for a new link.',
  },
  'capture.link_used': {
    title: 'This link was already used',
    text: 'A recording was already sent with this link, and each link works once. Ask the sender for a new link if you need to record again.',
  },
  'capture.consent_inactive': {
    title: 'This consent is no longer active',
    text: 'It was withdrawn, suspended or has run out, so there is nothing to record. Nothing was recorded.',
  },
};

/** The page for a link that cannot be used; it says why, and carries the stable code for support. */
export function refusalPage(code: CaptureCode): string {
  const r = REFUSALS[code];
  return document(
    r.title,
    `<main data-code="${code}">
<h1>${esc(r.title)}</h1>
<p>${esc(r.text)}</p>
<p class="note">Code: <code>${code}</code></p>
</main>`,
  );
}
