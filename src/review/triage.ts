import { CATEGORIES, isCategory } from '../moderation/taxonomy';

/**
 * What sent an item to review, read from its stage results: the categories flagged by a stage
 * that did not pass, the highest score per category over every stage, the stages' reason codes
 * and the image's perceptual hash (for bulk decisions on copies). Pure.
 */
export interface StageLike {
  stage: string;
  status: string;
  reason?: string | null;
  evidence?: Record<string, unknown> | null;
}

export interface Triage {
  categories: string[];
  scores: Record<string, number>;
  reasons: string[];
  phash: string | null;
}

interface ModerationLike {
  scores?: Record<string, number>;
  evidence?: { category?: string }[];
  reasons?: string[];
}

export function triage(results: readonly StageLike[]): Triage {
  const scores: Record<string, number> = {};
  const categories = new Set<string>();
  const reasons: string[] = [];
  let phash: string | null = null;
  for (const r of results) {
    const ev = r.evidence ?? {};
    if (typeof ev.phash === 'string') phash = ev.phash;
    const m = ev.moderation as ModerationLike | undefined;
    if (m?.scores) for (const c of CATEGORIES) scores[c] = Math.max(scores[c] ?? 0, m.scores[c] ?? 0);
    if (r.status === 'pass' || r.status === 'skipped') continue;
    if (r.reason && !reasons.includes(r.reason)) reasons.push(r.reason);
    for (const e of m?.evidence ?? []) if (e.category && isCategory(e.category)) categories.add(e.category);
    // `moderation.review.gambling`: the category a policy fired on, even without an evidence row.
    for (const code of [r.reason ?? '', ...(m?.reasons ?? [])]) {
      const last = code.split('.').pop() ?? '';
      if (isCategory(last)) categories.add(last);
    }
  }
  return { categories: CATEGORIES.filter((c) => categories.has(c)), scores, reasons, phash };
}
