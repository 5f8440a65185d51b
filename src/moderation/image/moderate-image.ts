import { classifyImageSafetyBatch, decodeImage, type RgbImage } from '../../inference';
import { decide, shadowDecide, type Policy } from '../policy';
import { mergeResults, type Evidence, type ModerationResult } from '../result';
import type { BankMatch } from '../hashbank/bank';
import { safetyToScores } from './safety-scores';

export interface ImageFrame {
  image: RgbImage;
  /** Set for video frames: evidence then points at the frame. */
  frame?: { index: number; timestampMs: number };
  phash?: string;
}

export interface ImageModerationDeps {
  policy: Policy;
  shadow?: readonly Policy[];
  /** Hash-bank lookup; absent when there is no account (CLI). */
  lookup?: (phash: string) => Promise<BankMatch | null>;
}

/**
 * Frames through the safety model in one batch, each checked against the hash
 * bank, each decided under the policy; the merged result keeps every frame's
 * evidence and the most severe decision.
 */
export async function moderateFrames(frames: readonly ImageFrame[], deps: ImageModerationDeps): Promise<ModerationResult> {
  const safety = await classifyImageSafetyBatch(frames.map((f) => f.image));
  const parts: ModerationResult[] = [];
  for (const [i, f] of frames.entries()) {
    const where = f.frame ? { frame: f.frame } : {};
    const { scores, evidence } = safetyToScores(safety[i]!, where);
    const listHits = [];
    const hashEvidence: Evidence[] = [];
    const match = f.phash && deps.lookup ? await deps.lookup(f.phash) : null;
    if (match) {
      listHits.push({ category: match.entry.category, term: `hash:${match.entry.id}` });
      scores[match.entry.category] = 1;
      hashEvidence.push({
        category: match.entry.category,
        score: 1,
        source: 'hash',
        listEntry: { list: 'hash-bank', term: `${match.entry.id} (distance ${match.distance}${match.exact ? ', exact' : ''})` },
        ...where,
      });
    }
    const verdict = decide(scores, deps.policy, listHits);
    parts.push({
      modality: 'image',
      scores,
      decision: verdict.decision,
      reasons: match ? ['hash.match', ...verdict.reasons.filter((r) => !r.startsWith('list.'))] : verdict.reasons,
      evidence: [...hashEvidence, ...evidence],
      policy: { id: deps.policy.id, version: deps.policy.version },
      ...(deps.shadow?.length ? { shadow: shadowDecide(scores, deps.shadow) } : {}),
    });
  }
  return mergeResults('image', parts);
}

export async function moderateImageBytes(bytes: Uint8Array, deps: ImageModerationDeps & { phash?: string }): Promise<ModerationResult> {
  const image = await decodeImage(bytes);
  return moderateFrames([{ image, phash: deps.phash }], deps);
}
