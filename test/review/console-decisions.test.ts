import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveState, type ReviewEvent } from '../../src/review/state';
import { listItemEvents, getItem } from '../../src/review/repo';
import { backends, startService, type Service } from '../support/harness';
import { verifiedConsent } from '../support/consent';
import { api, moderator, reviewEverything, reviewItemOf, textInReview } from './support';

/**
 * Claims, decisions, escalation, evidence requests, appeals and scopes on the real service.
 * Every check that a decision "happened" reads what it must have changed: the media row, the
 * S3 object and its tags, the event logs and the outbox.
 */
describe.each(backends())('review decisions on %s', (backend) => {
  let svc: Service;
  let tenantB: string;
  beforeAll(async () => {
    svc = await startService(backend);
    await reviewEverything(svc);
    await reviewEverything(svc, svc.keyB);
    tenantB = (await svc.ctx.db.query<{ id: string }>(`select id from tenants where name = 'tenant-b'`))[0]!.id;
  });
  afterAll(async () => svc?.close());

  /** The row's state must be what its events say. */
  const expectDerived = async (itemId: string) => {
    const row = (await getItem(svc.ctx.db, itemId))!;
    const events = (await listItemEvents(svc.ctx.db, itemId)) as unknown as ReviewEvent[];
    const d = deriveState(events, new Date());
    expect({ state: d.state, queue: d.queue }).toEqual({ state: row.state, queue: row.queue });
    return { row, events };
  };
  const mediaRow = async (id: string) => (await svc.ctx.db.query<any>('select * from media where id = $1', [id]))[0];

  it('a reject by a moderator blocks the item: state, S3 tags, event logs and outbox all say so', async () => {
    const mediaId = await textInReview(svc);
    const itemId = await reviewItemOf(svc, mediaId);
    const mod = await moderator(svc, 'moderator');
    const claimed = await mod.claim(itemId);
    expect(claimed.status).toBe(200);
    expect(claimed.body.item).toMatchObject({ claimed_by_me: true, categories: ['gambling'], kind: 'driving_text' });
    expect(claimed.body.item.stages.find((s: any) => s.stage === 'moderate.text').explanation).toMatch(/Gambling/);
    const noReason = await mod.decide(itemId, { action: 'reject' });
    expect(noReason.body.code).toBe('review.invalid_decision');
    const done = await mod.decide(itemId, { action: 'reject', reason: 'gambling', note: 'casino advert' });
    expect(done.status).toBe(200);
    const m = await mediaRow(mediaId);
    expect(m).toMatchObject({ state: 'blocked', decision: 'block', reason_code: 'review.gambling' });
    expect(await svc.ctx.store.getTags(m.object_key)).toMatchObject({ state: 'blocked' });
    expect(m.object_key).toMatch(/^quarantine\//);
    const { events } = await expectDerived(itemId);
    expect(events.map((e) => e.type)).toEqual(['created', 'claimed', 'decided']);
    const outbox = await svc.ctx.db.query<any>(`select type, payload from outbox where payload->>'item_id' = $1`, [itemId]);
    expect(outbox).toMatchObject([{ type: 'review.decided', payload: { media_id: mediaId, state: 'blocked' } }]);
    const review = await api(svc, 'GET', `/v1/media/${mediaId}/review`);
    expect(review.body.reviews[0]).toMatchObject({ state: 'decided', decision: { action: 'reject', reason: 'gambling' } });
    expect((await mod.decide(itemId, { action: 'approve' })).body.code).toBe('review.decided');
  });

  it('an approve releases the item to kept/ with its tags, as the pipeline would', async () => {
    const mediaId = await textInReview(svc);
    const itemId = await reviewItemOf(svc, mediaId);
    const mod = await moderator(svc, 'moderator');
    expect((await mod.decide(itemId, { action: 'approve' })).body.code).toBe('review.not_claimed');
    await mod.claim(itemId);
    expect((await mod.decide(itemId, { action: 'approve' })).status).toBe(200);
    const m = await mediaRow(mediaId);
    expect(m).toMatchObject({ state: 'released', decision: 'pass' });
    expect(m.object_key).toMatch(/^kept\//);
    expect(await svc.ctx.store.getTags(m.object_key)).toMatchObject({ state: 'released', kind: 'driving_text' });
    expect(await svc.ctx.store.exists(m.object_key.replace(/^kept\//, 'quarantine/'))).toBe(false);
    const item = await api(svc, 'GET', `/v1/media/${mediaId}`);
    expect(item.body.download.url).toMatch(/^http/);
  });

  it('never hands one item to two moderators, however many ask at once', async () => {
    const ids = [] as string[];
    for (let i = 0; i < 4; i++) ids.push(await reviewItemOf(svc, await textInReview(svc)));
    const mods = await Promise.all([1, 2, 3, 4].map(() => moderator(svc, 'moderator')));
    // Eight claims at once from four moderators over what is open now.
    const open = (await mods[0]!.call('GET', '/review/api/queues/all/items?limit=200')).body.items.length;
    const got = await Promise.all([...mods, ...mods].map((m) => m.claimNext('kind:driving_text')));
    const claimed = got.map((g) => g.body.item?.id).filter(Boolean);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(Math.min(8, open));
    const holders = await svc.ctx.db.query<{ id: string; claimed_by: string }>(`select id, claimed_by from review_items where state = 'claimed'`);
    expect(new Set(holders.map((h) => h.id)).size).toBe(holders.length);
    // Someone else's live claim is a conflict, not a takeover.
    const first = got.find((g) => g.body.item)!.body.item.id;
    const holder = mods[got.findIndex((g) => g.body.item?.id === first) % 4]!;
    const other = mods.find((m) => m !== holder)!;
    expect((await other.claim(first)).body.code).toBe('review.claimed');
    for (const [i, g] of got.entries()) if (g.body.item) await mods[i % 4]!.call('POST', `/review/api/items/${g.body.item.id}/release`);
    await expectDerived(first);
  });

  it('a lease that runs out returns the item by itself, and the next claim records whose it was', async () => {
    const itemId = await reviewItemOf(svc, await textInReview(svc));
    const a = await moderator(svc, 'moderator');
    const b = await moderator(svc, 'moderator');
    const lease = svc.ctx.config.review.leaseSeconds;
    svc.ctx.config.review.leaseSeconds = 1;
    try {
      expect((await a.claim(itemId)).status).toBe(200);
      expect((await b.claim(itemId)).body.code).toBe('review.claimed');
      await new Promise((r) => setTimeout(r, 1300));
      expect((await a.decide(itemId, { action: 'approve' })).body.code).toBe('review.not_claimed');
      expect((await b.claim(itemId)).status).toBe(200);
    } finally {
      svc.ctx.config.review.leaseSeconds = lease;
    }
    const { events } = await expectDerived(itemId);
    expect(events.map((e) => e.type)).toEqual(['created', 'claimed', 'lease_expired', 'claimed']);
  });

  it('escalation goes to seniors only; an evidence request parks the item until the tenant answers', async () => {
    const itemId = await reviewItemOf(svc, await textInReview(svc));
    const mod = await moderator(svc, 'moderator');
    const senior = await moderator(svc, 'senior');
    await mod.claim(itemId);
    expect((await mod.decide(itemId, { action: 'escalate', note: 'not sure' })).status).toBe(200);
    expect((await mod.item(itemId)).status).toBe(404);
    expect((await mod.call('GET', '/review/api/queues')).body.queues.map((q: any) => q.id)).not.toContain('escalated');
    const queues = (await senior.call('GET', '/review/api/queues')).body.queues;
    expect(queues.find((q: any) => q.id === 'escalated').count).toBeGreaterThanOrEqual(1);
    expect((await senior.claimNext('escalated')).body.item.id).toBe(itemId);
    expect((await senior.decide(itemId, { action: 'request_evidence', note: 'who is this?' })).status).toBe(200);
    const mediaId = (await getItem(svc.ctx.db, itemId))!.media_id!;
    expect((await getItem(svc.ctx.db, itemId))!.state).toBe('waiting');
    const answer = await api(svc, 'POST', `/v1/media/${mediaId}/evidence`, { note: 'our own actor, contract attached' });
    expect(answer.status).toBe(202);
    expect((await api(svc, 'POST', `/v1/media/${mediaId}/evidence`, { note: 'again' })).body.code).toBe('review.not_waiting');
    const { row, events } = await expectDerived(itemId);
    expect(row.state).toBe('open');
    expect(events.map((e) => e.type)).toEqual(['created', 'claimed', 'escalated', 'claimed', 'evidence_requested', 'evidence_received']);
  });

  it('an appeal reaches a second senior and never the one who decided; its outcome is final', async () => {
    const mediaId = await textInReview(svc);
    const itemId = await reviewItemOf(svc, mediaId);
    const first = await moderator(svc, 'senior');
    const second = await moderator(svc, 'senior');
    await first.claim(itemId);
    await first.decide(itemId, { action: 'reject', reason: 'gambling' });
    const appeal = await api(svc, 'POST', `/v1/media/${mediaId}/appeals`, { statement: 'This is a card game tutorial, no money.' });
    expect(appeal.status).toBe(201);
    expect((await api(svc, 'POST', `/v1/media/${mediaId}/appeals`, { statement: 'again' })).body.code).toBe('appeal.exists');
    const appealItem = (await svc.ctx.db.query<{ id: string }>(`select id from review_items where appeal_id = $1`, [appeal.body.id]))[0]!.id;
    expect((await first.item(appealItem)).status).toBe(404);
    expect((await first.claim(appealItem)).status).toBe(404);
    for (let i = 0; i < 20; i++) {
      const next = (await first.claimNext('appeal')).body.item;
      if (!next) break;
      expect(next.id).not.toBe(appealItem);
    }
    const view = (await second.claim(appealItem)).body.item;
    expect(view.appeal).toMatchObject({ statement: 'This is a card game tutorial, no money.', original: { action: 'reject', reason: 'gambling' } });
    expect((await second.decide(appealItem, { action: 'approve', note: 'a tutorial, no stakes' })).status).toBe(200);
    expect(await mediaRow(mediaId)).toMatchObject({ state: 'released' });
    const review = (await api(svc, 'GET', `/v1/media/${mediaId}/review`)).body;
    expect(review.appeal).toMatchObject({ state: 'overturned', final: true, outcome_reason: 'a tutorial, no stakes' });
    const plain = await moderator(svc, 'moderator');
    expect((await api(svc, 'POST', `/v1/media/${mediaId}/appeals`, { statement: 'x' })).body.code).toBe('appeal.not_appealable');
    expect((await plain.call('GET', '/review/api/queues')).body.queues.map((q: any) => q.id)).not.toContain('appeal');
  });

  it('a moderator scoped to tenant B cannot open, claim or list tenant A’s items', async () => {
    const itemA = await reviewItemOf(svc, await textInReview(svc));
    const itemB = await reviewItemOf(svc, await textInReview(svc, `Join our online casino now ${Math.random()}`, svc.keyB));
    const scoped = await moderator(svc, 'moderator', { tenantIds: [tenantB] });
    expect((await scoped.item(itemA))).toMatchObject({ status: 404, body: { code: 'review.not_found' } });
    expect((await scoped.claim(itemA)).status).toBe(404);
    const listed = (await scoped.call('GET', '/review/api/queues/all/items?limit=200')).body.items;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((i: any) => i.tenant_id === tenantB)).toBe(true);
    expect(listed.map((i: any) => i.id)).toContain(itemB);
    expect((await scoped.item(itemB)).status).toBe(200);
  });

  it('same-hash bulk decisions decide every open copy, each with its own events', async () => {
    const text = `Join our online casino now, copy ${Math.random()}`;
    const ids = [await textInReview(svc, text), await textInReview(svc, text), await textInReview(svc, text)];
    const items = await Promise.all(ids.map((id) => reviewItemOf(svc, id)));
    const mod = await moderator(svc, 'moderator');
    const view = (await mod.claim(items[0]!)).body.item;
    expect(view.same_hash_open).toBe(2);
    const out = (await mod.decide(items[0]!, { action: 'reject', reason: 'gambling', same_hash: true })).body;
    expect(out.also_decided.sort()).toEqual(items.slice(1).sort());
    for (const id of ids) expect((await mediaRow(id)).state).toBe('blocked');
    for (const id of items.slice(1)) expect((await expectDerived(id)).row.decision).toMatchObject({ action: 'reject', reason: 'gambling' });
  });

  it('a consent ceremony in review is settled by a moderator with a signed receipt and an outbox event', async () => {
    const consentId = await verifiedConsent(svc);
    await svc.ctx.db.query(`update consent_attestations set verification = 'review' where id = $1`, [consentId]);
    const mod = await moderator(svc, 'moderator');
    const consentQueue = (await mod.call('GET', '/review/api/queues')).body.queues.find((q: any) => q.id === 'consent');
    expect(consentQueue.count).toBeGreaterThanOrEqual(1);
    let item = (await mod.claimNext('consent')).body.item;
    while (item && item.consent.attestation.id !== consentId) item = (await mod.claimNext('consent')).body.item;
    expect(item.consent.attestation).toMatchObject({ scopes: ['face', 'voice'], verification: 'review' });
    expect((await mod.decide(item.id, { action: 'approve', note: 'same person, live' })).status).toBe(200);
    const [a] = await svc.ctx.db.query<{ verification: string }>('select verification from consent_attestations where id = $1', [consentId]);
    expect(a!.verification).toBe('verified');
    const events = await svc.ctx.db.query<{ type: string; actor: string }>(`select type, actor from consent_events where attestation_id = $1 order by id`, [consentId]);
    expect(events.at(-1)).toMatchObject({ type: 'verified', actor: expect.stringMatching(/^moderator:/) });
    const outbox = await svc.ctx.db.query<any>(`select type from outbox where payload->>'attestation_id' = $1`, [consentId]);
    expect(outbox.map((o) => o.type)).toEqual(['consent.verified']);
  });

  it('the dashboard counts decisions per moderator and model-vs-moderator agreement per category', async () => {
    const admin = await moderator(svc, 'admin');
    const d = (await admin.call('GET', '/review/api/dashboard')).body;
    const gambling = d.agreement.find((a: any) => a.category === 'gambling');
    const [counts] = await svc.ctx.db.query<{ upheld: string; overturned: string }>(
      `select count(*) filter (where decision->>'action' = 'reject') as upheld, count(*) filter (where decision->>'action' = 'approve') as overturned
       from review_items where state = 'decided' and 'gambling' = any(categories)`,
    );
    expect(gambling).toMatchObject({ upheld: Number(counts!.upheld), overturned: Number(counts!.overturned) });
    expect(gambling.bands.reduce((n: number, b: any) => n + b.decided, 0)).toBe(gambling.decided);
    expect(d.per_moderator.reduce((n: number, m: any) => n + m.decisions, 0)).toBeGreaterThan(0);
    expect((await admin.call('PUT', '/review/api/queues/consent/sla', { minutes: 30 })).status).toBe(200);
    expect((await admin.call('GET', '/review/api/queues')).body.queues.find((q: any) => q.id === 'consent').sla_minutes).toBe(30);
    const mod = await moderator(svc, 'moderator');
    expect((await mod.call('PUT', '/review/api/queues/consent/sla', { minutes: 5 })).body.code).toBe('review.forbidden');
  });
  it('deleting the media takes its review item and appeal with it, counted in the receipt; a revoked ceremony leaves the queue', async () => {
    const mediaId = await textInReview(svc);
    const itemId = await reviewItemOf(svc, mediaId);
    const mod = await moderator(svc, 'senior');
    await mod.claim(itemId);
    await mod.decide(itemId, { action: 'reject', reason: 'gambling' });
    expect((await api(svc, 'POST', `/v1/media/${mediaId}/appeals`, { statement: 'please look again' })).status).toBe(201);
    const del = await api(svc, 'DELETE', `/v1/media/${mediaId}`);
    expect(del.status).toBe(200);
    expect(del.body.rows_deleted).toMatchObject({ media: 1, review_items: 2, appeals: 1 });
    expect(await svc.ctx.db.query('select 1 from review_items where media_id = $1', [mediaId])).toEqual([]);
    expect((await mod.item(itemId)).status).toBe(404);

    const consentId = await verifiedConsent(svc);
    await svc.ctx.db.query(`update consent_attestations set verification = 'review' where id = $1`, [consentId]);
    await mod.call('GET', '/review/api/queues');
    const [open] = await svc.ctx.db.query<{ id: string }>(`select id from review_items where attestation_id = $1`, [consentId]);
    expect(open).toBeTruthy();
    expect((await api(svc, 'POST', `/v1/consents/${consentId}/revoke`, { reason: 'subject withdrew' })).status).toBe(200);
    const listed = (await mod.call('GET', '/review/api/queues/consent/items?limit=200')).body.items.map((i: any) => i.id);
    expect(listed).not.toContain(open!.id);
  });
});
