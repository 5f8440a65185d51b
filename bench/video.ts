/**
 * `npx tsx bench/video.ts [--durations 30] [--sizes 640x360,1280x720] [--runs 2] [--audio speech|tone]`
 * (`--durations 30,60 --runs 3` for the full table, ~3× longer):
 * the generated_video pipeline (probe.video → moderate.video → moderate.speech; no account, so
 * decide.store is skipped) run in-process on videos built here by ffmpeg, and its wall time as a
 * fraction of the video's duration (the goal is ≤ 0.1 on a 2-core machine). moderate.speech runs
 * beside moderate.video (`concurrentWithPrevious`), so their stage times overlap and the wall time
 * is about probe + the longer of the two, and the CPU column (this process's threads plus the
 * ffmpeg and recogniser processes that ended during the run) says what they cost the shared cores.
 * The recogniser uses POCKETSPHINX_DECODER (default `fast`)
 * and SPEECH_ASR_PROCESSES (default: one per core, at most 2), printed in the first line.
 *
 * The videos look like what the service receives: a person on screen (PHOTOS below, each held for
 * an equal part of the clip with a slow pan, so there is a scene cut between them), 25 fps, H.264,
 * with an AAC track of festival speech (or a tone) looped to the duration. They are built once per
 * parameter set and kept in the temp folder, so a rerun measures moderation only.
 *
 * After the timed pipeline runs, each part is timed on its own on the same file, to say where the
 * time goes: probe (ffprobe + a full decode check), frame sampling (ffmpeg decode + scale, nothing
 * else), the image path on those frames (perceptual hash, safety model, OCR + QR), and the audio
 * (ffmpeg decode, VAD, recogniser). Inside the stage, sampling overlaps the image models, so the
 * parts add up to more than the stage.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PIPELINES, runPipeline, type StageResult } from '../pipelines';
import { loadConfig } from '../src/core/config';
import { classifyImageSafetyBatch } from '../src/inference';
import { DEFAULT_SAMPLING, sampleFrames, type SampledFrame } from '../src/media/frames';
import { perceptualHash } from '../src/moderation/hashbank/phash';
import { moderateFrames, type ImageFrame } from '../src/moderation/image/moderate-image';
import { DEFAULT_POLICY } from '../src/moderation/policy';
import { analyseSpeech } from '../src/speech/analyse';
import { recognizerFor } from '../src/speech/asr/registry';
import { speechConfig } from '../src/speech/config';
import { decodeAudio } from '../src/speech/decode';
import { speechProbabilities } from '../src/speech/vad';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const DURATIONS = arg('durations', '30').split(',').map(Number);
const SIZES = arg('sizes', '640x360,1280x720').split(',');
const RUNS = Number(arg('runs', '2'));
const AUDIO = arg('audio', 'speech') as 'speech' | 'tone';
const FPS = 25;
const BATCH = 8; // as pipelines/stages/moderate-video.ts

/**
 * Head-and-shoulders photos, as in a digital-human video: face-api's sample1 and the first photo of
 * each LFW identity in $LIKENESS_SHARED_DATA/faces-dev when it is there. Not the other face-api
 * samples: nsfwjs scores those party photos as sexual (≥ 0.85 on 16:9 crops), which blocks the
 * video after the first batch and would time an early exit instead of the whole path.
 */
const SHARED = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data', 'faces-dev');
const PHOTOS = [
  'node_modules/@vladmandic/face-api/demo/sample1.jpg',
  ...(fs.existsSync(SHARED) ? fs.readdirSync(SHARED).filter((d) => d.startsWith('lfw_')).sort().map((d) => path.join(SHARED, d, '1.jpg')) : []),
].filter((f) => fs.existsSync(f));

const CACHE = path.join(os.tmpdir(), 'lg-bench-video');
const SPEECH =
  'The weather is lovely today and we are going for a walk in the park. Please read the next sentence slowly and clearly. ' +
  'My digital human can read this paragraph in two languages. Thank you for recording your voice with us today.';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
};
const ms = (x: number) => `${Math.round(x)}`;

/**
 * CPU seconds used so far by this process (all its threads, the OCR worker included) and by its
 * finished children (ffmpeg, the recognisers), from /proc on Linux: the speech and the frames
 * share the same cores, so CPU matters beside wall time. NaN elsewhere.
 */
function cpuSeconds(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
    // After the command: state is field 3, so utime…cstime (fields 14–17) sit at 11–14.
    return fields.slice(11, 15).reduce((s, f) => s + Number(f), 0) / 100;
  } catch {
    return NaN;
  }
}

