/**
 * The text moderator: normalise → lexicon and tenant-list matching → learned
 * classifier → per-category scores → the tenant policy's decision, with evidence
 * spans that point into the original text.
 *
 * Streaming callers call `moderate` per sliding window; everything per call is a
 * single pass over the text plus one small ONNX run.
 */
import { DEFAULT_POLICY, decide, shadowDecide } from '../policy.js';
import type { ListHit, Policy } from '../policy.js';
import { moreSevere } from '../result.js';
import type { Evidence, ModerationResult, Scores } from '../result.js';
import { CATEGORIES, zeroScores } from '../taxonomy.js';
import type { Category } from '../taxonomy.js';
import { loadTextClassifier } from './classifier.js';
import type { TextClassifier, WindowScore } from './classifier.js';
import { LEXICONS } from './lexicons/index.js';
import type { Lexicon } from './lexicons/index.js';
import { compileLexicons, compileTenantLists, resolveHits } from './matcher.js';
import type { Hit, PatternSet } from './matcher.js';
import { normalizeText } from './normalize.js';
import type { NormalizedText } from './normalize.js';

/** Bump when a lexicon file changes, so evidence names the list version that matched. */
export const LEXICON_MODEL = { name: 'text-lexicon', version: '1.2.1' } as const;

export interface ModerateOptions {
  /** Candidate policies evaluated in shadow: reported in `result.shadow`, never acted on. */
  shadow?: readonly Policy[];
}

/**
 * Several distinct terms of one category add up (noisy-OR); one term counts once
 * however often it repeats.
 */
export function lexiconScores(hits: readonly Hit[]): Scores {
  const scores = zeroScores();
  const seen = new Set<string>();
  for (const h of hits) {
    const c = h.info.category;
    if (!c || h.info.list === 'tenant-block') continue;
    const key = `${c}\u0001${h.info.term}`;
    if (seen.has(key)) continue;
    seen.add(key);
    scores[c] = 1 - (1 - scores[c]) * (1 - h.info.score);
  }
  return scores;
}

/** Sexual score from which a mention of children turns the text into a minor-safety case. */
const SEXUAL_WITH_MINOR = 0.5;
const MINOR_WITH_SEXUAL_SCORE = 0.9;

/**
 * Sexual content next to a mention of children (萝莉, underage, …) is a minor-safety
 * case even when neither signal alone is strong; the lexicons cannot list every pair.
 */
export function applyMinorCooccurrence(scores: Scores, hits: readonly Hit[]): void {
  if (scores.sexual < SEXUAL_WITH_MINOR) return;
  if (!hits.some((h) => h.info.category === 'minor_safety')) return;
  scores.minor_safety = Math.max(scores.minor_safety, MINOR_WITH_SEXUAL_SCORE);
}

export class TextModerator {
  private readonly lexicon: PatternSet;
  private readonly tenantByArrays = new WeakMap<object, WeakMap<object, PatternSet>>();
  private readonly tenantByContent = new Map<string, PatternSet>();

  /**
   * `classifier: null` means the model could not be loaded: results then carry
   * `model_unavailable` and never `pass` (fail closed); `unavailableReason` keeps
   * the load error for health checks and logs.
   */
  constructor(
    private readonly classifier: TextClassifier | null,
    lexicons: readonly Lexicon[] = LEXICONS,
    readonly unavailableReason: string | null = null,
  ) {
    this.lexicon = compileLexicons(lexicons);
  }

  get model(): TextClassifier['model'] | null {
    return this.classifier?.model ?? null;
  }

  /**
   * Tenant lists are compiled once and cached by the list arrays themselves and by
   * their content, so an edited list takes effect on the next call that passes it,
   * whether or not the tenant bumped its policy version.
   */
  private tenantLists(policy: Policy): PatternSet | null {
    if (policy.blockList.length === 0 && policy.allowList.length === 0) return null;
    const byIdentity = this.tenantByArrays.get(policy.blockList)?.get(policy.allowList);
    if (byIdentity) return byIdentity;
    const key = listFingerprint(policy);
    let set = this.tenantByContent.get(key);
    if (!set) {
      if (this.tenantByContent.size >= 1000) this.tenantByContent.clear();
      set = compileTenantLists(policy);
      this.tenantByContent.set(key, set);
    }
    let inner = this.tenantByArrays.get(policy.blockList);
    if (!inner) this.tenantByArrays.set(policy.blockList, (inner = new WeakMap()));
    inner.set(policy.allowList, set);
    return set;
  }

  async moderate(text: string, policy: Policy = DEFAULT_POLICY, options: ModerateOptions = {}): Promise<ModerationResult> {
    const [result] = await this.moderateMany([text], policy, options);
    return result!;
  }

  /**
   * Many texts under one policy with a single pass through the classifier: the
   * batch path for backfills (JSON Lines), same results as calling `moderate` on each.
   */
  async moderateMany(texts: readonly string[], policy: Policy = DEFAULT_POLICY, options: ModerateOptions = {}): Promise<ModerationResult[]> {
    const normalized = texts.map((t) => normalizeText(t));
    const reasons: string[] = [];
    let windows: WindowScore[][] = normalized.map(() => []);
    const scored = normalized.filter((n) => n.text.length > 0);
    if (!this.classifier) reasons.push('model_unavailable');
    else if (scored.length > 0) {
      try {
        const perText = await this.classifier.score(scored);
        let i = 0;
        windows = normalized.map((n) => (n.text.length > 0 ? perText[i++] ?? [] : []));
      } catch {
        reasons.push('model_error');
      }
    }
    return Promise.all(normalized.map((n, i) => this.finish(n, windows[i] ?? [], reasons, policy, options)));
  }

