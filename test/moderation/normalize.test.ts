import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeText, originalSpan } from '../../src/moderation/text/normalize.js';

describe('normalizeText', () => {
  it.each([
    ['赌 博', '赌博'],
    ['赌\u200b博', '赌博'],
    ['赌\u200d \u200b*博', '赌博'],
    ['赌🎲博', '赌博'],
    ['赌-博', '赌博'],
    ['賭博', '赌博'],
    ['ｃａｓｉｎｏ', 'casino'],
    ['c@sino', 'casino'],
    ['C.A.S.I.N.O', 'casino'],
    ['саsino', 'casino'], // Cyrillic с and а
    ['cäsíno', 'casino'],
    ['ⓒⓐⓢⓘⓝⓞ', 'casino'],
    ['𝐜𝐚𝐬𝐢𝐧𝐨', 'casino'],
    ['k1ll', 'kill'],
    ['fuuuuck', 'fuck'],
    ['哈哈哈哈哈', '哈'],
  ])('%j reads as %j', (input, expected) => {
    expect(normalizeText(input).text).toBe(expected);
  });

  it('keeps numbers at the edge of a word apart from the word', () => {
    const n = normalizeText('casino888');
    expect(n.text).toBe('casino8');
    expect(Array.from(n.tokenEnd)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(normalizeText('hell0').text).toBe('hello');
    expect(normalizeText('88casino').text).toBe('88casino');
    expect(normalizeText('88casino').tokenStart[2]).toBe(1);
  });

  it('keeps plain numbers as digits and pairs of letters as pairs', () => {
    expect(normalizeText('call 100 now').text).toBe('call100now');
    expect(normalizeText('good').text).toBe('good');
  });

  it('never joins across clause punctuation', () => {
    expect(normalizeText('我不赌，博物馆').text).not.toContain('赌博');
  });

  it('maps every compact range back to the original characters', () => {
    const n = normalizeText('来 玩 賭\u200b博 吧');
    const i = n.text.indexOf('赌博');
    expect(originalSpan(n, i, i + 2)).toEqual({ start: 4, end: 7, text: '賭\u200b博' });
  });

  it('property: offsets are ordered, inside the original, and spans slice the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        const n = normalizeText(s);
        expect(n.origStart.length).toBe(n.text.length);
        for (let i = 0; i < n.text.length; i++) {
          expect(n.origStart[i]!).toBeLessThan(n.origEnd[i]!);
          expect(n.origEnd[i]!).toBeLessThanOrEqual(s.length);
          if (i > 0) expect(n.origStart[i]!).toBeGreaterThanOrEqual(n.origStart[i - 1]!);
        }
        if (n.text.length > 0) {
          const span = originalSpan(n, 0, n.text.length);
          expect(s.slice(span.start, span.end)).toBe(span.text);
        }
      }),
    );
  });
});
