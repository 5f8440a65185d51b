import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/moderation/policy';
import { analyseSpeech } from '../../src/speech/analyse';
import { pocketsphinxEnglish } from '../../src/speech/asr/english';
import { MIN_PART_SPEECH_MS, splitAtPauses, transcribeInParts } from '../../src/speech/asr/split';
import { AsrError, type Recognizer } from '../../src/speech/asr/types';
import { speechConfig } from '../../src/speech/config';
import { decodeAudio } from '../../src/speech/decode';
import { ADVERT, BENIGN, festivalMissing, pocketsphinxMissing, say } from './festival';

const seg = (startMs: number, endMs: number) => ({ startMs, endMs, peak: 0.9 });

describe('splitting a recording between recogniser processes', () => {
  it('cuts in the middle of the pause where half the speech is reached; the parts cover the recording', () => {
    const segments = [seg(0, 5000), seg(6000, 11000), seg(12000, 17000), seg(18000, 23000)];
    expect(splitAtPauses(segments, 24000, 2)).toEqual([
      { startMs: 0, endMs: 11500 },
      { startMs: 11500, endMs: 24000 },
    ]);
    const three = splitAtPauses(segments, 24000, 3);
    expect(three).toHaveLength(3);
    expect(three[0]!.startMs).toBe(0);
    expect(three.at(-1)!.endMs).toBe(24000);
    for (let i = 1; i < three.length; i++) expect(three[i]!.startMs).toBe(three[i - 1]!.endMs);
  });

  it('never cuts inside speech, and keeps short speech in one part', () => {
    expect(splitAtPauses([seg(0, 30000)], 30000, 2)).toEqual([{ startMs: 0, endMs: 30000 }]);
    expect(splitAtPauses([seg(0, 3000), seg(4000, 6000)], 7000, 2)).toHaveLength(1);
    // Asking for more parts than the speech can fill gives fewer, each with enough speech.
    const parts = splitAtPauses([seg(0, 5000), seg(6000, 11000)], 12000, 8);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.endMs - parts[0]!.startMs).toBeGreaterThanOrEqual(MIN_PART_SPEECH_MS);
  });

  it('one failing part fails the whole transcript and stops the other parts', async () => {
    const aborted: boolean[] = [];
    const rec: Recognizer = {
      language: 'en',
      model: { name: 'stub', version: '0' },
      transcribe: (pcm, signal) =>
        new Promise((resolve, reject) => {
          if (pcm[0] === 1) return setTimeout(() => reject(new AsrError('asr.failed', 'exit 1')), 10);
          signal?.addEventListener('abort', () => (aborted.push(true), reject(signal.reason)), { once: true });
        }),
    };
    const pcm = new Float32Array(32000);
    pcm[16000] = 1;
    const parts = [{ startMs: 0, endMs: 1000 }, { startMs: 1000, endMs: 2000 }];
    await expect(transcribeInParts(rec, pcm, parts)).rejects.toMatchObject({ code: 'asr.failed' });
    expect(aborted).toEqual([true]);
  });
});

const missing = festivalMissing ?? pocketsphinxMissing;
describe.skipIf(missing)(`two pocketsphinx processes on festival speech${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pcm: Float32Array;
  let benignMs: number;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-split-'));
    const benign = say(`${BENIGN} ${BENIGN}`, dir);
    const advert = say(ADVERT, dir);
    const both = path.join(dir, 'both.wav');
    // A second of silence between them: the pause where the recording is cut.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', benign, '-f', 'lavfi', '-t', '1', '-i', 'anullsrc=r=16000:cl=mono', '-i', advert, '-filter_complex', '[0:a][1:a][2:a]concat=n=3:v=0:a=1', '-ar', '16000', both]);
    benignMs = (await decodeAudio('ffmpeg', benign)).length / 16;
    pcm = await decodeAudio('ffmpeg', both);
  });

  it('blocks the advert with its time range in recording time, as one process does', async () => {
    const recognizer = pocketsphinxEnglish(undefined, speechConfig().pocketsphinxPreset);
    const opts = { language: 'en', recognizer, policy: DEFAULT_POLICY };
    const [one, two] = [await analyseSpeech(pcm, { ...opts, processes: 1 }), await analyseSpeech(pcm, { ...opts, processes: 2 })];
    expect(splitAtPauses(two.segments, pcm.length / 16, 2)).toHaveLength(2);
    for (const a of [one, two]) {
      expect(a.result.decision).toBe('block');
      const casino = a.result.evidence.find((e) => e.category === 'gambling' && /casino/.test(e.textSpan?.text ?? ''));
      expect(casino?.timeRangeMs?.[0]).toBeGreaterThanOrEqual(benignMs);
      expect(casino?.timeRangeMs?.[1]).toBeLessThanOrEqual(benignMs + 1000 + 3500);
    }
    expect(two.asr!.words).toBeGreaterThan(one.asr!.words * 0.7);
  });

  it('a recogniser that cannot start in its parts still fails closed (review, asr_unavailable)', async () => {
    const a = await analyseSpeech(pcm, { language: 'en', recognizer: pocketsphinxEnglish('/nonexistent/pocketsphinx'), policy: DEFAULT_POLICY, processes: 2 });
    expect(a.result.decision).toBe('review');
    expect(a.result.reasons).toEqual(['asr_unavailable']);
  });
});
