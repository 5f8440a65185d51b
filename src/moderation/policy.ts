/**
 * Tenant moderation policy: thresholds per category (optionally per media kind),
 * custom word lists, and the pure decision functions. No I/O here: loading and
 * hot-reloading policies belongs to the caller.
 */
import { z } from 'zod';
import { CATEGORIES } from './taxonomy.js';
import type { Category } from './taxonomy.js';
import { CategorySchema, moreSevere } from './result.js';
import type { Decision, Scores, ShadowVerdict } from './result.js';

/** `null` switches that action off for the category (e.g. a tenant that never auto-blocks abuse). */
export interface Thresholds {
  review: number | null;
  block: number | null;
}

export interface ListTerm {
  term: string;
  category: Category;
}

export interface Policy {
  id: string;
  version: string;
  thresholds: Record<Category, Thresholds>;
  /** Tenant terms that block outright wherever they appear (after normalisation). */
  blockList: ListTerm[];
  /** Tenant terms inside which lexicon hits are ignored (e.g. a brand name that contains a curse). */
  allowList: string[];
}

/**
 * Safe defaults. Scores are calibrated probabilities, so 0.5 means "more likely than
 * not" and goes to people; blocking without a person needs high confidence.
 * Terrorism and minor safety send weaker signals to review because a miss costs more.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<Category, Readonly<Thresholds>>> = {
  sexual: { review: 0.5, block: 0.85 },
  violence: { review: 0.5, block: 0.9 },
  terrorism: { review: 0.3, block: 0.8 },
  gambling: { review: 0.5, block: 0.85 },
  fraud: { review: 0.5, block: 0.9 },
  abuse: { review: 0.5, block: 0.9 },
  minor_safety: { review: 0.3, block: 0.7 },
  other_harmful: { review: 0.5, block: 0.95 },
};

const threshold = z.number().min(0).max(1).nullable();
const ThresholdOverrideSchema = z.object({ review: threshold.optional(), block: threshold.optional() });
const CategoryOverridesSchema = z.partialRecord(CategorySchema, ThresholdOverrideSchema);
const ListTermSchema = z.object({ term: z.string().min(1).max(200), category: CategorySchema });

/** What a tenant stores: only the differences from the defaults. */
export const PolicySpecSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  thresholds: CategoryOverridesSchema.optional(),
  /** Per media kind (e.g. `driving_text`, `portrait_image`), applied over `thresholds`. */
  kinds: z.record(z.string(), CategoryOverridesSchema).optional(),
  blockList: z.array(ListTermSchema).max(10_000).optional(),
  allowList: z.array(z.string().min(1).max(200)).max(10_000).optional(),
});
export type PolicySpec = z.infer<typeof PolicySpecSchema>;

type CategoryOverrides = z.infer<typeof CategoryOverridesSchema>;

function applyOverrides(base: Record<Category, Thresholds>, overrides: CategoryOverrides | undefined): void {
  if (!overrides) return;
  for (const c of CATEGORIES) {
    const o = overrides[c];
    if (!o) continue;
    const t = base[c];
    if (o.review !== undefined) t.review = o.review;
    if (o.block !== undefined) t.block = o.block;
  }
}

/** Defaults, then the tenant's thresholds, then its per-kind overrides. */
export function resolvePolicy(spec?: PolicySpec, kind?: string): Policy {
  const thresholds = {} as Record<Category, Thresholds>;
  for (const c of CATEGORIES) thresholds[c] = { ...DEFAULT_THRESHOLDS[c] };
  applyOverrides(thresholds, spec?.thresholds);
  if (kind) applyOverrides(thresholds, spec?.kinds?.[kind]);
  return {
    id: spec?.id ?? 'default',
    version: spec?.version ?? '1',
    thresholds,
    blockList: spec?.blockList ?? [],
    allowList: spec?.allowList ?? [],
  };
}

export const DEFAULT_POLICY: Policy = resolvePolicy();

/** A hit on a tenant block list; it blocks regardless of thresholds. */
export interface ListHit {
  category: Category;
  term: string;
}

export interface Verdict {
  decision: Decision;
  reasons: string[];
}

/**
 * The decision for a score table under a policy. Reasons name every category
 * that crossed a threshold (`block.<category>` / `review.<category>`) and every
 * list hit (`list.block.<category>`), so a moderator sees all of them, not only the worst.
 */
export function decide(scores: Scores, policy: Policy, listHits: readonly ListHit[] = []): Verdict {
  let decision: Decision = 'pass';
  const reasons: string[] = [];
  for (const hit of listHits) {
    const code = `list.block.${hit.category}`;
    if (!reasons.includes(code)) reasons.push(code);
    decision = 'block';
  }
  for (const c of CATEGORIES) {
    const s = scores[c];
    // A NaN compares false with every threshold and would pass silently: fail closed.
    if (!Number.isFinite(s)) {
      reasons.push(`invalid_score.${c}`);
      decision = moreSevere(decision, 'review');
      continue;
    }
    const { review, block } = policy.thresholds[c];
    if (block !== null && s >= block) {
      reasons.push(`block.${c}`);
      decision = 'block';
    } else if (review !== null && s >= review) {
      reasons.push(`review.${c}`);
      decision = moreSevere(decision, 'review');
    }
  }
  return { decision, reasons };
}

/**
 * What candidate policies would have decided on the same scores. Pure: recording
 * the outcome (and never acting on it) is the caller's job.
 */
export function shadowDecide(
  scores: Scores,
  candidates: readonly Policy[],
  listHitsFor: (policy: Policy) => readonly ListHit[] = () => [],
): ShadowVerdict[] {
  return candidates.map((p) => ({ policyId: `${p.id}@${p.version}`, ...decide(scores, p, listHitsFor(p)) }));
}
