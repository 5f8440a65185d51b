import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINES } from '../../pipelines';
import { runPipeline, selectRoles, STAGE_TIMEOUT_REASON, type RunOptions } from '../../pipelines/runner';
import { unlessModelFails } from '../../pipelines/stages/model-guard';
import type { Decision, PipelineDef, StageResult } from '../../pipelines/types';
import { moderateLine } from '../../src/cli/moderate-batch';
import { moderateLocal, ONLY_ROLES } from '../../src/cli/moderate-item';
import { loadConfig, type Config } from '../../src/core/config';
import { closeOcr, InferenceError, ocr } from '../../src/inference';
import { modelPath, readManifest, REPO_ROOT } from '../../src/inference/manifest';
import type { MediaKind } from '../../src/media/kinds';
import { DEFAULT_MANIFEST } from '../../src/moderation/text/classifier';
import { startService, upload, waitDecided } from '../support/harness';
import { hasFfmpeg, jpeg, mp4, wav } from '../support/media';

/**
 * Fail closed, the whole matrix in one place (issue 4): every way a check can fail (a model
 * missing or corrupt, a decoder error, a missing tool, a stage past its time budget) ends in
 * `review` or a coded `reject`, never `pass`. Real pipelines, real models, real ffmpeg.
 * Model cases run the real CLI in a fresh process with LIKENESS_MODELS_DIR pointing at copies
 * of the model files with one file removed or altered (sessions are cached per process, and
 * a fresh process is what an operator with a broken volume would run). Each case has a
 * control: the same input with everything intact passes, so the failure is what decides.
 *
 * | modality | failure                                     | decision | reason                        |
 * |----------|---------------------------------------------|----------|-------------------------------|
 * | image    | safety model file missing                   | review   | moderation.model_unavailable  |
 * | image    | safety model file corrupt (sha256 mismatch) | review   | moderation.model_unavailable  |
 * | image    | OCR model missing (worker cannot start)     | review   | moderation.model_unavailable  |
 * | image    | truncated JPEG                              | reject   | media.corrupt                 |
 * | video    | image model missing while frames sampled    | review   | moderation.model_unavailable  |
 * | video    | MP4 (faststart) cut half-way                | reject   | media.corrupt                 |
 * | video    | WebM cut half-way                           | reject   | media.corrupt                 |
 * | video    | ffmpeg missing (CLI batch, worker)          | review   | pipeline.failed               |
 * | speech   | VAD model missing                           | review   | moderation.model_unavailable  |
 * | speech   | truncated WAV / MP3                         | reject   | media.corrupt                 |
 * | text     | text model missing                          | review   | moderation.model_unavailable  |
 * | any      | a stage past STAGE_TIMEOUT_SECONDS          | review   | pipeline.stage_timeout        |
 *
 * Errors that are no verdict at all (a missing binary, an OCR worker error, the run's own
 * deadline or a lost lease) make the run throw: the worker retries the job and, after the
 * last attempt, fails the item closed (`review`, `pipeline.failed`); the CLI batch mode
 * answers the same.
 */

type Row = { modality: string; failure: string; decision: Exclude<Decision, 'pass'>; reason: string };
const MATRIX: Row[] = [
  { modality: 'image', failure: 'safety model missing', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'image', failure: 'safety model corrupt', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'image', failure: 'OCR model missing', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'image', failure: 'truncated JPEG', decision: 'reject', reason: 'media.corrupt' },
  { modality: 'video', failure: 'image model missing while frames are sampled', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'video', failure: 'MP4 cut half-way', decision: 'reject', reason: 'media.corrupt' },
  { modality: 'video', failure: 'WebM cut half-way', decision: 'reject', reason: 'media.corrupt' },
  { modality: 'video', failure: 'ffmpeg missing', decision: 'review', reason: 'pipeline.failed' },
  { modality: 'speech', failure: 'VAD model missing', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'speech', failure: 'truncated WAV', decision: 'reject', reason: 'media.corrupt' },
  { modality: 'speech', failure: 'truncated MP3', decision: 'reject', reason: 'media.corrupt' },
  { modality: 'text', failure: 'text model missing', decision: 'review', reason: 'moderation.model_unavailable' },
  { modality: 'any', failure: 'stage past its time budget', decision: 'review', reason: STAGE_TIMEOUT_REASON },
];

