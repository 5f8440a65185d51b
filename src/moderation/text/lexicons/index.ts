import { abuse } from './abuse.js';
import { fraud } from './fraud.js';
import { gambling } from './gambling.js';
import { minorSafety } from './minor-safety.js';
import { otherHarmful } from './other-harmful.js';
import { sexual } from './sexual.js';
import { terrorism } from './terrorism.js';
import { violence } from './violence.js';
import type { Lexicon } from './types.js';

export type { Lexicon, LexiconGroup } from './types.js';

export const LEXICONS: readonly Lexicon[] = [gambling, fraud, terrorism, violence, sexual, abuse, minorSafety, otherHarmful];
