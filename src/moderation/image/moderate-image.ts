import { classifyImageSafetyOffThread, decodeImage, type RgbImage } from '../../inference';
import { decide, shadowDecide, type Policy } from '../policy';
import { mergeResults, type Evidence, type ModerationResult } from '../result';
import type { BankMatch } from '../hashbank/bank';
import { moderateImageText } from './image-text';
import { moderateImageQr } from './qr';
import { samePicture, sketch, type Sketch } from './same-picture';
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
  /** A video's batches share one: its last read frame and flag carry over to the next batch. */
  carry?: ReadCarry;
}

/**
 * What reading text carries from one batch of a video's frames to the next: the last frame
 * read (a held picture is read once per video, not once per batch), whether the last frame
 * was flagged (the next one is then read whatever it shows), and how many frames were read.
 */
export interface ReadCarry {
  reference: Sketch | null;
  flagged: boolean;
  reads: number;
}

export const newReadCarry = (): ReadCarry => ({ reference: null, flagged: false, reads: 0 });

/**
 * Frames through the safety model in one batch, each checked against the hash
 * bank, each decided under the policy; the merged result keeps every frame's
 * evidence and the most severe decision. With `readText`, text and QR codes are read
 * on each frame that can show something the last read frame did not (./same-picture.ts),
 * and on every frame after a flagged one (each gets its evidence).
 */
export async function moderateFrames(frames: readonly ImageFrame[], deps: ImageModerationDeps): Promise<ModerationResult> {
  // The safety model (in its worker) runs while OCR reads in its own.
  const [safety, read] = await Promise.all([classifyImageSafetyOffThread(frames.map((f) => f.image)), deps.readText ? readFrames(frames, deps.policy, deps.carry ?? newReadCarry()) : []]);
  const parts: ModerationResult[] = read.flat();
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

/**
 * Text and QR results of each frame (in order), reading only the frames that need it. Which
 * frames differ from the last one read is known before anything is read, so those reads all
 * start at once: OCR's workers work through them while the model workers scan QR codes and run
 * the safety model. A flagged read then also has the frames after it read, one by one. The
 * carry starts from where the video's previous batch ended.
 */
async function readFrames(frames: readonly ImageFrame[], policy: Policy, carry: ReadCarry): Promise<ModerationResult[][]> {
  const sketches = frames.map((f) => sketch(f.image));
  const started = new Map<number, Promise<ModerationResult[]>>();
  const readOne = (f: ImageFrame) => {
    carry.reads++;
    return readFrame(f, policy);
  };
  let reference = carry.reference;
  for (const [i, s] of sketches.entries()) {
    if (reference && samePicture(reference, s)) continue;
    const read = readOne(frames[i]!);
    // Awaited below in order; this only keeps a failure that comes first from going unhandled.
    read.catch(() => {});
    started.set(i, read);
    reference = s;
  }
  carry.reference = reference;
  const out: ModerationResult[][] = [];
  let flagged = carry.flagged;
  for (const [i, f] of frames.entries()) {
    const read: Promise<ModerationResult[]> | null = started.get(i) ?? (flagged ? readOne(f) : null);
    if (!read) {
      out.push([]);
      continue;
    }
    const found: ModerationResult[] = await read;
    out.push(found);
    flagged = found.some((r) => r.decision !== 'pass');
  }
  carry.flagged = flagged;
  return out;
}

/** OCR and the QR scan (each in its worker) of one frame: QR codes carry links OCR cannot read (./qr.ts). */
async function readFrame(f: ImageFrame, policy: Policy): Promise<ModerationResult[]> {
  const where = f.frame ? { frame: f.frame } : {};
  const [text, qr] = await Promise.all([moderateImageText(f.source ?? f.image, policy, where), moderateImageQr(f.image, policy, where)]);
  return [text.result, qr].filter((r): r is ModerationResult => r !== null);
}

export async function moderateImageBytes(bytes: Uint8Array, deps: ImageModerationDeps & { phash?: string }): Promise<ModerationResult> {
  const image = await decodeImage(bytes);
  return moderateFrames([{ image, source: bytes, phash: deps.phash }], deps);
}
