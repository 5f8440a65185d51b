import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINES } from '../../pipelines';
import { selectRoles } from '../../pipelines/runner';
import { ONLY_ROLES } from '../../src/cli/moderate-item';
import { moderateBatch, TEXT_WINDOW } from '../../src/cli/moderate-batch';
import { loadConfig } from '../../src/core/config';
import { advertSvg } from '../support/media';
import { samplePhotos } from '../support/photos';

/** The real CLI in a child process, as an integrator's backfill script would run it. */
function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/likeness.mjs', 'moderate', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const jsonl = (lines: (object | string)[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const parseLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

let dir: string;
let advert: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-cli-batch-'));
  advert = path.join(dir, 'casino.jpg');
  fs.writeFileSync(advert, await sharp(advertSvg('ONLINE CASINO', '线上赌场注册送88元')).jpeg().toBuffer());
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('likeness moderate - (JSON Lines)', () => {
  // Zero-width and ordinary spaces between the two characters of 赌博 (gambling).
  const gambling = '欢迎来玩 赌\u200b 博\u200d 游戏，注册就送';
  const scam = 'Congratulations! You have won a $1000 gift card. Click here to claim your prize now.';

  it('answers every line in input order: verdicts with evidence for good lines, a coded reject for bad ones', async () => {
    const input = jsonl([
      // The slow image line first: the text lines after it finish earlier but must come out after it.
      { id: 'img-1', kind: 'portrait_image', path: advert },
      { id: 'ok-1', kind: 'driving_text', text: '今天我们一起去公园散步，天气很好。' },
      { id: 'zh-gamble', kind: 'driving_text', text: gambling },
      'this is {not json',
      { id: 'en-scam', kind: 'driving_text', text: scam },
      '',
      { id: 'bad-kind', kind: 'selfie', text: 'hello' },
      { id: 'gone', kind: 'portrait_image', path: path.join(dir, 'missing.jpg') },
      { id: 'empty', kind: 'driving_text' },
      { id: 7, kind: 'driving_text', text: 'please read the sentence on screen' },
      { id: 'text-as-image', kind: 'portrait_image', text: 'GIF89a' },
      { id: 'surrogate', kind: 'driving_text', text: 'half a pair \ud800 here' },
    ]);
    const { code, stdout, stderr } = await cli(['-', '--concurrency', '3'], input);
    expect(code, stderr).toBe(0);
    const out = parseLines(stdout);
    // One result per non-blank line, in input order (line numbers count the blank one too).
    expect(out.map((r) => r.id)).toEqual(['img-1', 'ok-1', 'zh-gamble', null, 'en-scam', 'bad-kind', 'gone', 'empty', 7, 'text-as-image', 'surrogate']);
    expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    const byId = new Map(out.map((r) => [r.id, r]));
    for (const r of out) expect(Object.keys(r).slice(0, 8)).toEqual(['line', 'id', 'kind', 'decision', 'reason', 'scores', 'evidence', 'stages']);

    const ok = byId.get('ok-1');
    expect(ok.decision).toBe('pass');
    expect(ok.stages.map((s: any) => [s.stage, s.status])).toEqual([
      ['probe.text', 'pass'],
      ['moderate.text', 'pass'],
      ['decide.store', 'skipped'],
    ]);
    expect(Object.keys(ok.scores)).toEqual(expect.arrayContaining(['sexual', 'gambling', 'fraud', 'minor_safety']));

    const zh = byId.get('zh-gamble');
    expect(zh.decision).toBe('block');
    expect(zh.reason).toBe('moderation.block.gambling');
    expect(zh.scores.gambling).toBeGreaterThanOrEqual(0.85);
    const span = zh.evidence.find((e: any) => e.category === 'gambling' && e.listEntry?.term === '赌博').textSpan;
    // The span points into the text as sent, zero-width characters included.
    expect(gambling.slice(span.start, span.end)).toBe(span.text);
    expect(span.text.startsWith('赌') && span.text.endsWith('博')).toBe(true);

    const en = byId.get('en-scam');
    expect(en.decision).toBe('block');
    expect(en.reason).toBe('moderation.block.fraud');
    expect(en.evidence.some((e: any) => e.category === 'fraud' && scam.slice(e.textSpan.start, e.textSpan.end) === e.textSpan.text)).toBe(true);

    const img = byId.get('img-1');
    expect(img.decision).toBe('block');
    expect(img.stages.find((s: any) => s.stage === 'moderate.image').status).toBe('block');
    const ocr = img.evidence.find((e: any) => e.category === 'gambling' && e.ocrBox);
    expect(ocr.stage).toBe('moderate.image');
    expect(ocr.ocrBox.width).toBeGreaterThan(0);

    expect(byId.get(7).decision).toBe('pass');
    expect(out[3]).toMatchObject({ decision: 'reject', reason: 'request.invalid', scores: null, stages: [] });
    expect(byId.get('bad-kind')).toMatchObject({ decision: 'reject', reason: 'media.unknown_kind', kind: 'selfie' });
    expect(byId.get('gone')).toMatchObject({ decision: 'reject', reason: 'media.not_found' });
    expect(byId.get('empty')).toMatchObject({ decision: 'reject', reason: 'request.invalid' });
    // A string is never taken as image bytes, and a lone surrogate is not silently replaced.
    expect(byId.get('text-as-image')).toMatchObject({ decision: 'reject', reason: 'request.invalid' });
    expect(byId.get('surrogate')).toMatchObject({ decision: 'reject', reason: 'media.invalid_text' });
    expect(stderr).toMatch(/moderated 11 lines/);
  }, 180_000);

  it('loads the text model once for the whole run, not per line', async () => {
    // Text lines run TEXT_WINDOW at a time, so the whole first window waits for the load.
    const n = TEXT_WINDOW * 3;
    const lines = Array.from({ length: n }, (_, i) => ({ id: i, kind: 'driving_text', text: `line ${i}: my avatar reads the weather report, 第${i}行` }));
    const { code, stdout } = await cli(['-', '--concurrency', '1'], jsonl(lines));
    expect(code).toBe(0);
    const ms = parseLines(stdout).map((r) => r.stages.find((s: any) => s.stage === 'moderate.text').durationMs as number);
    expect(ms).toHaveLength(n);
    // The first window pays for loading the classifier; if any later line re-created a session
    // it would pay again. The median of the later lines is a small fraction of the first's.
    const rest = ms.slice(TEXT_WINDOW).sort((a, b) => a - b);
    expect(rest[Math.floor(rest.length / 2)]!).toBeLessThan(ms[0]! / 5);
  }, 120_000);
});

