import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, resolvePolicy } from '../../src/moderation/policy.js';
import { ModerationResultSchema } from '../../src/moderation/result.js';
import type { ModerationResult } from '../../src/moderation/result.js';
import { TextModerator, defaultTextModerator } from '../../src/moderation/text/moderator.js';
import { BENIGN } from './benign-probes.js';

let mod: TextModerator;
beforeAll(async () => {
  mod = await defaultTextModerator();
  expect(mod.model, 'the shipped ONNX text model must load').not.toBeNull();
});

function spansPointIntoOriginal(text: string, r: ModerationResult): void {
  for (const e of r.evidence) {
    if (!e.textSpan) continue;
    expect(text.slice(e.textSpan.start, e.textSpan.end)).toBe(e.textSpan.text);
  }
}

describe('moderateText: evasion', () => {
  it('catches 赌 博 split by spaces and zero-width characters, with a span on the original characters', async () => {
    const text = '欢迎来玩 赌\u200b \u200d博，首充送88';
    const r = await mod.moderate(text);
    expect(r.decision).toBe('block');
    const ev = r.evidence.find((e) => e.category === 'gambling' && e.listEntry?.term === '赌博');
    expect(ev?.textSpan).toEqual({ start: 5, end: 10, text: '赌\u200b \u200d博' });
    spansPointIntoOriginal(text, r);
    expect(ModerationResultSchema.parse(r)).toEqual(r);
  });

  it.each([
    ['traditional', '線上賭場，註冊就送'],
    ['leet', 'best c@sino bonus tonight'],
    ['full width', 'ｃａｓｉｎｏ　ｂｏｎｕｓ'],
    ['spaced letters', 'join our c a s i n o'],
    ['Cyrillic look-alikes', 'саsino bonus'],
    ['pinyin', 'lai wang shang du chang wan'],
    ['pinyin listed evasion', 'dubo app'],
    ['mixed Han and pinyin', '来玩du博'],
    ['a number glued to the word', 'casino888 vip'],
    ['mixed pinyin and Han', '线上du场开业'],
  ])('gambling via %s is blocked', async (_how, text) => {
    const r = await mod.moderate(text);
    expect(r.scores.gambling).toBeGreaterThanOrEqual(0.85);
    expect(r.decision).toBe('block');
    spansPointIntoOriginal(text, r);
  });

  it('catches well-known initials and pinyin insults', async () => {
    expect((await mod.moderate('nmsl')).decision).toBe('block');
    expect((await mod.moderate('ni shi sha bi ma')).reasons).toContain('block.abuse');
  });

  it('a lone letter is not a collapsed run of a listed word ("x" is not "xxx")', async () => {
    for (const text of ['See you at 8 x', 'Love you xxx', 'Sign here: x']) {
      const r = await mod.moderate(text);
      expect(r.evidence.filter((e) => e.category === 'sexual' && e.source === 'lexicon'), text).toEqual([]);
    }
  });

  it('a one- or two-word text is not judged on a single common word (OCR reading "TO" was blocked as fraud)', async () => {
    for (const text of ['TO', 'to', 'Hello', 'ok thanks']) {
      expect((await mod.moderate(text)).decision, text).toBe('pass');
    }
  });

  it('does not read two-character pinyin that collides with everyday words', async () => {
    // zhijie = 直接 (directly), not 肢解; bingdu = 病毒 (virus), not 冰毒
    const r = await mod.moderate('wo zhijie gei ni fa bingdu jiance baogao');
    expect(r.evidence.filter((e) => e.listEntry?.list.endsWith(':pinyin'))).toEqual([]);
  });

  it('catches repeated letters and spacing in English insults', async () => {
    const r = await mod.moderate('you are a m o t h e r f u u u u c k e r');
    expect(r.decision).toBe('block');
    expect(r.reasons).toContain('block.abuse');
  });

  it.each(BENIGN)('benign text passes: %s', async (text) => {
    const r = await mod.moderate(text);
    expect(r.decision, JSON.stringify(r.evidence)).toBe('pass');
  });
});

describe('moderateText: classifier', () => {
  it('scores abuse that the lexicons do not list, with model evidence', async () => {
    const text = '你这种人就该滚出去，真给你们地方丢人';
    const r = await mod.moderate(text);
    const ev = r.evidence.find((e) => e.source === 'model' && e.category === 'abuse');
    expect(r.scores.abuse).toBeGreaterThan(0.5);
    expect(ev?.model?.name).toBe('text-ngram-lr');
    // the span names the n-gram that pushed the score up most, in the original text
    expect(ev?.textSpan?.text.length).toBeGreaterThan(0);
    spansPointIntoOriginal(text, r);
  });

  it('points model evidence at the word that drove it', async () => {
    const r = await mod.moderate('you are such a stupid bitch lol');
    expect(r.evidence.find((e) => e.source === 'model' && e.category === 'abuse')?.textSpan?.text).toBe('bitch');
  });

  it('scores a prize scam as fraud', async () => {
    const r = await mod.moderate('URGENT! Your mobile number has been awarded a 2000 bonus. Call 09061234567 to collect');
    expect(r.scores.fraud).toBeGreaterThan(0.9);
    expect(r.decision).toBe('block');
  });
});

