import { z } from 'zod';

/**
 * Speech settings from the environment (documented in the README's configuration table).
 * Read on each call rather than frozen at import, so a test or an operator's wrapper can
 * set them before the first item without a restart of the module graph.
 */
const SpeechEnvSchema = z.object({
  /** Language assumed for audio whose upload declares none; `und` means unknown (→ review unless it blocks). */
  SPEECH_DEFAULT_LANGUAGE: z.string().regex(/^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|und)$/).default('en'),
  POCKETSPHINX_PATH: z.string().default('pocketsphinx_continuous'),
  /** Directory of operator-installed sherpa-onnx recognisers, one sub-folder per language. */
  SHERPA_ONNX_MODELS_DIR: z.string().optional(),
});

export interface SpeechConfig {
  defaultLanguage: string;
  pocketsphinxPath: string;
  sherpaModelsDir?: string;
}

export function speechConfig(env: NodeJS.ProcessEnv = process.env): SpeechConfig {
  const e = SpeechEnvSchema.parse(env);
  return { defaultLanguage: e.SPEECH_DEFAULT_LANGUAGE, pocketsphinxPath: e.POCKETSPHINX_PATH, sherpaModelsDir: e.SHERPA_ONNX_MODELS_DIR };
}
