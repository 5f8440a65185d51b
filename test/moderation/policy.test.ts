import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CATEGORIES, zeroScores } from '../../src/moderation/taxonomy.js';
import type { Category } from '../../src/moderation/taxonomy.js';
import {
  DEFAULT_POLICY,
  PolicySpecSchema,
  decide,
  resolvePolicy,
  shadowDecide,
} from '../../src/moderation/policy.js';
import type { Policy } from '../../src/moderation/policy.js';
import type { Decision, Scores } from '../../src/moderation/result.js';

const SEVERITY: Record<Decision, number> = { pass: 0, review: 1, block: 2 };
const scoresArb = fc
  .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: CATEGORIES.length, maxLength: CATEGORIES.length })
  .map((xs) => Object.fromEntries(CATEGORIES.map((c, i) => [c, xs[i] ?? 0])) as Scores);
const categoryArb = fc.constantFrom(...CATEGORIES);

function withThreshold(p: Policy, c: Category, key: 'review' | 'block', v: number | null): Policy {
  return { ...p, thresholds: { ...p.thresholds, [c]: { ...p.thresholds[c], [key]: v } } };
}

describe('decide', () => {
  it('passes all-zero scores and blocks a score above the block threshold', () => {
    expect(decide(zeroScores(), DEFAULT_POLICY)).toEqual({ decision: 'pass', reasons: [] });
    const s = { ...zeroScores(), gambling: 0.97 };
    expect(decide(s, DEFAULT_POLICY)).toEqual({ decision: 'block', reasons: ['block.gambling'] });
    const r = { ...zeroScores(), abuse: 0.6, fraud: 0.55 };
    expect(decide(r, DEFAULT_POLICY)).toEqual({ decision: 'review', reasons: ['review.fraud', 'review.abuse'] });
  });

  it('a missing or NaN score goes to review, never pass', () => {
    const s = { ...zeroScores(), violence: Number.NaN };
    expect(decide(s, DEFAULT_POLICY)).toEqual({ decision: 'review', reasons: ['invalid_score.violence'] });
    const { fraud: _omit, ...missing } = zeroScores();
    expect(decide(missing as Scores, DEFAULT_POLICY).decision).toBe('review');
  });

  it('a list hit blocks even when thresholds are off', () => {
    const off = withThreshold(withThreshold(DEFAULT_POLICY, 'fraud', 'block', null), 'fraud', 'review', null);
    const v = decide(zeroScores(), off, [{ category: 'fraud', term: 'x' }]);
    expect(v).toEqual({ decision: 'block', reasons: ['list.block.fraud'] });
  });

  it('property: raising a block threshold never turns pass or review into block', () => {
    fc.assert(
      fc.property(scoresArb, categoryArb, fc.double({ min: 0, max: 1, noNaN: true }), (s, c, up) => {
        const before = decide(s, DEFAULT_POLICY).decision;
        const cur = DEFAULT_POLICY.thresholds[c].block ?? 1;
        const after = decide(s, withThreshold(DEFAULT_POLICY, c, 'block', Math.min(1, cur + up))).decision;
        if (before !== 'block') expect(after).not.toBe('block');
        expect(SEVERITY[after]).toBeLessThanOrEqual(SEVERITY[before]);
      }),
    );
  });

  it('property: a higher score never softens the decision', () => {
    fc.assert(
      fc.property(scoresArb, categoryArb, fc.double({ min: 0, max: 1, noNaN: true }), (s, c, up) => {
        const raised = { ...s, [c]: Math.min(1, s[c] + up) };
        expect(SEVERITY[decide(raised, DEFAULT_POLICY).decision]).toBeGreaterThanOrEqual(
          SEVERITY[decide(s, DEFAULT_POLICY).decision],
        );
      }),
    );
  });

  it('property: pass exactly when every score is under its review and block thresholds', () => {
    fc.assert(
      fc.property(scoresArb, (s) => {
        const under = CATEGORIES.every((c) => {
          const t = DEFAULT_POLICY.thresholds[c];
          return (t.review === null || s[c] < t.review) && (t.block === null || s[c] < t.block);
        });
        expect(decide(s, DEFAULT_POLICY).decision === 'pass').toBe(under);
      }),
    );
  });
});

describe('resolvePolicy', () => {
  const spec = PolicySpecSchema.parse({
    id: 'tenant-a',
    version: '7',
    thresholds: { abuse: { block: null }, gambling: { review: 0.2 } },
    kinds: { driving_text: { gambling: { block: 0.6 } } },
    blockList: [{ term: 'acme-casino', category: 'gambling' }],
  });

  it('layers defaults, tenant and kind overrides', () => {
    const base = resolvePolicy(spec);
    expect(base.thresholds.abuse).toEqual({ review: 0.5, block: null });
    expect(base.thresholds.gambling).toEqual({ review: 0.2, block: 0.85 });
    expect(resolvePolicy(spec, 'driving_text').thresholds.gambling).toEqual({ review: 0.2, block: 0.6 });
    expect(resolvePolicy(spec, 'portrait_image').thresholds.gambling.block).toBe(0.85);
    expect(base.blockList).toHaveLength(1);
    // defaults stay untouched by tenant overrides
    expect(DEFAULT_POLICY.thresholds.abuse.block).toBe(0.9);
  });

  it('rejects thresholds outside [0,1] and unknown categories at the edge', () => {
    expect(PolicySpecSchema.safeParse({ id: 'x', version: '1', thresholds: { abuse: { block: 1.5 } } }).success).toBe(false);
    expect(PolicySpecSchema.safeParse({ id: 'x', version: '1', blockList: [{ term: 'a', category: 'spam' }] }).success).toBe(false);
  });
});

describe('shadowDecide', () => {
  it('reports what a stricter candidate would do without changing the active verdict', () => {
    const s = { ...zeroScores(), abuse: 0.7 };
    const strict = resolvePolicy({ id: 'strict', version: '2', thresholds: { abuse: { block: 0.6 } } });
    const [v] = shadowDecide(s, [strict]);
    expect(v).toEqual({ policyId: 'strict@2', decision: 'block', reasons: ['block.abuse'] });
    expect(decide(s, DEFAULT_POLICY).decision).toBe('review');
  });
});