describe('moderateText: minor safety', () => {
  it('sexual content next to a mention of children blocks as minor_safety', async () => {
    const r = await mod.moderate('出售萝莉裸照');
    expect(r.scores.minor_safety).toBeGreaterThanOrEqual(0.9);
    expect(r.reasons).toContain('block.minor_safety');
  });

  it('a mention of children alone is not a block', async () => {
    const r = await mod.moderate('underage drinking is a public health problem');
    expect(r.decision).not.toBe('block');
  });
});

describe('moderateText: policy and lists', () => {
  const tenant = resolvePolicy({
    id: 't1',
    version: '3',
    thresholds: { gambling: { block: null } },
    blockList: [{ term: 'acme pills', category: 'fraud' }],
    allowList: ['casino royale'],
  });

  it('a tenant block term blocks with list evidence; an allow term silences the lexicon inside it', async () => {
    const blocked = await mod.moderate('buy ACME p1lls today', tenant);
    expect(blocked.decision).toBe('block');
    expect(blocked.reasons).toContain('list.block.fraud');
    expect(blocked.evidence.find((e) => e.source === 'list')?.listEntry).toEqual({ list: 'tenant-block', term: 'acme pills' });

    const film = await mod.moderate('we watched Casino Royale last night', tenant);
    expect(film.evidence.filter((e) => e.source === 'lexicon')).toEqual([]);
  });

  it('tenant block terms in Chinese are caught in pinyin too', async () => {
    const p = resolvePolicy({ id: 't3', version: '1', blockList: [{ term: '某某币', category: 'fraud' }] });
    const r = await mod.moderate('快来买 mou mou bi', p);
    expect(r.decision).toBe('block');
    expect(r.evidence.find((e) => e.source === 'list')?.listEntry).toEqual({ list: 'tenant-block:pinyin', term: '某某币' });
  });

  it('thresholds switched off turn a block into review only', async () => {
    const r = await mod.moderate('线上赌场注册送88元', tenant);
    expect(r.decision).toBe('review');
    expect((await mod.moderate('线上赌场注册送88元')).decision).toBe('block');
  });

  it('shadow policies report their decision without changing the active one', async () => {
    const strict = resolvePolicy({ id: 'strict', version: '1', blockList: [{ term: '散步', category: 'other_harmful' }] });
    const r = await mod.moderate('我们去公园散步吧', DEFAULT_POLICY, { shadow: [strict] });
    expect(r.decision).toBe('pass');
    expect(r.shadow).toEqual([{ policyId: 'strict@1', decision: 'block', reasons: ['list.block.other_harmful'] }]);
  });
});

describe('long input', () => {
  it('keeps at most 20 lexicon hits per category as evidence, strongest first', async () => {
    const r = await mod.moderate('网络赌博 下注 '.repeat(500));
    const gambling = r.evidence.filter((e) => e.category === 'gambling' && e.source === 'lexicon');
    expect(gambling.length).toBe(20);
    expect(gambling.every((e) => e.score === 0.9)).toBe(true);
    expect(r.decision).toBe('block');
  });
});

describe('moderateMany', () => {
  it('gives the same results as one call per text', async () => {
    const texts = ['线上赌场注册送88元', '', 'see you at lunch', '你个傻逼', '今天天气很好。'.repeat(150)];
    const batch = await mod.moderateMany(texts);
    const single = await Promise.all(texts.map((t) => mod.moderate(t)));
    expect(batch.map((r) => r.decision)).toEqual(single.map((r) => r.decision));
    batch.forEach((r, i) => {
      for (const [c, v] of Object.entries(r.scores)) expect(v).toBeCloseTo(single[i]!.scores[c as keyof typeof r.scores], 5);
    });
  });
});

describe('moderateText: failing closed', () => {
  it('without a model, even benign text goes to review with model_unavailable', async () => {
    const r = await new TextModerator(null).moderate('今天天气很好');
    expect(r.decision).toBe('review');
    expect(r.reasons).toContain('model_unavailable');
  });

  it('a model that throws yields review with model_error, lexicon evidence kept', async () => {
    const broken = new TextModerator({
      model: { name: 'broken', version: '0' },
      heads: ['abuse'],
      score: () => Promise.reject(new Error('boom')),
    });
    const r = await broken.moderate('赌博');
    expect(r.decision).toBe('block');
    expect(r.reasons).toContain('model_error');
    const benign = await broken.moderate('hello');
    expect(benign.decision).toBe('review');
  });
});

describe('tenant lists take effect at once', () => {
  it('an edited block list applies on the next call even with the same policy version', async () => {
    const v1 = resolvePolicy({ id: 't2', version: '1', blockList: [{ term: 'zorblax', category: 'fraud' }] });
    expect((await mod.moderate('try qwimbly now', v1)).decision).toBe('pass');
    const edited = resolvePolicy({ id: 't2', version: '1', blockList: [{ term: 'qwimbly', category: 'fraud' }] });
    expect((await mod.moderate('try qwimbly now', edited)).decision).toBe('block');
  });
});
