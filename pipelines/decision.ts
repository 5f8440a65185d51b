import type { Decision, StageResult } from './types';

const SEVERITY: Record<Decision, number> = { pass: 0, review: 1, block: 2, reject: 3 };

/**
 * The item's decision is the most severe stage verdict. `skipped` counts for nothing
 * here; stages that must not be skipped fail closed themselves (they return review).
 */
export function decide(results: readonly Pick<StageResult, 'status'>[]): Decision {
  let worst: Decision = 'pass';
  for (const r of results) {
    if (r.status === 'skipped') continue;
    if (SEVERITY[r.status] > SEVERITY[worst]) worst = r.status;
  }
  return worst;
}

/** The first stage that produced the decision explains it. */
export function decisiveReason(results: readonly StageResult[], decision: Decision): string | undefined {
  if (decision === 'pass') return undefined;
  return results.find((r) => r.status === decision)?.reason;
}
