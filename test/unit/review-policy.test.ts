import { describe, expect, it } from 'vitest';
import { agreementTable, type DecidedRow } from '../../src/review/agreement';
import { explainReason, explainStage } from '../../src/review/explain';
import { isOverdue, itemInQueue, mayWork, parseQueueId, priorityOf, slaMinutes, type ModeratorFacts } from '../../src/review/policy';
import { deriveState, type ReviewEvent } from '../../src/review/state';
import { triage } from '../../src/review/triage';

/** The review rules as pure functions: who may work what, priorities, SLAs, state from events, triage, agreement. */
const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const mod = (over: Partial<ModeratorFacts> = {}): ModeratorFacts => ({ id: 'm1', role: 'moderator', tenantIds: null, queues: null, ...over });
const item = (over: Partial<Parameters<typeof mayWork>[1]> = {}) => ({ tenantId: T1, queue: 'media' as const, kind: 'driving_text', categories: ['gambling'], excluded: [], ...over });

describe('who may work an item', () => {
  it('moderators take media and consent; seniors and admins also escalations and appeals', () => {
    for (const queue of ['appeal', 'escalated'] as const) {
      expect(mayWork(mod(), item({ queue }))).toBe(false);
      expect(mayWork(mod({ role: 'senior' }), item({ queue }))).toBe(true);
      expect(mayWork(mod({ role: 'admin' }), item({ queue }))).toBe(true);
    }
    expect(mayWork(mod(), item({ queue: 'consent', kind: 'consent' }))).toBe(true);
  });
  it('tenant scopes, queue scopes and exclusions each keep an item out of reach', () => {
    expect(mayWork(mod({ tenantIds: [T2] }), item())).toBe(false);
    expect(mayWork(mod({ tenantIds: [T1] }), item())).toBe(true);
    expect(mayWork(mod({ queues: ['consent'] }), item())).toBe(false);
    expect(mayWork(mod({ queues: ['category:gambling'] }), item())).toBe(true);
    expect(mayWork(mod({ queues: ['kind:portrait_image'] }), item())).toBe(false);
    expect(mayWork(mod({ role: 'senior' }), item({ queue: 'appeal', excluded: ['m1'] }))).toBe(false);
  });
  it('queue ids parse only when they name something', () => {
    expect(parseQueueId('kind:voice_sample')).toBe('kind:voice_sample');
    expect(parseQueueId('kind:nonsense')).toBeNull();
    expect(parseQueueId('category:gambling')).toBe('category:gambling');
    expect(parseQueueId(`tenant:${T1}`)).toBe(`tenant:${T1}`);
    expect(parseQueueId('tenant:1; drop table')).toBeNull();
    expect(parseQueueId('everything')).toBeNull();
    expect(itemInQueue(item(), `tenant:${T1}`)).toBe(true);
    expect(itemInQueue(item({ queue: 'consent' }), 'category:gambling')).toBe(false);
  });
});

describe('priority and SLA', () => {
  it('harm to children outranks violence, which outranks gambling; a higher score ranks higher', () => {
    const p = (categories: string[], score: number) => priorityOf({ queue: 'media', categories, scores: Object.fromEntries(categories.map((c) => [c, score])) });
    expect(p(['minor_safety'], 0.5)).toBeGreaterThan(p(['violence'], 0.5));
    expect(p(['violence'], 0.5)).toBeGreaterThan(p(['gambling'], 0.5));
    expect(p(['gambling'], 0.9)).toBeGreaterThan(p(['gambling'], 0.5));
    expect(p([], 0)).toBe(20);
    expect(priorityOf({ queue: 'escalated', categories: [], scores: {} })).toBeGreaterThan(p(['terrorism'], 1));
  });
  it('SLA targets default per queue, views take their primary queue, overrides win', () => {
    expect(slaMinutes('consent', {})).toBe(60);
    expect(slaMinutes('kind:portrait_image', {})).toBe(240);
    expect(slaMinutes('kind:portrait_image', { media: 30 })).toBe(30);
    expect(slaMinutes('kind:portrait_image', { 'kind:portrait_image': 10, media: 30 })).toBe(10);
    const created = new Date('2026-01-01T00:00:00Z');
    expect(isOverdue(created, 60, new Date('2026-01-01T01:00:01Z'))).toBe(true);
    expect(isOverdue(created, 60, new Date('2026-01-01T00:59:59Z'))).toBe(false);
  });
});

