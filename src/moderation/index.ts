/** Public surface of the moderation module. */
export * from './taxonomy.js';
export * from './result.js';
export * from './policy.js';
export { TextModerator, defaultTextModerator, moderateText, lexiconScores, applyMinorCooccurrence, LEXICON_MODEL } from './text/moderator.js';
export type { ModerateOptions } from './text/moderator.js';
export { TextStream, DEFAULT_TAIL_CHARS } from './text/stream.js';
export { loadTextClassifier, DEFAULT_MANIFEST } from './text/classifier.js';
export type { TextClassifier, WindowScore } from './text/classifier.js';
export { normalizeText, originalSpan } from './text/normalize.js';
export type { NormalizedText } from './text/normalize.js';
