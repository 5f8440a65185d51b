/**
 * The speaker-embedding slot: an ONNX model an operator installs in `SPEAKER_MODEL_DIR`
 * (`model.onnx` + `speaker.json`, see docs/consent.md "Speaker verification"). None ships:
 * no speaker model installs offline here (DESIGN.md), so by default the slot is empty and
 * every voice match is `unverified` (review). The model takes fbank80 features of the
 * recording's speech segments (`[1, T, 80]`, src/speech/fbank.ts) and gives an embedding
 * (`[1, D]`); two recordings are the same speaker when the cosine of their embeddings
 * reaches the manifest's `threshold`, which the operator calibrates for their model.
 *
 * Loaded on first use and verified against the manifest's sha256, so a broken install
 * (no manifest, a bad one, a missing or altered model file) surfaces as a SpeakerError
 * where the caller turns it into `review`, never as a pass and never as a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { InferenceError } from '../inference/errors.js';
// Not re-exported by src/inference/index.ts: the slot needs the verified loader for an operator's file.
import { currentOptions, openVerified } from '../inference/sessions.js';
import { concatFeatures, FBANK_BINS, FBANK_SAMPLE_RATE, logMel, meanNormalise, type Features } from './fbank';
import { msToSamples, samplesToMs } from './pcm';
import { segmentsOf } from './segmenter';
import { speechProbabilities, VAD_FRAME_MS } from './vad';

export const SpeakerManifestSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  licence: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits'),
  input: z.object({ name: z.string().min(1), features: z.literal('fbank80') }),
  output: z.object({ name: z.string().min(1) }),
  /** Cosine similarity from which two recordings count as one speaker. */
  threshold: z.number().gt(-1).lte(1),
  sample_rate: z.literal(FBANK_SAMPLE_RATE),
});
export type SpeakerManifest = z.infer<typeof SpeakerManifestSchema>;

/** Less speech than this (0.5 s of frames) gives no embedding anyone should compare. */
export const MIN_SPEECH_FRAMES = 50;

export type SpeakerErrorCode = 'speaker.model_unavailable' | 'speaker.failed' | 'speaker.no_speech';

export class SpeakerError extends Error {
  override readonly name = 'SpeakerError';
  constructor(
    readonly code: SpeakerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface VoiceEmbedding {
  /** `name@version` of the model: embeddings of different models are never compared. */
  model: string;
  vector: Float32Array;
  speechMs: number;
  frames: number;
}

export interface SpeakerSlot {
  dir: string;
  /** The validated manifest (throws SpeakerError when the install is broken). */
  manifest(): Promise<SpeakerManifest>;
  /** Embedding of the speech in 16 kHz mono samples; silence is dropped first (VAD). */
  embed(samples16k: Float32Array): Promise<VoiceEmbedding>;
}

const SpeakerEnvSchema = z.object({ SPEAKER_MODEL_DIR: z.string().optional() });

interface Loaded {
  manifest: SpeakerManifest;
  session: ort.InferenceSession;
}
const loaded = new Map<string, Promise<Loaded>>();

/** The operator's speaker model, or undefined when `SPEAKER_MODEL_DIR` is unset or empty. Read per call (tests, wrappers). */
export function speakerSlot(env: NodeJS.ProcessEnv = process.env): SpeakerSlot | undefined {
  const dir = SpeakerEnvSchema.parse(env).SPEAKER_MODEL_DIR?.trim();
  if (!dir) return undefined;
  const abs = path.resolve(dir);
  return {
    dir: abs,
    manifest: async () => (await load(abs)).manifest,
    embed: (samples) => embedWith(abs, samples),
  };
}

/** `embedVoice(samples)` with the slot of the environment; an empty slot is an error here (callers check first). */
export async function embedVoice(samples16k: Float32Array, slot: SpeakerSlot | undefined = speakerSlot()): Promise<VoiceEmbedding> {
  if (!slot) throw new SpeakerError('speaker.model_unavailable', 'no speaker model is installed (SPEAKER_MODEL_DIR is unset)');
  return slot.embed(samples16k);
}

/** Cosine similarity; vectors of different lengths are not comparable (-1, never a match). */
export function voiceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || !a.length) return -1;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : -1;
}

