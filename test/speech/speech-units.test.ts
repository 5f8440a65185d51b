import { describe, expect, it } from 'vitest';
import { parsePocketsphinx } from '../../src/speech/asr/pocketsphinx';
import { f32ToS16le, s16leToF32 } from '../../src/speech/pcm';
import { Segmenter, segmentsOf } from '../../src/speech/segmenter';
import { placeWords, spanToTimeRange } from '../../src/speech/transcript';

describe('pocketsphinx -time yes output', () => {
  it('groups words by utterance, drops markers and fillers, strips alternate-pronunciation numbers', () => {
    const out = [
      'join the best online casino',
      '<s> 0.000 0.280 0.999300',
      'join 0.290 0.550 0.065782',
      'the 0.560 0.670 0.997104',
      '<sil> 2.450 2.610 0.711031',
      'and(2) 2.620 2.810 0.770489',
      '[SPEECH] 3.840 4.020 0.469828',
      '</s> 4.030 4.050 1.000000',
      '',
      '<s> 5.000 5.010 1.0',
      '</s> 5.100 5.200 1.0',
    ].join('\n');
    const u = parsePocketsphinx(out);
    expect(u).toHaveLength(1);
    expect(u[0]!.words.map((w) => w.word)).toEqual(['join', 'the', 'and']);
    expect(u[0]!.words[0]).toEqual({ word: 'join', startMs: 290, endMs: 550, confidence: 0.065782 });
  });
});

describe('transcript spans to time ranges', () => {
  const t = placeWords(
    [
      { word: 'best', startMs: 0, endMs: 300 },
      { word: 'online', startMs: 300, endMs: 700 },
      { word: 'casino', startMs: 700, endMs: 1200 },
    ],
    5000,
  );
  it('a span maps to the words it touches, shifted by the segment offset', () => {
    expect(t.text).toBe('best online casino');
    const span = { start: t.text.indexOf('online'), end: t.text.length };
    expect(spanToTimeRange(t, span, [0, 0])).toEqual([5300, 6200]);
  });
  it('a span over no word falls back to the given range', () => {
    expect(spanToTimeRange(t, { start: 100, end: 110 }, [1, 2])).toEqual([1, 2]);
  });
});

describe('segmenter', () => {
  it('bridges short pauses, drops clicks, pads the kept segments', () => {
    const speech = (n: number) => Array<number>(n).fill(0.9);
    const silence = (n: number) => Array<number>(n).fill(0.05);
    // 100 ms frames: 1 s speech, 200 ms pause, 1 s speech, 1 s silence, a 100 ms click, silence
    const probs = [...silence(3), ...speech(10), ...silence(2), ...speech(10), ...silence(10), ...speech(1), ...silence(10)];
    expect(segmentsOf(probs, 100).map((s) => [s.startMs, s.endMs])).toEqual([[200, 2600]]);
  });
  it('split() cuts long speech into pieces without losing time', () => {
    const s = new Segmenter(100);
    for (let i = 0; i < 30; i++) s.push(0.9);
    const first = s.split()!;
    for (let i = 0; i < 10; i++) s.push(0.9);
    const second = s.flush()!;
    expect([first.startMs, first.endMs]).toEqual([0, 3000]);
    expect(second.startMs).toBeLessThanOrEqual(3000);
    expect(second.endMs).toBe(4000);
  });
});

describe('pcm', () => {
  it('s16le round-trips within one quantisation step, clips, and turns NaN into silence', () => {
    const pcm = Float32Array.from([0, 0.5, -0.5, 0.999, -1]);
    const back = s16leToF32(f32ToS16le(pcm));
    pcm.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThan(1 / 16384));
    const edges = f32ToS16le(Float32Array.from([2, -2, NaN, 1, 0.5]));
    expect([0, 2, 4, 6, 8].map((o) => edges.readInt16LE(o))).toEqual([32767, -32768, 0, 32767, 16384]);
  });
});
