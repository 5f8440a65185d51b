/**
 * Evasion-resistant text normalisation with a map back to the original text.
 *
 * The output ("compact view") is what lexicons are matched against: width-folded,
 * lower-cased, accents and invisible characters stripped, look-alikes and leetspeak
 * read as letters, traditional Chinese read as simplified, separators dropped, and
 * runs of 3+ identical characters read as one. Every compact character remembers
 * the UTF-16 range of the original it came from, so evidence spans point at what
 * the user actually wrote. Token flags keep Latin words apart even though their
 * separators are gone: a Latin pattern must start at a token start and end at a
 * token end, so `c a s i n o` and `c@sino` match `casino` but `occasional` does not.
 */
import { Converter } from 'opencc-js/t2cn';
import { CONFUSABLES, HARD_BOUNDARY, INVISIBLE, LEET } from './confusables.js';

export interface NormalizedText {
  original: string;
  /** The compact view. Hard boundaries appear as `\u0000`, which no pattern contains. */
  text: string;
  /** Original UTF-16 start/end (exclusive) of each compact code unit. */
  origStart: Int32Array;
  origEnd: Int32Array;
  tokenStart: Uint8Array;
  tokenEnd: Uint8Array;
}

export const BOUNDARY = '\u0000';

const toSimplified = Converter({ from: 't', to: 'cn' });
const HAN = /\p{Script=Han}/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/** Fold one code point: compatibility forms, case, accents, look-alikes, traditional→simplified. */
function foldChar(ch: string): string {
  let out = '';
  // NFKD splits accents off and maps full-width/compatibility forms; NFC re-joins Hangul.
  for (const c of ch.normalize('NFKD').toLowerCase()) {
    if (INVISIBLE.test(c)) continue;
    out += CONFUSABLES.get(c) ?? c;
  }
  out = out.normalize('NFC');
  if (HAN.test(out)) out = toSimplified(out);
  return out;
}

/** `num`: a run of digits at the edge of a word, kept as digits and as its own token (`casino88`). */
type Kind = 'han' | 'word' | 'num' | 'leet' | 'sep' | 'hard' | 'drop';

interface Unit {
  ch: string;
  kind: Kind;
  start: number;
  end: number;
}

function classify(folded: string, raw: string): Kind {
  if (folded === '') return 'drop';
  if (HARD_BOUNDARY.test(raw)) return 'hard';
  if (HAN.test(folded)) return 'han';
  if (LETTER.test(folded) || DIGIT.test(folded)) return 'word';
  if (LEET.has(folded)) return 'leet';
  return 'sep';
}

interface Folded {
  ch: string;
  kind: Kind;
  /** Kinds of the folded code points, when folding produced more than one. */
  parts: { ch: string; kind: Kind }[];
}

const unitCache = new Map<string, Folded>();

function foldUnit(raw: string): Folded {
  let f = unitCache.get(raw);
  if (f) return f;
  const ch = foldChar(raw);
  const kind = classify(ch, raw);
  const parts = kind === 'drop' || kind === 'sep' || kind === 'hard' ? [] : Array.from(ch, (c) => ({ ch: c, kind: classify(c, c) === 'han' ? ('han' as const) : kind }));
  f = { ch, kind, parts };
  if (unitCache.size < 50_000) unitCache.set(raw, f);
  return f;
}

/** Split into folded units with original offsets; one raw code point may fold to several units. */
function units(original: string): Unit[] {
  const out: Unit[] = [];
  let offset = 0;
  for (const raw of original) {
    const start = offset;
    offset += raw.length;
    const f = foldUnit(raw);
    if (f.kind === 'drop') continue;
    if (f.kind === 'sep' || f.kind === 'hard') {
      out.push({ ch: f.ch, kind: f.kind, start, end: offset });
      continue;
    }
    for (const p of f.parts) out.push({ ch: p.ch, kind: p.kind, start, end: offset });
  }
  return out;
}

/**
 * Inside a Latin/digit token, leet symbols and digits become letters when the
 * token has a letter (`c@sino`, `k1ll`) so plain numbers stay numbers. A leet
 * symbol counts as part of a token only when a letter or digit follows it,
 * so a trailing `!` stays punctuation.
 */
