import type { Scope } from '../rules';

/**
 * The consent statement a subject reads aloud, the grammar that recognises exactly it,
 * and the judgement of what the recogniser heard. Pure: no processes, no files.
 *
 * Why a grammar and not free dictation: free decoding of a small model gets 20–75% of
 * words wrong, while a grammar of the one sentence decodes it exactly. A grammar alone
 * would force any speech onto the sentence, though, so every gap between two words of
 * the sentence may also take negation words ("do not", "never", "refuse") and fillers,
 * and the code is five free digits. A negated sentence then comes out with its negation
 * and a different code comes out as those digits; speech that is not the sentence at all
 * does not fit the grammar and yields no hypothesis.
 */
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

const NEGATIONS = ['not', "don't", 'no', 'never', 'refuse', 'withdraw', "won't", 'cannot', "can't", 'deny'] as const;
// "do" is a filler, not a negation: "I do consent" is consent; "do not" is caught by "not".
const FILLERS = ['um', 'uh', 'a', 'the', 'and', 'but', 'do'] as const;

export interface StatementInput {
  subjectName: string;
  company: string;
  scopes: readonly Scope[];
  code: string;
}

const SCOPE_WORDS: Record<string, string> = { face: 'face', voice: 'voice' };

/** The English statement as shown to the subject. */
export function englishStatement(s: StatementInput): string {
  const likeness = s.scopes.map((x) => SCOPE_WORDS[x]).join(' and ');
  return `I, ${s.subjectName}, consent to ${s.company} using my ${likeness}. My code is ${s.code.split('').join(' ')}.`;
}

/** The words a recogniser should hear: lower case, punctuation dropped, digits spelled. */
export function spokenWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\d/g, (d) => ` ${DIGIT_WORDS[Number(d)]} `)
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Every word the grammar can emit: the dictionary must know all of them. */
export function grammarVocabulary(expected: readonly string[]): string[] {
  return [...new Set([...expected, ...DIGIT_WORDS, ...NEGATIONS, ...FILLERS])];
}

/**
 * JSGF for the statement. `expected` ends with the code's digit words; the code slot
 * accepts any digits so that a wrong code is heard as the wrong code.
 */
export function statementGrammar(expected: readonly string[], codeLength: number): string {
  const body = expected.slice(0, expected.length - codeLength);
  // Right before the code only fillers fit: a negation there would negate nothing, and "won't"
  // competing with "one" there only costs false rejections.
  const parts = [
    '[<x>]',
    ...body.flatMap((w, i) => [w, i === body.length - 1 ? '[<f>]' : '[<x>]']),
    ...Array.from({ length: codeLength }, () => '<d>'),
    '[<f>]',
  ];
  return [
    '#JSGF V1.0;',
    'grammar consent;',
    `public <utt> = ${parts.join(' ')};`,
    `<d> = ${DIGIT_WORDS.join(' | ')};`,
    '<x> = (<neg> | <f>)+;',
    `<neg> = ${NEGATIONS.join(' | ')};`,
    `<f> = ${FILLERS.join(' | ')};`,
    '',
  ].join('\n');
}

export interface SpeechJudgement {
  status: 'pass' | 'fail';
  reason?: 'speech.no_match' | 'speech.negated' | 'speech.wrong_code';
  /** Share of the statement's words heard in order (1 for an exact reading). */
  score: number;
  heard: string;
  negations: string[];
  codeHeard: string | null;
}

/**
 * Judges a hypothesis against the statement: exact words, no negation, the right code.
 * The grammar fixes the shape (gap words between the statement's words, then the code
 * digits, then fillers), so a greedy walk recovers which heard words were gap words.
 */
export function judgeHypothesis(hypothesis: string, expected: readonly string[], codeLength: number): SpeechJudgement {
  const heard = hypothesis.trim().split(/\s+/).filter(Boolean);
  if (!heard.length) return { status: 'fail', reason: 'speech.no_match', score: 0, heard: '', negations: [], codeHeard: null };
  const body = expected.slice(0, expected.length - codeLength);
  const gaps: string[] = [];
  let j = 0;
  let i = 0;
  for (; i < heard.length && j < body.length; i++) {
    if (heard[i] === body[j]) j++;
    else gaps.push(heard[i]!);
  }
  const isGapWord = (w: string) => (NEGATIONS as readonly string[]).includes(w) || (FILLERS as readonly string[]).includes(w);
  for (; i < heard.length && isGapWord(heard[i]!); i++) gaps.push(heard[i]!);
  const codeWords = heard.slice(i, i + codeLength);
  const negations = gaps.filter((w) => (NEGATIONS as readonly string[]).includes(w));
  const codeHeard =
    codeWords.length === codeLength && codeWords.every((w) => (DIGIT_WORDS as readonly string[]).includes(w))
      ? codeWords.map((w) => DIGIT_WORDS.indexOf(w as (typeof DIGIT_WORDS)[number])).join('')
      : null;
  const expectedCode = expected.slice(body.length).join(' ');
  const codeRight = codeWords.join(' ') === expectedCode;
  const score = round((j + (codeRight ? codeLength : 0)) / expected.length);
  const base = { score, heard: heard.join(' '), negations, codeHeard };
  if (negations.length) return { status: 'fail', reason: 'speech.negated', ...base };
  if (j < body.length || codeHeard === null) return { status: 'fail', reason: 'speech.no_match', ...base };
  if (!codeRight) return { status: 'fail', reason: 'speech.wrong_code', ...base };
  return { status: 'pass', ...base };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