describe('state from events', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const claimed = (by: string, until: string): ReviewEvent => ({ type: 'claimed', data: { by, lease_until: until } });
  it('a live claim holds; a lapsed one is open again without any event saying so', () => {
    const base: ReviewEvent[] = [{ type: 'created', data: { queue: 'media' } }];
    expect(deriveState([...base, claimed('a', '2026-01-01T00:11:00Z')], now)).toMatchObject({ state: 'claimed', claimedBy: 'a' });
    expect(deriveState([...base, claimed('a', '2026-01-01T00:09:00Z')], now)).toMatchObject({ state: 'open', claimedBy: null });
  });
  it('escalation moves the queue; decisions are final and remember who decided', () => {
    const s = deriveState([
      { type: 'created', data: { queue: 'media' } },
      claimed('a', '2026-01-01T00:11:00Z'),
      { type: 'escalated', data: { by: 'a' } },
      claimed('b', '2026-01-01T00:11:00Z'),
      { type: 'decided', data: { action: 'reject', reason: 'gambling', note: null, by: 'b', at: '2026-01-01T00:05:00Z' } },
    ], now);
    expect(s).toMatchObject({ state: 'decided', queue: 'escalated', deciders: ['a', 'b'], decision: { action: 'reject' } });
  });
  it('an evidence request waits, an answer reopens', () => {
    const s = (extra: ReviewEvent[]) => deriveState([{ type: 'created', data: { queue: 'media' } }, ...extra], now).state;
    expect(s([{ type: 'evidence_requested', data: { by: 'a' } }])).toBe('waiting');
    expect(s([{ type: 'evidence_requested', data: { by: 'a' } }, { type: 'evidence_received', data: {} }])).toBe('open');
  });
});

describe('triage of stage results', () => {
  it('takes the categories of stages that did not pass, the highest scores of all, and the perceptual hash', () => {
    const t = triage([
      { stage: 'probe.image', status: 'pass', evidence: {} },
      { stage: 'moderate.image', status: 'review', reason: 'moderation.review.gambling', evidence: {
        phash: 'abcd', moderation: { scores: { gambling: 0.7, sexual: 0.2 }, evidence: [{ category: 'gambling' }], reasons: ['review.gambling'] },
      } },
      { stage: 'moderate.speech', status: 'pass', evidence: { moderation: { scores: { sexual: 0.4 }, evidence: [{ category: 'sexual' }] } } },
    ]);
    expect(t).toMatchObject({ categories: ['gambling'], reasons: ['moderation.review.gambling'], phash: 'abcd' });
    expect(t.scores).toMatchObject({ gambling: 0.7, sexual: 0.4 });
  });
});

describe('agreement and explanations', () => {
  it('counts upheld and overturned per category, in score bands', () => {
    const rows: DecidedRow[] = [
      { categories: ['gambling'], scores: { gambling: 0.55 }, decision: { action: 'approve' } },
      { categories: ['gambling'], scores: { gambling: 0.95 }, decision: { action: 'reject' } },
      { categories: ['gambling', 'fraud'], scores: { gambling: 1, fraud: 0.3 }, decision: { action: 'reject' } },
      { categories: ['fraud'], scores: { fraud: 0.3 }, decision: null },
    ];
    const [g, f] = agreementTable(rows);
    expect(g).toMatchObject({ category: 'gambling', decided: 3, upheld: 2, overturned: 1 });
    expect(g!.overturn_rate).toBeCloseTo(1 / 3);
    expect(g!.bands.find((b) => b.from === 0.4)).toMatchObject({ decided: 1, overturned: 1 });
    expect(g!.bands.find((b) => b.from === 0.8)).toMatchObject({ decided: 2, overturned: 0, to: 1 });
    expect(f).toMatchObject({ category: 'fraud', decided: 1, upheld: 1 });
  });
  it('says why in plain words, with a readable fallback for codes it does not know', () => {
    expect(explainReason('moderation.review.gambling')).toMatch(/^Gambling: .*review threshold/);
    expect(explainReason('moderation.block.sexual')).toMatch(/block threshold/);
    expect(explainStage('consent', 'review', 'liveness.unvalidated_model')).toMatch(/needs a person: Liveness is for a person/);
    expect(explainReason('media.some_new_thing')).toBe('media some new thing.');
    expect(explainStage('probe.image', 'pass', null)).toBe('probe image passed.');
  });
});