function resolveLeet(us: Unit[]): void {
  let i = 0;
  while (i < us.length) {
    const u = us[i]!;
    if (u.kind !== 'word' && u.kind !== 'leet') {
      i++;
      continue;
    }
    let j = i;
    while (j < us.length) {
      const k = us[j]!.kind;
      if (k === 'word') j++;
      else if (k === 'leet' && us[j + 1]?.kind === 'word') j++;
      else break;
    }
    if (j === i) {
      u.kind = 'sep';
      i++;
      continue;
    }
    const hasLetter = us.slice(i, j).some((t) => t.kind === 'word' && LETTER.test(t.ch));
    // Two or more digits at either end of a word are a number next to it (`casino88`,
    // `888赌场`), not leetspeak; a single one is read as a letter (`hell0`, `4ss`).
    let a = i;
    while (a < j && DIGIT.test(us[a]!.ch)) a++;
    let b = j;
    while (b > a && DIGIT.test(us[b - 1]!.ch)) b--;
    for (let t = i; t < j; t++) {
      const unit = us[t]!;
      const edgeNumber = hasLetter && ((t < a && a - i >= 2) || (t >= b && j - b >= 2));
      unit.kind = edgeNumber ? 'num' : 'word';
      if (hasLetter && !edgeNumber) unit.ch = LEET.get(unit.ch) ?? unit.ch;
    }
    i = j;
  }
}

interface Slot {
  ch: string;
  start: number;
  end: number;
  tokenStart: boolean;
  tokenEnd: boolean;
}

/** Runs of three or more identical characters read as one (`fuuuck`, `哈哈哈哈`); pairs stay (`kill`). */
function collapseRuns(slots: Slot[]): Slot[] {
  const out: Slot[] = [];
  let i = 0;
  while (i < slots.length) {
    const first = slots[i]!;
    let j = i + 1;
    while (j < slots.length && slots[j]!.ch === first.ch && first.ch !== BOUNDARY) j++;
    if (j - i >= 3) {
      const last = slots[j - 1]!;
      out.push({ ...first, end: last.end, tokenEnd: last.tokenEnd });
    } else {
      for (let t = i; t < j; t++) out.push(slots[t]!);
    }
    i = j;
  }
  return out;
}

export function normalizeText(original: string): NormalizedText {
  const us = units(original);
  resolveLeet(us);
  const slots: Slot[] = [];
  let prevKind: Kind | 'none' = 'none';
  let sawSeparator = true;
  for (const u of us) {
    if (u.kind === 'sep') {
      sawSeparator = true;
      continue;
    }
    // Han characters, boundaries and script changes each start a token; Latin words continue one.
    const newToken = sawSeparator || u.kind === 'han' || u.kind === 'hard' || u.kind !== prevKind;
    const prev = slots[slots.length - 1];
    if (newToken && prev) prev.tokenEnd = true;
    slots.push({ ch: u.kind === 'hard' ? BOUNDARY : u.ch, start: u.start, end: u.end, tokenStart: newToken, tokenEnd: false });
    prevKind = u.kind;
    sawSeparator = u.kind === 'hard';
  }
  const last = slots[slots.length - 1];
  if (last) last.tokenEnd = true;
  return toArrays(original, collapseRuns(slots));
}

/** One entry per UTF-16 code unit of the compact text (astral characters take two), as the matcher indexes units. */
function toArrays(original: string, slots: Slot[]): NormalizedText {
  const units = slots.reduce((sum, s) => sum + s.ch.length, 0);
  const n: NormalizedText = {
    original,
    text: slots.map((s) => s.ch).join(''),
    origStart: new Int32Array(units),
    origEnd: new Int32Array(units),
    tokenStart: new Uint8Array(units),
    tokenEnd: new Uint8Array(units),
  };
  let i = 0;
  for (const s of slots) {
    for (let k = 0; k < s.ch.length; k++, i++) {
      n.origStart[i] = s.start;
      n.origEnd[i] = s.end;
      n.tokenStart[i] = s.tokenStart && k === 0 ? 1 : 0;
      n.tokenEnd[i] = s.tokenEnd && k === s.ch.length - 1 ? 1 : 0;
    }
  }
  return n;
}

/** Map a compact-view range [start, end) back to the original text. */
export function originalSpan(n: NormalizedText, start: number, end: number): { start: number; end: number; text: string } {
  const s = n.origStart[start] ?? 0;
  const e = n.origEnd[end - 1] ?? s;
  return { start: s, end: e, text: n.original.slice(s, e) };
}
