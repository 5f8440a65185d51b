import type { ModerationResult } from '../../src/moderation';
import type { StageOutcome } from '../types';

/** A moderation result as a stage verdict: same decision, its first reason as the code, the whole result as evidence. */
export function moderationOutcome(result: ModerationResult): StageOutcome {
  return {
    status: result.decision,
    reason: result.decision === 'pass' ? undefined : `moderation.${result.reasons[0] ?? result.decision}`,
    evidence: { moderation: result },
  };
}
