import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINES, runPipeline } from '../../pipelines';
import { moderateSpeech } from '../../pipelines/stages/moderate-speech';
import { probeAv } from '../../pipelines/stages/probe-av';
import type { MediaKind } from '../../src/media/kinds';
import type { PipelineDef, StageResult } from '../../pipelines/types';
import { ADVERT, BENIGN, festivalMissing, pocketsphinxMissing, say } from './festival';

const missing = festivalMissing ?? pocketsphinxMissing;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-speech-'));
const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

/** The kind's pipeline as the CLI runs it: no account, so consent and storage stages report skipped. */
async function moderate(kind: MediaKind, file: string, def: PipelineDef = PIPELINES[kind]) {
  const run = await runPipeline(def, {
    media: { id: '00000000-0000-4000-8000-000000000000', tenantId: 't', kind, contentType: 'audio/wav', sizeBytes: fs.statSync(file).size, sha256: 'x' },
    file,
    limits: { maxImagePixels: 40e6, maxTextChars: 1e5, maxMediaSeconds: 600, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
    capabilities: {},
    signal: new AbortController().signal,
  });
  const speech = run.results.find((r) => r.stage === 'moderate.speech') as (StageResult & { evidence: any }) | undefined;
  return { ...run, speech };
}

describe.skipIf(missing)(`speech moderation on festival speech${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let advert: string;
  let benign: string;
  let benignThenAdvert: string;
  beforeAll(() => {
    advert = say(ADVERT, dir);
    benign = say(BENIGN, dir);
    benignThenAdvert = path.join(dir, 'benign-then-advert.wav');
    ffmpeg(['-i', benign, '-i', advert, '-filter_complex', '[0:a][1:a]concat=n=2:v=0:a=1', benignThenAdvert]);
  });
  afterEach(() => {
    delete process.env.SPEECH_DEFAULT_LANGUAGE;
    delete process.env.POCKETSPHINX_PATH;
    delete process.env.SHERPA_ONNX_MODELS_DIR;
  });

  it('an English gambling advert after a benign sentence is blocked, with the time range where it was said', async () => {
    const benignMs = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', benign])) * 1000;
    const r = await moderate('driving_audio', benignThenAdvert);
    expect(r.decision).toBe('block');
    expect(r.reason).toBe('moderation.block.gambling');
    const ev = r.speech!.evidence.moderation.evidence.filter((e: any) => e.category === 'gambling' && e.timeRangeMs);
    expect(ev.length).toBeGreaterThan(0);
    // "online casino" is about a second into the advert, which starts where the benign sentence ends.
    const casino = ev.find((e: any) => /casino/.test(e.textSpan.text));
    expect(casino.timeRangeMs[0]).toBeGreaterThanOrEqual(benignMs);
    expect(casino.timeRangeMs[1]).toBeLessThanOrEqual(benignMs + 3500);
    expect(r.speech!.evidence.asr.model.name).toBe('pocketsphinx-en-us');
    expect(r.speech!.evidence.segments.length).toBeGreaterThan(0);
  });

  it('a benign English voice sample passes, with its transcript and speech segments in the evidence', async () => {
    const r = await moderate('voice_sample', benign);
    expect(r.decision).toBe('pass');
    expect(r.speech!.status).toBe('pass');
    expect(r.speech!.evidence.language).toBe('en');
    expect(r.speech!.evidence.speechMs).toBeGreaterThan(3000);
    expect(r.speech!.evidence.asr.text).toMatch(/weather|park/);
  });

  it('speech in a language without a recogniser goes to review (asr_unavailable), never pass', async () => {
    const declared = await moderate('voice_sample', benign, { ...PIPELINES.voice_sample, stages: [probeAv({ video: false, audio: true, minSeconds: 1 }), moderateSpeech({ language: 'zh-CN' })] });
    expect(declared.decision).toBe('review');
    expect(declared.reason).toBe('moderation.asr_unavailable');
    process.env.SPEECH_DEFAULT_LANGUAGE = 'und';
    const unknown = await moderate('driving_audio', advert);
    expect(unknown.decision).toBe('review');
    expect(unknown.speech!.evidence.moderation.reasons).toEqual(['asr_unavailable']);
  });

  it('a recogniser that cannot run sends speech to review, never pass', async () => {
    process.env.POCKETSPHINX_PATH = path.join(dir, 'no-such-pocketsphinx');
    const r = await moderate('driving_audio', benign);
    expect(r.decision).toBe('review');
    expect(r.reason).toBe('moderation.asr_unavailable');
    expect(r.speech!.evidence.asr.error).toMatch(/not installed/);
  });

  it('a sherpa-onnx model folder without the sherpa-onnx-node package sends speech to review, naming the fix', async () => {
    const models = path.join(dir, 'sherpa-models');
    fs.mkdirSync(path.join(models, 'zh'), { recursive: true });
    fs.writeFileSync(path.join(models, 'zh', 'recognizer.json'), JSON.stringify({ name: 'sense-voice', version: 'test', config: { modelConfig: { senseVoice: { model: 'model.int8.onnx' }, tokens: 'tokens.txt' } } }));
    process.env.SHERPA_ONNX_MODELS_DIR = models;
    const r = await moderate('voice_sample', benign, { ...PIPELINES.voice_sample, stages: [probeAv({ video: false, audio: true, minSeconds: 1 }), moderateSpeech({ language: 'zh' })] });
    expect(r.decision).toBe('review');
    expect(r.reason).toBe('moderation.asr_unavailable');
    expect(r.speech!.evidence.asr.error).toMatch(/npm install sherpa-onnx-node|could not load the model/);
  });

  it('a voice sample without speech is rejected (media.no_speech); driving audio without speech passes', async () => {
    const tone = path.join(dir, 'tone.wav');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-ar', '16000', tone]);
    const voice = await moderate('voice_sample', tone);
    expect(voice.decision).toBe('reject');
    expect(voice.reason).toBe('media.no_speech');
    const driving = await moderate('driving_audio', tone);
    expect(driving.decision).toBe('pass');
    expect(driving.speech!.evidence.moderation.reasons).toEqual(['no_speech']);
  });

  it("a generated video's audio track is moderated: the spoken advert blocks it with its time range", async () => {
    const video = path.join(dir, 'advert.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5:duration=9', '-i', advert, '-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', video]);
    // The frame stages are another suite's subject: probe + speech keep this one fast.
    const r = await moderate('generated_video', video, { ...PIPELINES.generated_video, stages: [probeAv({ video: true, audio: false, minSeconds: 0.1 }), moderateSpeech()] });
    expect(r.decision).toBe('block');
    expect(r.speech!.status).toBe('block');
    const ev = r.speech!.evidence.moderation.evidence.find((e: any) => e.category === 'gambling' && e.timeRangeMs);
    expect(ev.timeRangeMs[0]).toBeLessThan(3000);
  });
});
