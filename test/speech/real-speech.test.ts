import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PIPELINES, runPipeline } from '../../pipelines';
import { pocketsphinxMissing } from './festival';

/**
 * Real human speech (LibriSpeech test-other, read from ../shared/data, never copied): every
 * utterance must count as speech (no media.no_speech for a real voice sample) and none of
 * these benign readings may be blocked, although pocketsphinx gets most words wrong.
 */
const root = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data', 'speech-sentences-dev');
const files = fs.existsSync(root)
  ? fs
      .readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort()
      .map((d) => path.join(root, d, fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.wav')).sort()[0]!))
  : [];
const missing = pocketsphinxMissing ?? (files.length ? null : `${root} is absent`);

describe.skipIf(missing)(`real speech as voice samples${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it.each(files.map((f) => [path.basename(f), f]))('%s is speech and passes', async (_name, file) => {
    const run = await runPipeline(PIPELINES.voice_sample, {
      media: { id: '00000000-0000-4000-8000-000000000000', tenantId: 't', kind: 'voice_sample', contentType: 'audio/wav', sizeBytes: 1, sha256: 'x' },
      file,
      limits: { maxImagePixels: 40e6, maxTextChars: 1e5, maxMediaSeconds: 600, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
      capabilities: {},
      signal: new AbortController().signal,
    });
    const speech = run.results.find((r) => r.stage === 'moderate.speech')!;
    expect(run.decision, JSON.stringify(speech.evidence).slice(0, 400)).toBe('pass');
    expect((speech.evidence as { speechMs: number }).speechMs).toBeGreaterThan(1000);
  });
});
