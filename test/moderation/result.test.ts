import { describe, expect, it } from 'vitest';
import { zeroScores } from '../../src/moderation/taxonomy.js';
import { ModerationResultSchema, mergeResults } from '../../src/moderation/result.js';
import type { ModerationResult } from '../../src/moderation/result.js';

const frame = (i: number, porn: number, decision: ModerationResult['decision']): ModerationResult => ({
  modality: 'image',
  scores: { ...zeroScores(), sexual: porn },
  decision,
  reasons: decision === 'pass' ? [] : [`${decision}.sexual`],
  evidence: [
    { category: 'sexual', subtype: 'porn', score: porn, source: 'model', model: { name: 'nsfw', version: '1' }, frame: { index: i, timestampMs: i * 1000 } },
  ],
});

describe('mergeResults', () => {
  it('takes the max per category, concatenates evidence, keeps the most severe decision', () => {
    const m = mergeResults('video', [frame(0, 0.1, 'pass'), frame(7, 0.95, 'block'), frame(8, 0.6, 'review')]);
    expect(m.scores.sexual).toBe(0.95);
    expect(m.decision).toBe('block');
    expect(m.evidence.map((e) => e.frame?.index)).toEqual([0, 7, 8]);
    expect(m.reasons).toEqual(['block.sexual', 'review.sexual']);
    expect(ModerationResultSchema.parse(m)).toEqual(m);
  });

  it('fails closed on nothing to merge', () => {
    expect(mergeResults('audio', []).decision).toBe('review');
  });

  it('the schema rejects scores outside [0,1] and missing categories', () => {
    const bad = { ...frame(0, 0.1, 'pass'), scores: { ...zeroScores(), abuse: 1.2 } };
    expect(ModerationResultSchema.safeParse(bad).success).toBe(false);
    const { fraud: _omit, ...missing } = zeroScores();
    expect(ModerationResultSchema.safeParse({ ...frame(0, 0.1, 'pass'), scores: missing }).success).toBe(false);
  });
});