describe('text lines on worker threads', () => {
  it('give the verdicts, codes and order they get on the main thread, a file line among them', async () => {
    const texts = ['今天我们一起去公园散步，天气很好。', '欢迎来玩 赌\u200b 博 游戏，注册就送', 'Congratulations! You have won a $1000 gift card. Click here to claim your prize now.', 'please read the sentence on screen'];
    const line = (i: number) =>
      i % 97 === 5 ? 'this is {not json' : i % 89 === 7 ? JSON.stringify({ id: i, kind: 'driving_text', text: 'x\ud800' }) : JSON.stringify({ id: i, kind: 'driving_text', text: `${texts[i % texts.length]} #${i}` });
    const lines = Array.from({ length: 900 }, (_, i) => line(i));
    lines.splice(700, 0, JSON.stringify({ id: 'img', kind: 'portrait_image', path: advert }));
    // Paced input: workers start after a few hundred text lines and take a moment to load, so
    // the lines after the pause are the ones they moderate.
    async function* paced() {
      for (const [i, l] of lines.entries()) {
        if (i === 400) await new Promise((r) => setTimeout(r, 5000));
        yield `${l}\n`;
      }
    }
    const run = async (textThreads: number) => {
      let out = '';
      const sink = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
      const stats = await moderateBatch(Readable.from(paced()), sink, { config: loadConfig({ LOG_LEVEL: 'silent' }), textThreads });
      return { stats, results: parseLines(out) };
    };
    const [here, threaded] = [await run(0), await run(2)];
    expect(here.stats.onTextThreads).toBe(0);
    // Lines after the pause went to the workers while they had room (two batches each); the
    // rest ran here meanwhile.
    expect(threaded.stats.onTextThreads).toBeGreaterThanOrEqual(2 * TEXT_WINDOW);
    expect(threaded.stats.onTextThreads).toBeLessThan(lines.length);
    expect(threaded.results).toHaveLength(lines.length);
    expect(threaded.results.map((r) => [r.line, r.id, r.decision, r.reason])).toEqual(here.results.map((r) => [r.line, r.id, r.decision, r.reason]));
    threaded.results.forEach((r, i) => {
      const h = here.results[i]!;
      if (h.scores === null) return expect(r.scores).toBeNull();
      for (const [c, v] of Object.entries(h.scores as Record<string, number>)) expect(r.scores[c]).toBeCloseTo(v, 5);
    });
    const decisions = new Set(threaded.results.map((r) => r.decision));
    for (const d of ['pass', 'block', 'reject']) expect(decisions).toContain(d);
  }, 120_000);
});

