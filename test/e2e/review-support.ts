import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { spokenWords } from '../../src/consent/asr/statement';
import { createModerator } from '../../src/review/accounts';
import type { Role } from '../../src/review/policy';
import { attestation, call, consentVideo, subject } from '../consent/support';
import { upload, waitDecided, type Service } from '../support/harness';
import { advertSvg } from '../support/media';
import { advertOver, consentingFace, samplePhotos } from '../support/photos';
import { FIXED_CODE, speechToolsMissing } from './support';

/**
 * Seeding and browser helpers for test/e2e/review-console*.test.ts: real items through the real
 * pipelines (an advert portrait with a consent ceremony beside it, a video with an advert at 0:07,
 * driving texts, a spoken voice sample), moderator accounts, Chromium at 1366×768, axe-core inside
 * the page. The one face used is cut from a face-api demo photo that npm installs: nothing comes
 * from ../shared/data (which CI never has, and whose photos may not be copied into screenshots).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.join(process.cwd(), 'test-output', 'screenshots');

/** Why this suite cannot run here, or null (under CI nothing may be missing). */
export const missing = !fs.existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)`
  : speechToolsMissing ?? (samplePhotos().length ? null : 'the face-api demo photos are missing (npm ci)');

/** The file of the consenting face (see consentingFace in test/support/photos.ts). */
export const facePhoto = async (): Promise<string> => (await consentingFace()).photo;

export interface Mod { email: string; password: string; name: string }

let n = 0;
export async function newModerator(svc: Service, name: string, role: Role = 'moderator'): Promise<Mod> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${++n}@example.com`;
  const password = `long enough password ${n} for ${name}`;
  await createModerator(svc.ctx.db, { email, role, password, displayName: name });
  return { email, password, name };
}

/**
 * A face-and-voice attestation whose ceremony was recorded: festival reads the statement over a
 * still of facePhoto(). A face ceremony always ends in review (liveness is for a person), so the
 * attestation is `verification = review` and the console opens a consent item for it.
 */
export async function recordedConsent(svc: Service): Promise<{ attestationId: string; challengeId: string }> {
  const a = await attestation(svc, await subject(svc, { display_name: 'Jane Doe' }), { scopes: ['face', 'voice'] });
  const c = await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Acme Studios' });
  if (c.status !== 201) throw new Error(`challenge: ${c.status} ${JSON.stringify(c.body)}`);
  const statement = (c.body.statement as string).replace(/( \d){6}\.$/, ` ${FIXED_CODE}.`);
  await svc.ctx.db.query('update consent_challenges set statement = $2 where id = $1', [c.body.id, statement]);
  const res = await fetch(`${svc.baseUrl}/v1/consents/${a.id}/challenges/${c.body.id}/recording`, {
    method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'video/mp4' },
    body: consentVideo(await facePhoto(), spokenWords(statement).join(' ')),
  });
  const out = (await res.json()) as Record<string, any>;
  if (res.status !== 200) throw new Error(`recording: ${res.status} ${JSON.stringify(out)}`);
  return { attestationId: a.id as string, challengeId: c.body.id as string };
}

/** The consenting face with a gambling advert across its lower part: OCR finds the text and boxes it. */
export async function advertPortrait(): Promise<Buffer> {
  return advertOver((await consentingFace()).portrait);
}

export { advertOver, facesIn } from '../support/photos';

/** 10 s of test pattern with an advert over it from 7.0 s to 8.0 s only (as test/integration/moderation.test.ts). */
export async function advertVideo(): Promise<Buffer> {
  const still = await sharp(advertSvg('ONLINE CASINO', '线上赌场注册送88元', 640, 360)).png().toBuffer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-review-vid-'));
  try {
    fs.writeFileSync(path.join(dir, 'still.png'), still);
    const video = path.join(dir, 'video.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=rate=25:duration=10:size=640x360', '-i', path.join(dir, 'still.png'),
      '-filter_complex', "[0:v][1:v]overlay=enable='between(t,7,8)'", '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', video,
    ]);
    return fs.readFileSync(video);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads and waits for the pipeline; the item must end in review. Returns the media id. */
export async function inReview(svc: Service, kind: string, data: Buffer | string, query: Record<string, string> = {}): Promise<string> {
  const up = await upload(svc, kind, data, { query });
  if (up.status !== 202 && up.status !== 200) throw new Error(`${kind} upload: ${up.status} ${JSON.stringify(up.body)}`);
  const item = await waitDecided(svc, up.body.id as string, 120_000);
  if (item.state !== 'review') throw new Error(`${kind}: expected review, got ${item.state} ${item.reason} ${JSON.stringify(item.stages?.map((s: any) => [s.stage, s.status, s.reason]))}`);
  return item.id as string;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A browser context at the size the console is designed for, recording CSP violations and page errors. */
export async function consolePage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: () => Promise<string[]> }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.addInitScript({
    content: `window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return { context, page, problems: async () => [...errors, ...((await page.evaluate('window.__csp')) as string[])] };
}

export async function login(page: Page, baseUrl: string, mod: Mod): Promise<void> {
  await page.goto(`${baseUrl}/review`);
  await page.waitForSelector('[data-testid="login-view"]');
  await page.getByLabel('Email').fill(mod.email);
  await page.getByLabel('Password').fill(mod.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('[data-testid="queues-view"] [data-testid="queue-row"]');
}

const AXE = fs.readFileSync(path.join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * axe-core run inside the page: evaluated through the DevTools protocol (page.evaluate is not
 * subject to the page's CSP, a <script> tag would be). Serious and critical violations fail.
 */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  await page.evaluate(`${AXE};0`);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as { id: string; impact: string }[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${view}: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
}

export async function shoot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** A POST from inside the page, with or without the session's CSRF token. */
export function postFromPage(page: Page, url: string, headers: Record<string, string>) {
  return page.evaluate(async ([u, h]) => {
    const r = await fetch(u, { method: 'POST', headers: h, body: '{}' });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [url, headers] as const);
}

/** The `data-item-id` of the item view once it shows, optionally for one kind. */
export async function openedItem(page: Page, kind?: string): Promise<string> {
  const sel = kind ? `[data-testid="item-view"][data-kind="${kind}"]` : '[data-testid="item-view"]';
  await page.waitForSelector(sel, { timeout: 15_000 });
  return (await page.getAttribute(sel, 'data-item-id'))!;
}