const seen = new Set<Row>();
/** Asserts the outcome is exactly the matrix row's, which is never a pass. */
function expectRow(failure: string, got: { decision?: unknown; reason?: unknown }, detail?: unknown): void {
  const row = MATRIX.find((r) => r.failure === failure);
  if (!row) throw new Error(`no matrix row named ${failure}`);
  const why = JSON.stringify(detail ?? got).slice(0, 800);
  expect(got.decision, why).not.toBe('pass');
  expect({ decision: got.decision, reason: got.reason }, why).toEqual({ decision: row.decision, reason: row.reason });
  seen.add(row);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-fail-closed-'));
const config: Config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const write = (name: string, bytes: Buffer | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};
const firstHalf = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));
/** Media test/support/media.ts does not make: MP4 with its index first (faststart), WebM, MP3 with audio. */
function ffmpegMade(name: string, args: string[]): Buffer {
  const out = path.join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  return fs.readFileSync(out);
}
const TESTSRC = (seconds: number, size = '160x120') => ['-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=10`];
const TONE = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=300:duration=${seconds}`];

/**
 * A copy of the model files as LIKENESS_MODELS_DIR expects them (each at its manifest path),
 * symlinked except `change`: that one is left out, or written with one byte flipped.
 */
function modelsDir(change: { model: string; how: 'missing' | 'corrupt' }): string {
  const root = fs.mkdtempSync(path.join(dir, 'models-'));
  const text = JSON.parse(fs.readFileSync(DEFAULT_MANIFEST, 'utf8')) as { file: string };
  const files = [
    ...readManifest().map((e) => ({ name: e.name, rel: e.file, src: modelPath(e) })),
    { name: 'text', rel: path.join('text', text.file), src: path.join(path.dirname(DEFAULT_MANIFEST), text.file) },
  ];
  expect(files.map((f) => f.name)).toContain(change.model);
  for (const f of files) {
    const target = path.join(root, f.rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (f.name !== change.model) fs.symlinkSync(f.src, target);
    else if (change.how === 'corrupt') {
      const bytes = fs.readFileSync(f.src);
      bytes[bytes.length >> 1]! ^= 0xff;
      fs.writeFileSync(target, bytes);
    }
  }
  return root;
}

interface CliRun { decision: Decision; reason?: string; results: StageResult[] }
/** `likeness moderate <file> --kind K --only moderation --json` in a fresh process. */
async function cli(file: string, kind: MediaKind, env: Record<string, string>): Promise<CliRun> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/likeness.mjs', 'moderate', file, '--kind', kind, '--only', 'moderation', '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CliRun;
}
const withModel = (model: string, how: 'missing' | 'corrupt') => ({ LIKENESS_MODELS_DIR: modelsDir({ model, how }) });
const stageOf = (run: { results: StageResult[] }, name: string) => run.results.find((r) => r.stage === name);

/** The in-process control: the same file with every model and tool in place. */
const local = (kind: MediaKind, file: string, cfg: Config = config) => moderateLocal({ kind, file }, cfg, 'moderation');

/** The kind's probe + moderation stages, in-process, with the caller's signal and budget. */
function runKind(kind: MediaKind, file: string, signal: AbortSignal, opts: RunOptions = {}, def: PipelineDef = selectRoles(PIPELINES[kind], ONLY_ROLES.moderation)) {
  return runPipeline(
    def,
    {
      media: { id: 'local', tenantId: 'local', kind, contentType: 'video/mp4', sizeBytes: fs.statSync(file).size, sha256: '' },
      file,
      limits: { ...config.limits, ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath },
      capabilities: {},
      signal,
    },
    opts,
  );
}

let face: string;
let video: string;
let longVideo: string;
let tone: string;
let benignText: string;
beforeAll(async () => {
  face = write('face.jpg', await jpeg(96, 96));
  video = write('clip.mp4', mp4(3));
  tone = write('tone.wav', wav(2));
  benignText = write('benign.txt', '今天天气很好，我们去公园散步吧');
  // Long enough that sampling and moderating its frames takes seconds: 20 s of it once took
  // only 1.2 s (two OCR workers), under the 1.5 s budget of the timeout test; 60 s is three times the work.
  longVideo = write('long.mp4', ffmpegMade('long-src.mp4', [...TESTSRC(60, '320x240'), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']));
});
afterAll(async () => {
  await closeOcr();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasFfmpeg)('fail closed: every failure ends in review or a coded reject, never pass', () => {
  describe('image (portrait_image)', () => {
    it('controls: the portrait passes with every model in place', async () => {
      expect((await local('portrait_image', face)).decision).toBe('pass');
    });

    it.each([
      ['safety model missing', 'nsfw-mobilenet-v2', 'missing'],
      ['safety model corrupt', 'nsfw-mobilenet-v2', 'corrupt'],
      ['OCR model missing', 'ppocr-v4-det', 'missing'],
    ] as const)('%s → review', async (failure, model, how) => {
      const run = await cli(face, 'portrait_image', withModel(model, how));
      expectRow(failure, run, run.results);
      const stage = stageOf(run, 'moderate.image');
      expect(stage).toMatchObject({ status: 'review', reason: 'moderation.model_unavailable' });
      expect(String(stage?.evidence?.error)).toContain(how === 'missing' ? 'is missing' : 'is corrupt (sha256');
    }, 120_000);

    it('truncated JPEG → reject media.corrupt', async () => {
      const run = await local('portrait_image', write('cut.jpg', firstHalf(await jpeg(256, 256))));
      expectRow('truncated JPEG', run, run.results);
      expect(stageOf(run, 'moderate.image')?.status).toBe('skipped');
    });

    it('an OCR worker error (the real worker, undecodable input) is no verdict: it propagates for a retry', async () => {
      const failing = unlessModelFails(async () => {
        await ocr(new Uint8Array([1, 2, 3, 4, 5]));
        return { status: 'pass' };
      });
      await expect(failing).rejects.toSatisfy((e) => e instanceof InferenceError && e.code === 'inference.worker_failed');
    });
  });

  describe('video (generated_video)', () => {
    it('controls: the clips pass with every model and tool in place', async () => {
      expect((await local('generated_video', video)).decision).toBe('pass');
    }, 60_000);

    it('image model missing while frames are sampled → review', async () => {
      const run = await cli(video, 'generated_video', withModel('nsfw-mobilenet-v2', 'missing'));
      expectRow('image model missing while frames are sampled', run, run.results);
      expect(stageOf(run, 'probe.video')?.status).toBe('pass');
      expect(stageOf(run, 'moderate.video')).toMatchObject({ status: 'review', reason: 'moderation.model_unavailable' });
    }, 120_000);

    it('an MP4 (index first) cut half-way → reject media.corrupt', async () => {
      const full = ffmpegMade('fast.mp4', [...TESTSRC(4), ...TONE(4), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart']);
      expect((await local('generated_video', write('fast-whole.mp4', full))).decision).toBe('pass');
      const run = await local('generated_video', write('fast-cut.mp4', firstHalf(full)));
      expectRow('MP4 cut half-way', run, run.results);
    }, 60_000);

    it('a WebM cut half-way → reject media.corrupt (its demuxer ends quietly; the decoded length gives it away)', async () => {
      const full = ffmpegMade('clip.webm', [...TESTSRC(4), '-c:v', 'libvpx', '-b:v', '200k']);
      expect((await local('generated_video', write('whole.webm', full))).decision).toBe('pass');
      const run = await local('generated_video', write('cut.webm', firstHalf(full)));
      expectRow('WebM cut half-way', run, run.results);
      expect(stageOf(run, 'probe.decode')?.evidence).toMatchObject({ declaredSeconds: 4 });
    }, 60_000);

    it('ffmpeg missing (FFMPEG_PATH=/nonexistent): the run throws, the CLI batch answers review pipeline.failed', async () => {
      const broken = { ...config, ffmpegPath: '/nonexistent/ffmpeg' };
      await expect(local('generated_video', video, broken)).rejects.toThrow(/ENOENT/);
      const line = await moderateLine(JSON.stringify({ id: 1, kind: 'generated_video', path: video }), 1, { config: broken, only: 'moderation' });
      expectRow('ffmpeg missing', line, line);
    });

    it('ffmpeg missing in the worker: after the last attempt the item is in review (pipeline.failed), never released', async () => {
      const svc = await startService('pglite', { env: { FFMPEG_PATH: '/nonexistent/ffmpeg', JOB_MAX_ATTEMPTS: '1' } });
      try {
        const up = await upload(svc, 'generated_video', fs.readFileSync(video));
        expect(up.status).toBe(202);
        const item = await waitDecided(svc, up.body.id as string);
        expectRow('ffmpeg missing', item, item);
        expect(item.state).toBe('review');
        expect(item.download ?? null).toBeNull();
      } finally {
        await svc.close();
      }
    }, 60_000);
  });

  describe('speech (driving_audio)', () => {
    it('controls: the tone passes (no speech) with the VAD in place', async () => {
      expect((await local('driving_audio', tone)).decision).toBe('pass');
    });

    it('VAD model missing → review', async () => {
      const run = await cli(tone, 'driving_audio', withModel('silero-vad', 'missing'));
      expectRow('VAD model missing', run, run.results);
      expect(stageOf(run, 'moderate.speech')).toMatchObject({ status: 'review', reason: 'moderation.model_unavailable' });
    }, 120_000);

    it('truncated WAV and MP3 → reject media.corrupt', async () => {
      const cutWav = await local('driving_audio', write('cut.wav', firstHalf(wav(4))));
      expectRow('truncated WAV', cutWav, cutWav.results);
      const mp3 = ffmpegMade('tone.mp3', [...TONE(4), '-b:a', '64k']);
      expect((await local('driving_audio', write('whole.mp3', mp3))).decision).toBe('pass');
      const cutMp3 = await local('driving_audio', write('cut.mp3', firstHalf(mp3)));
      expectRow('truncated MP3', cutMp3, cutMp3.results);
    });
  });

  describe('text (driving_text)', () => {
    it('controls: benign text passes with the model in place', async () => {
      expect((await local('driving_text', benignText)).decision).toBe('pass');
    });

    it('text model missing → review (the lexicons still run)', async () => {
      const run = await cli(benignText, 'driving_text', withModel('text', 'missing'));
      expectRow('text model missing', run, run.results);
      expect(stageOf(run, 'moderate.text')).toMatchObject({ status: 'review', reason: 'moderation.model_unavailable' });
    }, 120_000);
  });

  describe('time', () => {
    it('a stage past its budget → review pipeline.stage_timeout; later stages are skipped, the run returns at once', async () => {
      const started = performance.now();
      const run = await runKind('generated_video', longVideo, new AbortController().signal, { stageTimeoutMs: 1500 });
      expectRow('stage past its time budget', run, run.results);
      const cut = run.results.find((r) => r.reason === STAGE_TIMEOUT_REASON)!;
      expect(['probe.video', 'probe.decode', 'moderate.video']).toContain(cut.stage);
      expect(cut).toMatchObject({ status: 'review', evidence: { timeoutSeconds: 1.5 } });
      expect(stageOf(run, 'moderate.speech')).toMatchObject({ status: 'skipped', reason: 'pipeline.short_circuit' });
      // The budget, not the video's own moderation time (several seconds), decided when it ended.
      expect(performance.now() - started).toBeLessThan(1500 + 1500);
    }, 60_000);

    it('STAGE_TIMEOUT_SECONDS reaches the CLI: a tiny budget sends the video to review, and the process still exits', async () => {
      const run = await cli(longVideo, 'generated_video', { STAGE_TIMEOUT_SECONDS: '0.01' });
      expectRow('stage past its time budget', run, run.results);
      expect(stageOf(run, 'probe.video')).toMatchObject({ status: 'review', reason: STAGE_TIMEOUT_REASON });
    }, 120_000);

    it('an already-aborted run makes no verdict: it throws before any stage runs', async () => {
      await expect(runKind('generated_video', longVideo, AbortSignal.abort(new Error('lease lost')))).rejects.toThrow('lease lost');
    });

    it('a run whose deadline lands while frames are sampled throws instead of passing on the frames seen so far', async () => {
      const deadline = new AbortController();
      let sampling = false;
      // The real stage; the test only schedules the deadline for shortly after it starts.
      const def = selectRoles(PIPELINES.generated_video, ONLY_ROLES.moderation);
      const timed: PipelineDef = {
        ...def,
        stages: def.stages.map((s) =>
          s.name !== 'moderate.video'
            ? s
            : {
                ...s,
                run: (ctx) => {
                  sampling = true;
                  setTimeout(() => deadline.abort(new Error('the item took too long')), 300);
                  return s.run(ctx);
                },
              },
        ),
      };
      await expect(runKind('generated_video', longVideo, deadline.signal, {}, timed)).rejects.toThrow('the item took too long');
      expect(sampling).toBe(true);
    }, 60_000);
  });

  it('every row of the matrix was exercised', () => {
    expect(MATRIX.filter((r) => !seen.has(r)).map((r) => `${r.modality}: ${r.failure}`)).toEqual([]);
  });
});