describe('--only moderation', () => {
  it('runs the probe and moderation stages of any kind, never consent or storage', () => {
    for (const def of Object.values(PIPELINES)) {
      const sub = selectRoles(def, ONLY_ROLES.moderation);
      expect(sub.stages.map((s) => s.name)).toEqual(def.stages.map((s) => s.name));
      expect(def.stages.some((s) => s.role === 'moderation'), def.kind).toBe(true);
      sub.stages.forEach((s, i) => {
        const original = def.stages[i]!;
        const kept = original.role === 'probe' || original.role === 'moderation';
        expect(s === original, `${def.kind}/${s.name}`).toBe(kept);
      });
    }
  });

  const portrait = samplePhotos()[0];
  it.skipIf(!portrait)('a portrait without any consent: consent is not run, the image is moderated (file and batch)', async () => {
    const single = await cli([portrait!, '--kind', 'portrait_image', '--only', 'moderation', '--json']);
    expect(single.code, single.stderr).toBe(0);
    const out = JSON.parse(single.stdout);
    expect(out.only).toBe('moderation');
    const byStage = new Map((out.results as any[]).map((r) => [r.stage, r]));
    for (const name of ['consent', 'consent.face', 'decide.store']) {
      expect(byStage.get(name)).toMatchObject({ status: 'skipped', reason: 'pipeline.not_selected' });
    }
    expect(byStage.get('probe.image').status).toBe('pass');
    const mod = byStage.get('moderate.image');
    expect(['pass', 'review', 'block']).toContain(mod.status);
    expect(mod.evidence.moderation.scores).toHaveProperty('sexual');
    expect(out.decision).toBe(mod.status);

    const batch = await cli(['-', '--only', 'moderation', '--kind', 'portrait_image'], jsonl([{ id: 'p', path: portrait }]));
    expect(batch.code, batch.stderr).toBe(0);
    const [line] = parseLines(batch.stdout);
    expect(line.kind).toBe('portrait_image');
    expect(line.stages.map((s: any) => [s.stage, s.status, s.reason ?? null])).toEqual([
      ['probe.image', 'pass', null],
      ['consent', 'skipped', 'pipeline.not_selected'],
      ['consent.face', 'skipped', 'pipeline.not_selected'],
      ['moderate.image', mod.status, mod.reason ?? null],
      ['decide.store', 'skipped', 'pipeline.not_selected'],
    ]);
    expect(line.scores.sexual).toBeCloseTo(mod.evidence.moderation.scores.sexual, 6);
  }, 180_000);
});
