import { InferenceError } from '../../src/inference';
import type { StageOutcome } from '../types';

/**
 * Fail closed: a model that is missing or broken never lets an item pass. The item
 * goes to review with `model_unavailable`; any other error propagates (job retry).
 */
export async function unlessModelFails(run: () => Promise<StageOutcome>): Promise<StageOutcome> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InferenceError && e.code.startsWith('model.')) {
      return { status: 'review', reason: 'moderation.model_unavailable', evidence: { error: e.message } };
    }
    throw e;
  }
}
