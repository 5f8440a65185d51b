import { moderateText } from '../../src/moderation';
import { policiesFor } from '../../src/moderation/store/policies';
import type { Stage } from '../types';
import { moderationOutcome } from './moderation-outcome';

/** Text items: the text moderator under the tenant's policy (defaults in the CLI), shadow policies alongside. */
export const moderateTextStage: Stage = {
  name: 'moderate.text',
  role: 'moderation',
  async run({ media, facts, capabilities }) {
    const text = facts.text;
    if (typeof text !== 'string') throw new Error('moderate.text needs probe.text to run first');
    const { active, shadow } = await policiesFor(capabilities.account?.db, media.tenantId, media.kind);
    return moderationOutcome(await moderateText(text, active, { shadow }));
  },
};
