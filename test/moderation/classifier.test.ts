import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST, loadTextClassifier } from '../../src/moderation/text/classifier.js';
import { normalizeText } from '../../src/moderation/text/normalize.js';

describe('text classifier runtime', () => {
  it('loads the shipped model and returns one probability per head', async () => {
    const c = await loadTextClassifier();
    const [windows] = await c.score([normalizeText('see you at lunch tomorrow')]);
    const w = windows?.[0];
    expect(c.heads).toContain('abuse');
    for (const h of c.heads) {
      expect(w!.scores[h]).toBeGreaterThanOrEqual(0);
      expect(w!.scores[h]).toBeLessThanOrEqual(1);
    }
  });

  it('scores long text in several windows whose spans point into the original', async () => {
    const c = await loadTextClassifier();
    const text = '今天天气很好。'.repeat(200);
    const [windows] = await c.score([normalizeText(text)]);
    expect(windows!.length).toBeGreaterThan(1);
    for (const w of windows!) expect(text.slice(w.span.start, w.span.end)).toBe(w.span.text);
  });

  it('gives concurrent callers, whose texts share one ONNX run, the scores each would get alone', async () => {
    const c = await loadTextClassifier();
    const texts = ['see you at lunch tomorrow', 'Congratulations! You have won a $1000 gift card, click here to claim your prize now', 'you absolute idiot', '今天天气很好。'.repeat(40)];
    const alone: Awaited<ReturnType<typeof c.score>>[] = [];
    for (const t of texts) alone.push(await c.score([normalizeText(t)]));
    const together = await Promise.all(texts.map((t) => c.score([normalizeText(t)])));
    expect(together.map((r) => r[0]!.length)).toEqual(alone.map((r) => r[0]!.length));
    together.forEach((r, i) =>
      r[0]!.forEach((w, j) => {
        const a = alone[i]![0]![j]!;
        expect(w.span).toEqual(a.span);
        for (const h of c.heads) expect(w.scores[h]).toBeCloseTo(a.scores[h]!, 6);
      }),
    );
    // The harmful texts must not have borrowed the benign one's scores, or the other way round.
    expect(together[1]![0]![0]!.scores.fraud).toBeGreaterThan(together[0]![0]![0]!.scores.fraud! + 0.3);
  });

  it('explains concurrent texts, whose rows share one ONNX run, as it explains each alone', async () => {
    const c = await loadTextClassifier();
    const texts = ['Congratulations! You have won a $1000 gift card, click here to claim your prize now', 'you absolute idiot, nobody wants you here', 'free entry to win cash, text WIN to claim'];
    const cases = await Promise.all(
      texts.map(async (t) => {
        const n = normalizeText(t);
        const [windows] = await c.score([n]);
        const w = windows![0]!;
        // The head the model is most sure of, so every text has something to explain.
        const head = [...c.heads].sort((a, b) => (w.scores[b] ?? 0) - (w.scores[a] ?? 0))[0]!;
        return { t, n, w, head };
      }),
    );
    const alone = [];
    for (const k of cases) alone.push(await c.explain!(k.n, k.w, k.head));
    const together = await Promise.all(cases.map((k) => c.explain!(k.n, k.w, k.head)));
    expect(together).toEqual(alone);
    // Each span is a piece of its own text, so no text got another's rows.
    together.forEach((span, i) => {
      expect(span).not.toBeNull();
      expect(cases[i]!.t.slice(span!.start, span!.end)).toBe(span!.text);
    });
  });

  it('refuses a model file whose hash does not match the manifest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lg-text-model-'));
    const manifest = JSON.parse(readFileSync(DEFAULT_MANIFEST, 'utf8')) as { file: string; sha256: string };
    copyFileSync(path.join(path.dirname(DEFAULT_MANIFEST), manifest.file), path.join(dir, manifest.file));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }));
    await expect(loadTextClassifier(path.join(dir, 'manifest.json'))).rejects.toThrow(/does not match/);
  });
});
