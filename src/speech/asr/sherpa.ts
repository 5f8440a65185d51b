/**
 * The slot for recognisers an operator installs: sherpa-onnx offline models (SenseVoice,
 * Paraformer, Whisper, …) under `SHERPA_ONNX_MODELS_DIR/<language>/`, each folder with a
 * `recognizer.json` that names the files:
 *
 *   { "config": { "modelConfig": { "senseVoice": { "model": "model.int8.onnx" }, "tokens": "tokens.txt" } },
 *     "name": "sense-voice-zh-en", "version": "2024-07-17" }
 *
 * `config` is handed to `sherpa-onnx-node`'s `OfflineRecognizer` with every file path made
 * absolute. Neither the package nor any model ships with this project (no model is
 * installable offline; see docs/speech.md): without them the slot is empty and audio in
 * that language goes to review (`asr_unavailable`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { SAMPLE_RATE } from '../pcm';
import { AsrError, type Recognizer, type TimedWord } from './types';

const ManifestSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  config: z.object({ modelConfig: z.record(z.string(), z.unknown()) }).passthrough(),
});

interface SherpaResult {
  text?: string;
  tokens?: string[];
  timestamps?: number[];
}
interface SherpaStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface SherpaRecognizer {
  createStream(): SherpaStream;
  decode(s: SherpaStream): void;
  getResult(s: SherpaStream): SherpaResult;
}
interface SherpaModule {
  OfflineRecognizer: new (config: unknown) => SherpaRecognizer;
}

const loaded = new Map<string, Recognizer | null>();

/** The operator-installed recogniser for `language`, or undefined when the slot is empty. */
export function sherpaRecognizer(modelsDir: string | undefined, language: string): Recognizer | undefined {
  if (!modelsDir) return undefined;
  const dir = join(modelsDir, language);
  const key = dir;
  if (!loaded.has(key)) loaded.set(key, existsSync(join(dir, 'recognizer.json')) ? open(dir, language) : null);
  return loaded.get(key) ?? undefined;
}

/**
 * The recogniser is built on first use, so a broken install (no package, a bad manifest, a
 * model the engine rejects) surfaces as an AsrError inside `transcribe`, where callers turn
 * it into `review`, rather than as a crash wherever the registry is asked.
 */
function open(dir: string, language: string): Recognizer {
  let engine: SherpaRecognizer | undefined;
  let manifest: z.infer<typeof ManifestSchema> | undefined;
  try {
    manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'recognizer.json'), 'utf8')));
  } catch {
    // reported by transcribe, with the same code as any other broken install
  }
  const build = (): SherpaRecognizer => {
    if (!manifest) throw new AsrError('asr.unavailable', `${join(dir, 'recognizer.json')} is not a valid recogniser manifest (see docs/speech.md)`);
    let sherpa: SherpaModule;
    try {
      sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
    } catch {
      throw new AsrError('asr.unavailable', `${dir} holds a sherpa-onnx model but the sherpa-onnx-node package is not installed (npm install sherpa-onnx-node)`);
    }
    try {
      return new sherpa.OfflineRecognizer({ featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 }, ...(absolutePaths(manifest.config, dir) as Record<string, unknown>) });
    } catch (e) {
      throw new AsrError('asr.unavailable', `sherpa-onnx could not load the model in ${dir}: ${(e as Error).message}`);
    }
  };
  return {
    language,
    model: { name: manifest?.name ?? 'sherpa-onnx', version: manifest?.version ?? 'unknown' },
    async transcribe(pcm: Float32Array) {
      engine ??= build();
      const stream = engine.createStream();
      stream.acceptWaveform({ samples: pcm, sampleRate: SAMPLE_RATE });
      engine.decode(stream);
      const r = engine.getResult(stream);
      return { text: (r.text ?? '').trim(), words: tokenTimes(r, pcm.length) };
    },
  };
}

/** Token start times (seconds) → timed tokens; each ends where the next starts. */
function tokenTimes(r: SherpaResult, samples: number): TimedWord[] | undefined {
  const { tokens, timestamps } = r;
  if (!tokens?.length || timestamps?.length !== tokens.length) return undefined;
  const endMs = (samples * 1000) / SAMPLE_RATE;
  return tokens.map((t, i) => ({
    word: t.trim(),
    startMs: Math.round(timestamps[i]! * 1000),
    endMs: Math.round(i + 1 < timestamps.length ? timestamps[i + 1]! * 1000 : endMs),
  }));
}

/** Every string value that names a file inside the model folder becomes an absolute path. */
function absolutePaths(value: unknown, dir: string): unknown {
  if (typeof value === 'string') return value && existsSync(join(dir, value)) ? join(dir, value) : value;
  if (Array.isArray(value)) return value.map((v) => absolutePaths(v, dir));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, absolutePaths(v, dir)]));
  return value;
}
