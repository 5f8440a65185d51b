import { afterAll, describe, expect, it } from 'vitest';
import { POCKETSPHINX_PRESETS } from '../../src/speech/asr/decoder-presets';
import { closeWarmDecoders, pocketsphinxEnglish, warmPool } from '../../src/speech/asr/english';
import type { AsrError, TimedWord } from '../../src/speech/asr/types';
import { WarmDecoders, type ResidentDecoder } from '../../src/speech/asr/warm-decoders';
import { decodeAudio } from '../../src/speech/decode';
import { ADVERT, festivalMissing, pocketsphinxMissing, say } from './festival';

/** A decoder that answers one word per write, for the pool's own rules. */
class FakeDecoder implements ResidentDecoder {
  static started = 0;
  running = true;
  held: boolean | undefined;
  constructor(private readonly onWords: (w: TimedWord[]) => void) {
    FakeDecoder.started++;
  }
  write(pcm: Float32Array): void {
    this.onWords([{ word: `n${pcm.length}`, startMs: 0, endMs: 1 }]);
  }
  async end(): Promise<void> {
    this.running = false;
  }
  kill(): void {
    this.running = false;
  }
  hold(on: boolean): void {
    this.held = on;
  }
}

describe('warm decoder pool', () => {
  it('hands out waiting decoders, skips dead ones, and refills only once none is claimed', async () => {
    const made: FakeDecoder[] = [];
    const pool = new WarmDecoders((onWords) => {
      const d = new FakeDecoder(onWords);
      made.push(d);
      return d;
    }, 2);
    pool.refill();
    expect(pool.waiting).toBe(2);
    expect(made.map((d) => d.held)).toEqual([false, false]);
    made[0]!.running = false; // died while waiting
    const words: string[] = [];
    const a = pool.claim((w) => words.push(...w.map((x) => x.word)), () => {});
    expect(made).toHaveLength(2); // the live spare, not a new one
    expect(made[1]!.held).toBe(true);
    a.write(new Float32Array(3));
    expect(words).toEqual(['n3']);
    const b = pool.claim(() => {}, () => {}); // none left: started cold
    expect(made).toHaveLength(3);
    await a.end();
    expect(pool.waiting).toBe(0); // b still decodes: no spare may load beside it
    b.kill();
    expect(pool.waiting).toBe(2);
    expect(made).toHaveLength(5);
    pool.close();
    expect(pool.waiting).toBe(0);
  });
});

const missing = festivalMissing ?? pocketsphinxMissing;

describe.skipIf(missing)(`warm pocketsphinx decoders${missing ? ` (skipped: ${missing})` : ''}`, () => {
  afterAll(closeWarmDecoders);

  it('hear the same words at the same times as a decoder started for the recording', async () => {
    const pcm = await decodeAudio('ffmpeg', say(ADVERT));
    const cold = await pocketsphinxEnglish(undefined, 'fast', 0).transcribe(pcm);
    const warm = pocketsphinxEnglish(undefined, 'fast', 1);
    warm.warmUp!();
    const pool = warmPool('pocketsphinx_continuous', POCKETSPHINX_PRESETS.fast, 1, () => { throw new Error('the pool exists already'); });
    expect(pool.waiting).toBe(1);
    const heard = await warm.transcribe(pcm);
    expect(heard).toEqual(cold);
    expect(heard.text).toMatch(/casino/);
    expect(pool.waiting).toBe(1); // refilled once the recording was done
  });

  it('an aborted recording kills its decoder and rejects with the abort reason', async () => {
    const pcm = await decodeAudio('ffmpeg', say(`${ADVERT} ${ADVERT}`));
    const rec = pocketsphinxEnglish(undefined, 'fast', 1);
    const stop = new AbortController();
    const run = rec.transcribe(pcm, stop.signal);
    setTimeout(() => stop.abort(new Error('deadline')), 200);
    await expect(run).rejects.toThrow('deadline');
  });

  it('a binary that cannot start is asr.unavailable, warm or cold', async () => {
    for (const warm of [0, 1]) {
      const rec = pocketsphinxEnglish('/nonexistent/pocketsphinx', 'fast', warm);
      rec.warmUp?.();
      await expect(rec.transcribe(new Float32Array(16000))).rejects.toMatchObject({ code: 'asr.unavailable' } satisfies Partial<AsrError>);
    }
  });
});
