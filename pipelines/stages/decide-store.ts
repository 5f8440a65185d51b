import { decide } from '../decision';
import type { Stage } from '../types';

/**
 * The last stage of every pipeline: turns the verdicts into the item's decision and
 * acts on it in storage (release to the kept prefix, keep in quarantine for review,
 * or drop the bytes of a rejected item). Without storage (the CLI) it is skipped.
 */
export const decideStore: Stage = {
  name: 'decide.store',
  role: 'store',
  requires: ['store'],
  terminal: true,
  async run({ results, capabilities }) {
    const decision = decide(results);
    const evidence = await capabilities.store!(decision, [...results]);
    return { status: 'pass', evidence: { decision, ...evidence } };
  },
};
