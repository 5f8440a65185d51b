import type { SpeechConfig } from '../config';
import { pocketsphinxEnglish } from './english';
import { sherpaRecognizer } from './sherpa';
import type { Recognizer } from './types';

/** Primary subtag, lower case: `en-US` → `en`, `zh-Hans-CN` → `zh`. */
export const primaryLanguage = (tag: string) => tag.toLowerCase().split('-')[0]!;

/**
 * The recogniser for a language: an operator-installed sherpa-onnx model first (it is
 * better than pocketsphinx for English too), then pocketsphinx for English; none for
 * any other language, or for `und` (unknown), where no recogniser can be trusted.
 */
export function recognizerFor(language: string, config: SpeechConfig): Recognizer | undefined {
  const lang = primaryLanguage(language);
  if (lang === 'und') return undefined;
  return sherpaRecognizer(config.sherpaModelsDir, lang) ?? (lang === 'en' ? pocketsphinxEnglish(config.pocketsphinxPath, config.pocketsphinxPreset, config.warmDecoders) : undefined);
}

/**
 * Service start: the English recogniser's waiting decoders begin loading, so the first
 * recording or audio stream does not wait for them (SPEECH_WARM_DECODERS=0: nothing starts).
 */
export function warmUpRecognizers(config: SpeechConfig): void {
  recognizerFor('en', config)?.warmUp?.();
}
