/**
 * Lexicon and tenant-list matching over the normalised compact view.
 *
 * Patterns are normalised with the same function as input text, so an entry
 * written as `賭博` or `Casino` matches however the user disguises it. Strong
 * Chinese entries and tenant block terms also match pinyin and mixed Han/pinyin
 * forms (rules below). Latin ends of a pattern must sit on token boundaries
 * (see normalize.ts).
 */
import { pinyin } from 'pinyin-pro';
import type { Category } from '../taxonomy.js';
import { AhoCorasick } from './aho-corasick.js';
import { BOUNDARY, normalizeText, originalSpan } from './normalize.js';
import type { NormalizedText } from './normalize.js';
import type { Lexicon } from './lexicons/types.js';

export const STRENGTH_SCORE = { strong: 0.9, weak: 0.5 } as const;

/**
 * Full pinyin is generated only for strong terms of three or more Han characters:
 * two-character pinyin collides with everyday words (肢解/直接 zhijie, 冰毒/病毒
 * bingdu, 坚韧/贱人 jianren) and with English (妈的 → made). Well-known two-character
 * evasions (dubo, shabi, …) are listed in the lexicons as Latin terms instead.
 * Mixed forms (赌bo, du博, 线上du场) are generated for strong terms of up to four
 * characters: half Han, half Latin does not occur in ordinary text.
 */
const HAN_RUN = /^\p{Script=Han}+$/u;
const MIN_FULL_PINYIN = 3;
const MAX_MIXED = 4;
const HAN = /\p{Script=Han}/u;

export interface PatternInfo {
  /** `lexicon:<category>`, `tenant-block` or `tenant-allow`. */
  list: string;
  category: Category | null;
  subtype?: string;
  /** The entry as written in the list. */
  term: string;
  score: number;
  viaPinyin: boolean;
}

export interface Hit {
  info: PatternInfo;
  /** Compact-view range. */
  start: number;
  end: number;
  span: { start: number; end: number; text: string };
}

export class PatternSet {
  private readonly ac: AhoCorasick;
  private readonly needStart: boolean[] = [];
  private readonly needEnd: boolean[] = [];

  constructor(
    private readonly infos: readonly PatternInfo[],
    patterns: readonly string[],
  ) {
    this.ac = new AhoCorasick(patterns);
    for (const p of patterns) {
      this.needStart.push(p.length > 0 && !HAN.test(p[0]!));
      this.needEnd.push(p.length > 0 && !HAN.test(p[p.length - 1]!));
    }
  }

  search(n: NormalizedText): Hit[] {
    const hits: Hit[] = [];
    for (const o of this.ac.search(n.text)) {
      if (this.needStart[o.pattern] && !n.tokenStart[o.start]) continue;
      if (this.needEnd[o.pattern] && !n.tokenEnd[o.end - 1]) continue;
      hits.push({ info: this.infos[o.pattern]!, start: o.start, end: o.end, span: originalSpan(n, o.start, o.end) });
    }
    return hits;
  }
}

/** Collects pattern forms; a form seen twice keeps its first (strongest-listed) meaning. */
class Builder {
  readonly infos: PatternInfo[] = [];
  readonly patterns: string[] = [];
  private readonly seen = new Set<string>();

  add(term: string, info: Omit<PatternInfo, 'term' | 'viaPinyin'>, withPinyin: boolean): void {
    const form = normalizeText(term).text;
    // Runs collapse in normalisation ("xxx" → "x"): a term left as one Latin character would
    // match every lone letter, so it cannot be listed (a single Han character still can).
    if (/^[a-z0-9]$/.test(form)) return;
    this.push(form, { ...info, term, viaPinyin: false });
    if (!withPinyin || !HAN_RUN.test(form)) return;
    const chars = Array.from(form);
    const syllables = pinyin(form, { toneType: 'none', type: 'array', v: true });
    if (syllables.length !== chars.length) return;
    const pinyinInfo = { ...info, term, viaPinyin: true };
    if (chars.length >= MIN_FULL_PINYIN) this.push(syllables.join(''), pinyinInfo);
    if (chars.length > MAX_MIXED) return;
    // every mix of Han characters and syllables except all-Han (the term) and all-pinyin (above)
    for (let mask = 1; mask < (1 << chars.length) - 1; mask++) {
      this.push(chars.map((c, i) => (mask & (1 << i) ? syllables[i]! : c)).join(''), pinyinInfo);
    }
  }

  private push(form: string, info: PatternInfo): void {
    const key = `${info.list}\u0001${form}`;
    if (form === '' || form.includes(BOUNDARY) || this.seen.has(key)) return;
    this.seen.add(key);
    this.patterns.push(form);
    this.infos.push(info);
  }

  build(): PatternSet {
    return new PatternSet(this.infos, this.patterns);
  }
}

export function compileLexicons(lexicons: readonly Lexicon[]): PatternSet {
  const b = new Builder();
  for (const lex of lexicons) {
    // strong groups first so a term listed twice keeps its strong reading
    const groups = [...lex.groups].sort((x, y) => (x.strength === y.strength ? 0 : x.strength === 'strong' ? -1 : 1));
    for (const g of groups) {
      for (const term of g.terms) {
        b.add(
          term,
          { list: `lexicon:${lex.category}`, category: lex.category, ...(g.subtype ? { subtype: g.subtype } : {}), score: STRENGTH_SCORE[g.strength] },
          g.strength === 'strong',
        );
      }
    }
  }
  return b.build();
}

export interface TenantLists {
  blockList: readonly { term: string; category: Category }[];
  allowList: readonly string[];
}

export function compileTenantLists(lists: TenantLists): PatternSet {
  const b = new Builder();
  for (const { term, category } of lists.blockList) b.add(term, { list: 'tenant-block', category, score: 1 }, true);
  for (const term of lists.allowList) b.add(term, { list: 'tenant-allow', category: null, score: 0 }, false);
  return b.build();
}

/**
 * Drop hits covered by an allow-list hit, and hits nested inside a longer hit of
 * the same category (`网络赌博` already explains its `赌博`). Sweeps in start order,
 * so a long text with many hits stays O(n log n).
 */
export function resolveHits(hits: readonly Hit[]): Hit[] {
  const byStart = (a: Hit, b: Hit) => a.start - b.start || b.end - a.end;
  const allows = hits.filter((h) => h.info.list === 'tenant-allow').sort(byStart);
  const rest = hits.filter((h) => h.info.list !== 'tenant-allow').sort(byStart);

  const allowed: Hit[] = [];
  let next = 0;
  let allowEnd = -1;
  for (const h of rest) {
    while (next < allows.length && allows[next]!.start <= h.start) allowEnd = Math.max(allowEnd, allows[next++]!.end);
    if (allowEnd < h.end) allowed.push(h);
  }

  // Per category, the hit reaching furthest so far (earliest start on ties) contains
  // every later hit that any earlier hit contains.
  const reach = new Map<string, { start: number; end: number }>();
  const kept: Hit[] = [];
  for (const h of allowed) {
    const key = h.info.category ?? '';
    const r = reach.get(key);
    const nested = r !== undefined && r.end >= h.end && r.end - r.start > h.end - h.start;
    if (!nested) kept.push(h);
    if (!r || h.end > r.end) reach.set(key, { start: h.start, end: h.end });
  }
  return kept;
}
