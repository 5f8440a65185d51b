import fs from 'node:fs/promises';
import { lookup } from '../../src/moderation/hashbank/bank';
import { perceptualHash } from '../../src/moderation/hashbank/phash';
import { moderateImageBytes } from '../../src/moderation/image/moderate-image';
import { policiesFor } from '../../src/moderation/store/policies';
import type { Stage } from '../types';
import { unlessModelFails } from './model-guard';
import { moderationOutcome } from './moderation-outcome';

/** Images: the safety model and the hash bank under the tenant's policy. */
export const moderateImageStage: Stage = {
  name: 'moderate.image',
  role: 'moderation',
  run: ({ media, file, capabilities, facts }) =>
    unlessModelFails(async () => {
      const bytes = await fs.readFile(file);
      const phash = await perceptualHash(bytes);
      facts.phash = phash;
      const db = capabilities.account?.db;
      const { active, shadow } = await policiesFor(db, media.tenantId, media.kind);
      const result = await moderateImageBytes(bytes, {
        policy: active,
        shadow,
        phash,
        readText: true,
        lookup: db ? (p) => lookup(db, media.tenantId, media.sha256, p) : undefined,
      });
      const outcome = moderationOutcome(result);
      return { ...outcome, evidence: { ...outcome.evidence, phash } };
    }),
};