function audioSource(): string[] {
  if (AUDIO === 'tone') return ['-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=16000'];
  const wav = path.join(CACHE, 'speech.wav');
  if (!fs.existsSync(wav)) execFileSync('text2wave', ['-o', wav, '-F', '16000'], { input: SPEECH });
  return ['-stream_loop', '-1', '-i', wav];
}

/** The test video for one duration and size, built once (cached by parameters). */
async function buildVideo(seconds: number, size: string): Promise<string> {
  const [w, h] = size.split('x').map(Number) as [number, number];
  const key = createHash('sha256').update(JSON.stringify([seconds, size, AUDIO, PHOTOS, 'v1'])).digest('hex').slice(0, 12);
  const out = path.join(CACHE, `${seconds}s-${size}-${AUDIO}-${key}.mp4`);
  if (fs.existsSync(out)) return out;
  // Each photo pre-scaled to 110% of the frame once (decoding a JPEG per output frame is slow),
  // then held in memory by `loop` and panned by a moving crop.
  const stills = await Promise.all(
    PHOTOS.map(async (p, i) => {
      const file = path.join(CACHE, `still-${key}-${i}.png`);
      await sharp(p).resize(Math.round(w * 1.1), Math.round(h * 1.1), { fit: 'cover' }).png({ compressionLevel: 1 }).toFile(file);
      return file;
    }),
  );
  const per = Math.round((seconds * FPS) / stills.length);
  const chains = stills.map(
    (_, i) => `[${i}:v]loop=loop=${per - 1}:size=1,setpts=N/${FPS}/TB,crop=${w}:${h}:x='n*${(w * 0.1) / per}':y='n*${(h * 0.05) / per}',setsar=1[v${i}]`,
  );
  const concat = `${stills.map((_, i) => `[v${i}]`).join('')}concat=n=${stills.length}:v=1:a=0,format=yuv420p[v]`;
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    ...stills.flatMap((s) => ['-i', s]),
    ...audioSource(),
    '-filter_complex', `${chains.join(';')};${concat}`,
    '-map', '[v]', '-map', `${stills.length}:a`, '-t', String(seconds), '-r', String(FPS),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', '-c:a', 'aac', '-b:a', '64k', out,
  ]);
  return out;
}

const config = loadConfig({ LOG_LEVEL: 'silent' });
const limits = { ...config.limits, ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath };

function runOnce(file: string) {
  return runPipeline(PIPELINES.generated_video, {
    media: { id: 'bench', tenantId: 'bench', kind: 'generated_video', contentType: 'video/mp4', sizeBytes: fs.statSync(file).size, sha256: '0'.repeat(64) },
    file,
    limits,
    capabilities: {},
    signal: AbortSignal.timeout(10 * 60_000),
  });
}

/** Each part of the work on its own, on the same file. */
async function parts(file: string, size: string) {
  const [w, h] = size.split('x').map(Number) as [number, number];
  const frames: SampledFrame[] = [];
  const [, sampling] = await time(async () => {
    for await (const f of sampleFrames(limits.ffmpegPath, file, { width: w, height: h }, DEFAULT_SAMPLING)) frames.push(f);
  });
  const [hashed, phash] = await time(() =>
    Promise.all(frames.map(async (f): Promise<ImageFrame> => ({ image: f.image, frame: { index: f.index, timestampMs: f.timestampMs }, phash: await perceptualHash(f.image) }))),
  );
  const batches = Array.from({ length: Math.ceil(hashed.length / BATCH) }, (_, i) => hashed.slice(i * BATCH, (i + 1) * BATCH));
  const [, safety] = await time(async () => {
    for (const b of batches) await classifyImageSafetyBatch(b.map((f) => f.image));
  });
  const [, imageNoText] = await time(async () => {
    for (const b of batches) await moderateFrames(b, { policy: DEFAULT_POLICY });
  });
  const [, imageAll] = await time(async () => {
    for (const b of batches) await moderateFrames(b, { policy: DEFAULT_POLICY, readText: true });
  });
  const [pcm, audioDecode] = await time(() => decodeAudio(limits.ffmpegPath, file));
  const [, vad] = await time(() => speechProbabilities(pcm));
  const language = speechConfig().defaultLanguage;
  const [a, analyse] = await time(() => analyseSpeech(pcm, { language, recognizer: recognizerFor(language, speechConfig()), policy: DEFAULT_POLICY, processes: speechConfig().asrProcesses }));
  // Without speech (a tone) the recogniser never runs: analyseSpeech stops after the VAD.
  const asr = a.asr ? ms(analyse - vad) : `not run (${a.result.reasons.join(', ')})`;
  return { frames: frames.length, sampling, phash, safety, ocrQr: imageAll - imageNoText, imageAll, audioDecode, vad, asr };
}