  private async finish(
    n: NormalizedText,
    windows: readonly WindowScore[],
    failures: readonly string[],
    policy: Policy,
    options: ModerateOptions,
  ): Promise<ModerationResult> {
    const baseHits = this.lexicon.search(n);
    const hitsFor = (p: Policy): Hit[] => resolveHits([...baseHits, ...(this.tenantLists(p)?.search(n) ?? [])]);
    const hits = hitsFor(policy);
    const scores = lexiconScores(hits);
    for (const w of windows) for (const c of CATEGORIES) scores[c] = Math.max(scores[c], w.scores[c] ?? 0);
    applyMinorCooccurrence(scores, hits);

    const listHits = (hs: readonly Hit[]): ListHit[] =>
      hs.flatMap((h) => (h.info.list === 'tenant-block' && h.info.category ? [{ category: h.info.category, term: h.info.term }] : []));
    const active = listHits(hits);
    const verdict = decide(scores, policy, active);
    const final = { ...scores };
    for (const l of active) final[l.category] = 1;

    const result: ModerationResult = {
      modality: 'text',
      scores: final,
      decision: failures.length > 0 ? moreSevere(verdict.decision, 'review') : verdict.decision,
      reasons: [...verdict.reasons, ...failures],
      evidence: [...strongestHits(hits).map(hitEvidence), ...(await this.modelEvidence(n, windows, policy))],
      policy: { id: policy.id, version: policy.version },
    };
    if (options.shadow?.length) result.shadow = shadowDecide(scores, options.shadow, (p) => listHits(hitsFor(p)));
    return result;
  }

  /**
   * Model evidence for each category whose model score alone reaches the policy's
   * review (or block) threshold, pointing at the n-gram that contributed most.
   */
  private async modelEvidence(n: NormalizedText, windows: readonly WindowScore[], policy: Policy): Promise<Evidence[]> {
    const classifier = this.classifier;
    if (!classifier) return [];
    const out: Evidence[] = [];
    for (const c of CATEGORIES) {
      const t = policy.thresholds[c];
      const bar = t.review ?? t.block;
      if (bar === null) continue;
      let best: WindowScore | null = null;
      for (const w of windows) if ((w.scores[c] ?? 0) >= bar && (!best || (w.scores[c] ?? 0) > (best.scores[c] ?? 0))) best = w;
      if (!best) continue;
      // An explanation is a courtesy: if it fails, the evidence stands without a span.
      const span = await classifier.explain?.(n, best, c).catch(() => null);
      out.push({
        category: c,
        score: best.scores[c] ?? 0,
        source: 'model',
        model: { ...classifier.model },
        ...(span ? { textSpan: span } : {}),
      });
    }
    return out;
  }
}

/** Evidence is for people: a long text full of hits lists the strongest few per category, not all of them. */
const MAX_HITS_PER_CATEGORY = 20;

function strongestHits(hits: readonly Hit[]): Hit[] {
  const kept = new Map<string, Hit[]>();
  for (const h of [...hits].sort((a, b) => b.info.score - a.info.score || a.start - b.start)) {
    const key = h.info.category ?? '';
    const list = kept.get(key) ?? [];
    if (list.length < MAX_HITS_PER_CATEGORY) list.push(h);
    kept.set(key, list);
  }
  return [...kept.values()].flat().sort((a, b) => a.start - b.start);
}

function listFingerprint(policy: Policy): string {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  };
  for (const t of policy.blockList) {
    mix(t.term);
    mix(t.category);
  }
  mix('\u0000');
  for (const t of policy.allowList) mix(t);
  return `${policy.blockList.length}/${policy.allowList.length}/${(h >>> 0).toString(36)}`;
}

function hitEvidence(h: Hit): Evidence {
  const tenant = h.info.list === 'tenant-block';
  return {
    category: h.info.category as Category,
    ...(h.info.subtype ? { subtype: h.info.subtype } : {}),
    score: h.info.score,
    source: tenant ? 'list' : 'lexicon',
    ...(tenant ? {} : { model: { ...LEXICON_MODEL } }),
    textSpan: h.span,
    listEntry: { list: h.info.viaPinyin ? `${h.info.list}:pinyin` : h.info.list, term: h.info.term },
  };
}

let shared: Promise<TextModerator> | null = null;

/**
 * A moderator with the shipped lexicons and model, created once per process.
 * If the model cannot load, the moderator still runs on lexicons and every
 * result says `model_unavailable` (review at least).
 */
export function defaultTextModerator(): Promise<TextModerator> {
  shared ??= loadTextClassifier().then(
    (c) => new TextModerator(c),
    (err: unknown) => new TextModerator(null, LEXICONS, err instanceof Error ? err.message : String(err)),
  );
  return shared;
}

export async function moderateText(text: string, policy?: Policy, options?: ModerateOptions): Promise<ModerationResult> {
  return (await defaultTextModerator()).moderate(text, policy, options);
}
