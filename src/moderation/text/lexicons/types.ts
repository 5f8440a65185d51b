import type { Category } from '../../taxonomy.js';

/**
 * A curated list for one category. `strong` terms are unambiguous in any context
 * (a hit alone reaches block thresholds); `weak` terms are suggestive or have
 * innocent readings (a hit alone goes to review; several add up).
 * Terms are written as a person would type them; the compiler normalises them
 * exactly like input text, and strong Chinese terms of three or more characters
 * also match their toneless pinyin. Two-character pinyin evasions that do not
 * collide with everyday words are listed here as Latin terms (`dubo`).
 */
export interface LexiconGroup {
  subtype?: string;
  strength: 'strong' | 'weak';
  terms: readonly string[];
}

export interface Lexicon {
  category: Category;
  groups: readonly LexiconGroup[];
}