/** Releases the loaded speaker sessions (tests). */
export async function releaseSpeakerSessions(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  await Promise.allSettled(all.map(async (l) => (await l).session.release()));
}

function load(dir: string): Promise<Loaded> {
  let l = loaded.get(dir);
  if (!l) {
    l = open(dir);
    loaded.set(dir, l);
    // A broken install is not cached: the operator can fix the folder without a restart.
    l.catch(() => loaded.delete(dir));
  }
  return l;
}

async function open(dir: string): Promise<Loaded> {
  const file = path.join(dir, 'speaker.json');
  let manifest: SpeakerManifest;
  try {
    manifest = SpeakerManifestSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    const why = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message;
    throw new SpeakerError('speaker.model_unavailable', `${file} is not a valid speaker manifest (${why.slice(0, 300)}); see docs/consent.md`);
  }
  try {
    const session = await openVerified(path.join(dir, 'model.onnx'), manifest.sha256, currentOptions());
    if (!session.inputNames.includes(manifest.input.name) || !session.outputNames.includes(manifest.output.name)) {
      await session.release();
      throw new SpeakerError('speaker.model_unavailable', `model.onnx in ${dir} has inputs [${session.inputNames}] and outputs [${session.outputNames}], not the manifest's ${manifest.input.name} → ${manifest.output.name}`);
    }
    return { manifest, session };
  } catch (e) {
    if (e instanceof SpeakerError) throw e;
    // The inference layer's message names its own rebuild command, which does not apply to an operator's model.
    const what = e instanceof InferenceError && e.code === 'model.missing' ? 'is missing' : `does not load or does not match the manifest sha256 (${(e as Error).message.split(';')[0]})`;
    throw new SpeakerError('speaker.model_unavailable', `model.onnx in ${dir} ${what}`);
  }
}

/** fbank80 over each VAD speech segment, frames concatenated, then one mean normalisation over them all. */
export async function speechFeatures(samples16k: Float32Array): Promise<{ features: Features; speechMs: number }> {
  const segments = segmentsOf(await speechProbabilities(samples16k), VAD_FRAME_MS);
  const parts = segments.map((s) => logMel(samples16k.subarray(msToSamples(s.startMs), Math.min(samples16k.length, msToSamples(s.endMs)))));
  const speechMs = segments.reduce((n, s) => n + Math.min(s.endMs, samplesToMs(samples16k.length)) - s.startMs, 0);
  return { features: meanNormalise(concatFeatures(parts)), speechMs };
}

async function embedWith(dir: string, samples16k: Float32Array): Promise<VoiceEmbedding> {
  const { manifest, session } = await load(dir);
  let features: Features;
  let speechMs: number;
  try {
    ({ features, speechMs } = await speechFeatures(samples16k));
  } catch (e) {
    throw new SpeakerError('speaker.failed', `voice activity detection failed: ${(e as Error).message.slice(0, 300)}`);
  }
  if (features.frames < MIN_SPEECH_FRAMES) throw new SpeakerError('speaker.no_speech', `${Math.round(speechMs)} ms of speech: too little for a voice embedding`);
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', features.data, [1, features.frames, FBANK_BINS]) });
  } catch (e) {
    throw new SpeakerError('speaker.failed', `the speaker model failed: ${(e as Error).message.slice(0, 300)}`);
  }
  const t = out[manifest.output.name];
  const data = t?.data;
  if (!t || !(data instanceof Float32Array) || t.dims.length > 2 || (t.dims.length === 2 && t.dims[0] !== 1)) {
    throw new SpeakerError('speaker.failed', `the speaker model's output ${manifest.output.name} is not a float32 [1, D] embedding`);
  }
  const vector = Float32Array.from(data);
  if (vector.length < 2 || !vector.every(Number.isFinite) || !vector.some((v) => v !== 0)) {
    throw new SpeakerError('speaker.failed', 'the speaker model gave an empty, zero or non-finite embedding');
  }
  return { model: `${manifest.name}@${manifest.version}`, vector, speechMs: Math.round(speechMs), frames: features.frames };
}
