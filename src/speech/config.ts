import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { PRESET_NAMES, type PocketsphinxPreset } from './asr/decoder-presets';

/**
 * Speech settings from the environment (documented in the README's configuration table).
 * Read on each call rather than frozen at import, so a test or an operator's wrapper can
 * set them before the first item without a restart of the module graph.
 */
const SpeechEnvSchema = z.object({
  /** Language assumed for audio whose upload declares none; `und` means unknown (→ review unless it blocks). */
  SPEECH_DEFAULT_LANGUAGE: z.string().regex(/^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|und)$/).default('en'),
  POCKETSPHINX_PATH: z.string().default('pocketsphinx_continuous'),
  /** pocketsphinx search settings (decoder-presets.ts); `fast` was measured to keep WER and keyword recall. */
  POCKETSPHINX_DECODER: z.enum(PRESET_NAMES).default('fast'),
  /**
   * Recogniser processes one recording is split between, at pauses the VAD found. Empty
   * means one per core, at most 2: a process decodes on one core, and splitting further
   * only adds model loads.
   */
  SPEECH_ASR_PROCESSES: z.coerce.number().int().min(1).max(16).optional(),
  /**
   * pocketsphinx decoders kept started and waiting (asr/warm-decoders.ts), so a recording does
   * not wait 0.75 s for the model to load. Empty means SPEECH_ASR_PROCESSES; 0 turns it off.
   */
  SPEECH_WARM_DECODERS: z.coerce.number().int().min(0).max(16).optional(),
  /** Directory of operator-installed sherpa-onnx recognisers, one sub-folder per language. */
  SHERPA_ONNX_MODELS_DIR: z.string().optional(),
});

export interface SpeechConfig {
  defaultLanguage: string;
  pocketsphinxPath: string;
  pocketsphinxPreset: PocketsphinxPreset;
  /** Recogniser processes per recording (≥ 1). */
  asrProcesses: number;
  /** Waiting pocketsphinx decoders (0: each recording starts its own). */
  warmDecoders: number;
  sherpaModelsDir?: string;
}

export function speechConfig(env: NodeJS.ProcessEnv = process.env): SpeechConfig {
  const e = SpeechEnvSchema.parse({ ...env, SPEECH_ASR_PROCESSES: env.SPEECH_ASR_PROCESSES || undefined, SPEECH_WARM_DECODERS: env.SPEECH_WARM_DECODERS || undefined });
  const asrProcesses = e.SPEECH_ASR_PROCESSES ?? Math.min(2, Math.max(1, availableParallelism()));
  return {
    defaultLanguage: e.SPEECH_DEFAULT_LANGUAGE,
    pocketsphinxPath: e.POCKETSPHINX_PATH,
    pocketsphinxPreset: e.POCKETSPHINX_DECODER,
    asrProcesses,
    warmDecoders: e.SPEECH_WARM_DECODERS ?? asrProcesses,
    sherpaModelsDir: e.SHERPA_ONNX_MODELS_DIR,
  };
}
