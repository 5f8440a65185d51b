import { describe, expect, it } from 'vitest';
import { concatFeatures, FBANK_BINS, fbank80, frameCount, logMel, melBinCenterHz, meanNormalise } from '../../src/speech/fbank';

const SR = 16_000;
const tone = (hz: number, seconds: number, amp = 0.5, dc = 0) => Float32Array.from({ length: Math.round(SR * seconds) }, (_, i) => dc + amp * Math.sin((2 * Math.PI * hz * i) / SR));
/** A fixed pseudo-random noise (LCG), so the test needs no randomness to be repeatable. */
function noise(n: number, seed = 7): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2);
}
const argmax = (row: Float32Array) => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);
const nearestBin = (hz: number) => Array.from({ length: FBANK_BINS }, (_, b) => b).reduce((best, b) => (Math.abs(melBinCenterHz(b) - hz) < Math.abs(melBinCenterHz(best) - hz) ? b : best), 0);

describe('fbank80 (Kaldi-style log-mel filterbank)', () => {
  it('frames only whole 25 ms windows every 10 ms (snip-edges)', () => {
    expect([0, 399, 400, 559, 560, 16_000].map(frameCount)).toEqual([0, 0, 1, 1, 2, 98]);
    const f = fbank80(noise(16_000));
    expect(f).toMatchObject({ frames: 98, bins: 80 });
    expect(f.data.length).toBe(98 * 80);
    expect(fbank80(noise(300)).frames).toBe(0);
  });

  it("puts a tone's energy in the mel bin around its frequency", () => {
    for (const hz of [300, 1000, 2500, 6000]) {
      const f = logMel(tone(hz, 0.5));
      const mid = f.data.subarray(10 * 80, 11 * 80);
      expect(Math.abs(argmax(mid) - nearestBin(hz)), `${hz} Hz → bin ${argmax(mid)}, nearest centre bin ${nearestBin(hz)}`).toBeLessThanOrEqual(1);
    }
    // Mel bins are narrow low and wide high: centres rise monotonically from ~20 Hz to below Nyquist.
    expect(melBinCenterHz(0)).toBeGreaterThan(20);
    expect(melBinCenterHz(79)).toBeLessThan(8000);
  });

  it('is deterministic, and mean normalisation leaves every bin with mean 0', () => {
    const x = noise(8000);
    expect(fbank80(x).data).toEqual(fbank80(x).data);
    const f = fbank80(x);
    for (let b = 0; b < 80; b++) {
      let m = 0;
      for (let t = 0; t < f.frames; t++) m += f.data[t * 80 + b]!;
      expect(Math.abs(m / f.frames)).toBeLessThan(1e-4);
    }
  });

  it('after normalisation, does not depend on the level or a DC offset (log power, DC removed per frame)', () => {
    const x = noise(8000);
    const quiet = fbank80(x.map((v) => v * 0.25));
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(maxDiff(fbank80(x).data, quiet.data)).toBeLessThan(1e-3);
    expect(maxDiff(logMel(tone(1000, 0.2)).data, logMel(tone(1000, 0.2, 0.5, 0.1)).data)).toBeLessThan(1e-2);
  });

  it('floors digital silence at log(FLT_EPSILON) and concatenates pieces frame by frame', () => {
    const s = logMel(new Float32Array(800));
    expect(s.frames).toBe(3);
    for (const v of s.data) expect(v).toBeCloseTo(Math.log(1.1920928955078125e-7), 5);
    const a = logMel(noise(4000, 1));
    const b = logMel(noise(4000, 2));
    const ab = concatFeatures([a, b]);
    expect(ab.frames).toBe(a.frames + b.frames);
    expect(ab.data.subarray(a.data.length)).toEqual(b.data);
    expect(meanNormalise(ab).frames).toBe(ab.frames);
  });
});
