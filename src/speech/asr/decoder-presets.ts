/**
 * Named search settings for pocketsphinx's free decoding (moderation and live streams; the
 * consent grammar check keeps its own). Named rather than raw flags so an operator picks a
 * measured trade-off, and evidence can say which one heard the audio.
 *
 * How they were chosen: `npx tsx bench/asr-eval.ts` measures word error rate, real-time
 * factor and keyword recall on gambling/fraud adverts for each of them.
 */
export const POCKETSPHINX_PRESETS = {
  /** Debian's defaults: widest search, about half real time on one core. */
  accurate: [],
  /**
   * Fewer Gaussians per frame (-topn 2), at most 3000 active HMMs and 5 word exits per frame.
   * Measured (bench/asr-eval.ts, 2 cores): 2.2× faster than `accurate` on LibriSpeech
   * test-other (real-time factor 0.90 → 0.42 under load), festival adverts' word error rate
   * 26.8 → 30.1 % (clean) and 36.4 → 46.1 % (pink noise), 19 of 24 adverts still flagged in
   * their category (18 with `accurate`), keyword recall 67.6 → 62.2 %, no benign sentence flagged.
   * Dropping the flat-lexicon pass too (-fwdflat no) or halving the frame rate (-ds 2) was
   * faster still but lost keywords, and -ds 2 flagged benign speech.
   */
  fast: ['-topn', '2', '-maxhmmpf', '3000', '-maxwpf', '5'],
} as const satisfies Record<string, readonly string[]>;

export type PocketsphinxPreset = keyof typeof POCKETSPHINX_PRESETS;
export const PRESET_NAMES = Object.keys(POCKETSPHINX_PRESETS) as [PocketsphinxPreset, ...PocketsphinxPreset[]];
