import { DEFAULT_SAMPLING, sampleFrames, type SampledFrame } from '../../src/media/frames';
import { lookup } from '../../src/moderation/hashbank/bank';
import { perceptualHash } from '../../src/moderation/hashbank/phash';
import { moderateFrames, newReadCarry } from '../../src/moderation/image/moderate-image';
import { mergeResults, type ModerationResult } from '../../src/moderation/result';
import { policiesFor } from '../../src/moderation/store/policies';
import { mergeSegments } from '../../src/moderation/video/segments';
import type { Stage } from '../types';
import { unlessModelFails } from './model-guard';
import { moderationOutcome } from './moderation-outcome';

const BATCH = 8;

/**
 * Video frames: sampled at least every second and at scene changes (never the
 * first frame only), each through the image path and the hash bank, in batches;
 * the first batch with a block ends decoding early. Text is read on the frames that can show
 * something the last read frame did not, across batches (a held picture is read once). Evidence
 * carries frame indices, timestamps, merged time segments and how many frames were read.
 */
export const moderateVideoStage: Stage = {
  name: 'moderate.video',
  role: 'moderation',
  run: ({ media, file, limits, capabilities, facts, signal }) =>
    unlessModelFails(async () => {
      const av = facts.av as { video?: { width?: number; height?: number } } | undefined;
      const width = av?.video?.width;
      const height = av?.video?.height;
      if (!width || !height) throw new Error('moderate.video needs probe.video to run first');
      const db = capabilities.account?.db;
      const { active, shadow } = await policiesFor(db, media.tenantId, media.kind);
      const carry = newReadCarry();
      const deps = { policy: active, shadow, readText: true, carry, lookup: db ? (p: string) => lookup(db, media.tenantId, undefined, p) : undefined };

      const parts: ModerationResult[] = [];
      let sampled = 0;
      let batch: SampledFrame[] = [];
      const flush = async () => {
        const frames = await Promise.all(
          batch.map(async (f) => ({ image: f.image, frame: { index: f.index, timestampMs: f.timestampMs }, phash: await perceptualHash(f.image) })),
        );
        batch = [];
        const part = await moderateFrames(frames, deps);
        parts.push(part);
        return part.decision === 'block';
      };
      let stoppedEarly = false;
      for await (const frame of sampleFrames(limits.ffmpegPath, file, { width, height }, DEFAULT_SAMPLING, signal)) {
        sampled++;
        batch.push(frame);
        if (batch.length === BATCH && (await flush())) {
          stoppedEarly = true;
          break;
        }
      }
      if (!stoppedEarly && batch.length) await flush();
      const result = mergeResults('video', parts);
      const outcome = moderationOutcome(result);
      return {
        ...outcome,
        evidence: {
          ...outcome.evidence,
          framesSampled: sampled,
          framesRead: carry.reads,
          stoppedEarly,
          sampling: DEFAULT_SAMPLING,
          segments: mergeSegments(result.evidence, DEFAULT_SAMPLING.intervalSeconds * 1000 * 1.5),
        },
      };
    }),
};