async function main(): Promise<void> {
  if (spawnSync('ffmpeg', ['-version']).error) {
    console.log('bench:video skipped: ffmpeg is not installed');
    return;
  }
  if (PHOTOS.length === 0) {
    console.log('bench:video skipped: no sample photos under node_modules/@vladmandic/face-api/demo (npm install)');
    return;
  }
  if (AUDIO === 'speech' && spawnSync('text2wave', ['--help']).error) {
    console.log('bench:video skipped: festival is not installed (apt install festival), or pass --audio tone');
    return;
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const rerun = `npx tsx bench/video.ts --durations ${DURATIONS.join(',')} --sizes ${SIZES.join(',')} --runs ${RUNS} --audio ${AUDIO}`;
  console.log(
    `generated_video pipeline, in-process (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}; ` +
      `sampling every ${DEFAULT_SAMPLING.intervalSeconds} s + scene > ${DEFAULT_SAMPLING.sceneThreshold}, frames ≤ ${DEFAULT_SAMPLING.maxSide} px; audio: ${AUDIO}; ` +
      `recogniser: pocketsphinx ${speechConfig().pocketsphinxPreset}, ${speechConfig().asrProcesses} process(es))`,
  );
  console.log(`content: ${PHOTOS.length} photos (${PHOTOS.map((p) => path.basename(path.dirname(p)) + '/' + path.basename(p)).join(', ')}), ${FPS} fps H.264; videos cached in ${CACHE}`);
  const videos: { seconds: number; size: string; file: string }[] = [];
  for (const seconds of DURATIONS) for (const size of SIZES) videos.push({ seconds, size, file: await buildVideo(seconds, size) });

  // Warm-up on a short clip: model sessions, the OCR worker and the recogniser start once per process.
  await runOnce(await buildVideo(4, SIZES[0]!));

  console.log('| video | runs | median ms | fraction of duration (goal ≤ 0.1) | CPU s (median; process + children) | frames sampled | probe ms | moderate.video ms | moderate.speech ms | decision |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const detail: string[] = [];
  for (const v of videos) {
    const walls: number[] = [];
    const cpus: number[] = [];
    const stages: StageResult[][] = [];
    let decision = '';
    for (let r = 0; r < RUNS; r++) {
      const cpu0 = cpuSeconds();
      const [run, wall] = await time(() => runOnce(v.file));
      walls.push(wall);
      cpus.push(cpuSeconds() - cpu0);
      stages.push(run.results);
      decision = run.decision;
    }
    const stage = (name: string) => median(stages.map((rs) => rs.find((s) => s.stage === name)?.durationMs ?? NaN));
    const ev = stages[0]!.find((s) => s.stage === 'moderate.video')?.evidence as { framesSampled?: number; stoppedEarly?: boolean } | undefined;
    const frames = `${ev?.framesSampled ?? NaN}${ev?.stoppedEarly ? ' (stopped early: block)' : ''}`;
    const wall = median(walls);
    console.log(
      `| ${v.seconds} s ${v.size} | ${RUNS} | ${ms(wall)} | ${(wall / 1000 / v.seconds).toFixed(3)} | ${median(cpus).toFixed(1)} | ${frames} | ${ms(stage('probe.video'))} | ${ms(stage('moderate.video'))} | ${ms(stage('moderate.speech'))} | ${decision} |`,
    );
    const p = await parts(v.file, v.size);
    detail.push(
      `| ${v.seconds} s ${v.size} | ${p.frames} | ${ms(p.sampling)} | ${ms(p.phash)} | ${ms(p.safety)} | ${ms(p.ocrQr)} | ${ms(p.imageAll)} | ${ms(p.audioDecode)} | ${ms(p.vad)} | ${p.asr} |`,
    );
  }
  console.log('\nwhere the time goes (each part alone, one run, ms):');
  console.log('| video | frames | frame sampling (ffmpeg) | phash | safety model | OCR + QR | image path total | audio decode | VAD | recogniser + text |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of detail) console.log(d);
  console.log(`rerun: ${rerun}`);
}

await main();
process.exit(0);
