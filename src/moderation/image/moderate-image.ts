import { classifyImageSafetyBatch, decodeImage, type RgbImage } from '../../inference';
import { decide, shadowDecide, type Policy } from '../policy';
import { mergeResults, type Evidence, type ModerationResult } from '../result';
import type { BankMatch } from '../hashbank/bank';
import { hammingDistance } from '../hashbank/phash';
import { moderateImageText } from './image-text';
import { moderateImageQr } from './qr';
import { safetyToScores } from './safety-scores';

export interface ImageFrame {
  image: RgbImage;
  /** The encoded original, when there is one (OCR reads it at full resolution). */
  source?: Uint8Array;
  /** Set for video frames: evidence then points at the frame. */
  frame?: { index: number; timestampMs: number };
  phash?: string;
}

export interface ImageModerationDeps {
  policy: Policy;
  shadow?: readonly Policy[];
  /** Hash-bank lookup; absent when there is no account (CLI). */
  lookup?: (phash: string) => Promise<BankMatch | null>;
  /** Read text in the frames (OCR) and moderate it. */
  readText?: boolean;
}

/** Consecutive frames this close in perceptual hash show the same picture: their text is read once. */
const SAME_PICTURE_DISTANCE = 4;

/**
 * Frames through the safety model in one batch, each checked against the hash
 * bank, each decided under the policy; the merged result keeps every frame's
 * evidence and the most severe decision.
 */
export async function moderateFrames(frames: readonly ImageFrame[], deps: ImageModerationDeps): Promise<ModerationResult> {
  const safety = await classifyImageSafetyBatch(frames.map((f) => f.image));
  const parts: ModerationResult[] = [];
  let lastRead: { phash: string; found: boolean } | null = null;
  for (const [i, f] of frames.entries()) {
    if (deps.readText) {
      const same = lastRead && f.phash && hammingDistance(lastRead.phash, f.phash) <= SAME_PICTURE_DISTANCE;
      if (!same || lastRead?.found) {
        const where = f.frame ? { frame: f.frame } : {};
        const { result } = await moderateImageText(f.source ?? f.image, deps.policy, where);
        if (result) parts.push(result);
        // QR codes carry links OCR cannot read (./qr.ts).
        const qr = await moderateImageQr(f.image, deps.policy, where);
        if (qr) parts.push(qr);
        lastRead = f.phash ? { phash: f.phash, found: [result, qr].some((r) => r && r.decision !== 'pass') } : null;
      }
    }
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
        listEntry: { list: 'hash-bank', term: `${match.entry.id} (distance ${match.distance}${match.exact ? ', exact' : ''}${match.mirrored ? ', mirrored' : ''})` },
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
  return moderateFrames([{ image, source: bytes, phash: deps.phash }], deps);
}
