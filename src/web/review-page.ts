import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The moderators' review console (docs/review.md): one self-contained HTML document, a
 * hash-routed single page over the JSON API under /review/api. The script and the style are
 * inline and allowed by their sha256 in the Content-Security-Policy; connections go to this
 * origin only, media comes from this origin (signed links) or from blob: URLs, so markup that
 * reached the page from untrusted data could run nothing. The script itself never turns API data
 * into markup (textContent and createElement only).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
/**
 * The script is one function scope written in several files, one job each, joined in this order:
 * the later parts use what core.js defines; dashboard.js ends with the start of the page.
 */
const PARTS = ['core', 'queues', 'evidence', 'media', 'item', 'decide', 'dashboard'];
const SCRIPT = `'use strict';\n(() => {\n${PARTS.map((p) => fs.readFileSync(path.join(here, 'review', 'console', `${p}.js`), 'utf8')).join('\n')}})();\n`;
const STYLE = fs.readFileSync(path.join(here, 'review', 'console.css'), 'utf8');
const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

// Inlined as is: a closing tag inside either file would end the element early.
if (/<\/script/i.test(SCRIPT) || /<\/style/i.test(STYLE)) throw new Error('review console: script or style contains a closing tag');

export const CONSOLE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the console page: nothing may cache it, frame it, or pass its URL on. */
export const CONSOLE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONSOLE_CSP,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'x-robots-tag': 'noindex, nofollow',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>Review console</title>
<style>${STYLE}</style>
</head>
<body data-signed-in="false">
<header class="top">
<span class="brand">likeness-gate <span class="brand-sub">review</span></span>
<nav aria-label="Main">
<a href="#/queues" data-route="queues" data-testid="nav-queues">Queues</a>
<a href="#/dashboard" data-route="dashboard" data-testid="nav-dashboard">Dashboard</a>
</nav>
<span class="who" data-testid="who"><span id="who-name"></span> <span id="who-role" class="role"></span></span>
<button type="button" id="logout" class="quiet small" data-testid="logout">Log out</button>
</header>
<main id="main">
<div id="alert" class="alert" role="alert" data-testid="alert" hidden><span id="alert-text"></span>
<button type="button" id="alert-close" class="quiet small" aria-label="Dismiss the message">Dismiss</button></div>
<p id="status" class="toast" role="status" aria-live="polite" data-testid="status"></p>
<div id="view"></div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The whole console document (the same bytes every time, so the CSP hashes hold). */
export function consolePage(): string {
  return PAGE;
}
