import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/consent/receipts';
import { expireDue } from '../../src/consent/revocation';
import { processMedia } from '../../src/worker/process-media';
import { derivedPrefix, keptKey, quarantineKey } from '../../storage/keys';
import { backends, getItem, startService, upload, type Service } from '../support/harness';

import { attestation, call, markVerified, speech, subject } from './support';

describe.each(backends())('consent revocation and expiry on %s', (backend) => {
  let svc: Service;
  let audio: Buffer;
  // No background worker: the test decides which items get processed before the revocation.
  beforeAll(async () => {
    svc = await startService(backend, { worker: false });
    audio = speech();
  });
  afterAll(async () => svc?.close());

  const process = (id: string) => processMedia(svc.ctx, id, 'test-worker', new AbortController().signal);
  const queued = async (consentId: string) => {
    const up = await upload(svc, 'voice_sample', audio, { query: { consent_id: consentId } });
    expect(up.status).toBe(202);
    return up.body.id as string;
  };

  it('revoke (policy delete): queued items are never processed, derived objects are gone from S3, the receipt lists them', async () => {
    const a = await attestation(svc, await subject(svc));
    await markVerified(svc, a.id);
    const done = await queued(a.id);
    await process(done);
    // Decided (released, or review where a later moderation stage has no model): either way, before the revocation.
    expect((await getItem(svc, done)).body.decision).not.toBeNull();
    const tenant = (await getItem(svc, done)).body.tags.tenant as string;
    // A derivative made from the released item (a frame, a transcript) lives under its derived prefix.
    await svc.ctx.store.putStream(`${derivedPrefix(tenant, done)}transcript.txt`, Readable.from([Buffer.from('hello')]), 'text/plain', {
      tenant, kind: 'voice_sample', state: 'released', retention: 'until_deleted', category: 'biometric',
    });
    const waiting = [await queued(a.id), await queued(a.id)];

    const r = await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, { reason: 'subject asked' });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('revoked');
    expect(r.body.report.not_processed.map((x: { media_id: string }) => x.media_id).sort()).toEqual([...waiting].sort());
    expect(r.body.report.made_before).toEqual([
      expect.objectContaining({ media_id: done, action: 'deleted', objects: expect.arrayContaining([`${derivedPrefix(tenant, done)}transcript.txt`]) }),
    ]);
    // Three: the two waiting, plus the processed item's own job, which the test never claimed.
    expect(r.body.report.jobs_cancelled).toBe(3);

    // Listing proves it: nothing left under any prefix of any of the three items.
    for (const id of [done, ...waiting]) {
      for (const prefix of [quarantineKey(tenant, id), keptKey(tenant, id), derivedPrefix(tenant, id)]) {
        expect(await svc.ctx.store.listKeys(prefix)).toEqual([]);
      }
    }
    // A worker that picks a queued item up after the revocation finds nothing to process.
    for (const id of waiting) await process(id);
    expect(await svc.ctx.db.query(`select id from media where consent_id = $1`, [a.id])).toEqual([]);
    const jobs = await svc.ctx.db.query<{ state: string }>(`select state from jobs where payload->>'mediaId' = any($1)`, [waiting]);
    expect(jobs.map((j) => j.state)).toEqual(['dead', 'dead']);

    // What was decided before is recorded as such; new uploads are refused at once.
    const marks = (await call(svc, 'GET', `/v1/consents/${a.id}/media`)).body.items as { media_id: string; mark: string }[];
    expect(Object.fromEntries(marks.map((m) => [m.media_id, m.mark]))).toEqual({
      [done]: 'made_before_revocation', [waiting[0]!]: 'not_processed', [waiting[1]!]: 'not_processed',
    });
    expect((await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id } })).body.code).toBe('consent.revoked');
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, {})).body.code).toBe('consent.conflict');

    const key = (await call(svc, 'GET', '/v1/consent-receipts/key')).body.public_pem as string;
    expect(verifyReceipt(key, r.body.receipt)).toBe(true);
    expect(r.body.receipt.body.event.type).toBe('revocation_completed');
    expect(JSON.stringify(r.body.receipt.body.event.data)).toContain(`${derivedPrefix(tenant, done)}transcript.txt`);
    const events = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body.events.map((e: { type: string }) => e.type);
    expect(events).toEqual(['created', 'revoked', 'revocation_completed']);
  });

  it('revoke (policy restrict): decided items stay but are no longer handed out, tagged restricted', async () => {
    const a = await attestation(svc, await subject(svc), { revocation_policy: 'restrict' });
    await markVerified(svc, a.id);
    const done = await queued(a.id);
    await process(done);
    expect((await getItem(svc, done)).body.decision).not.toBeNull();
    const r = await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, {});
    expect(r.body.report.made_before).toEqual([expect.objectContaining({ media_id: done, action: 'restricted' })]);
    const item = (await getItem(svc, done)).body;
    expect(item).toMatchObject({ state: 'blocked', reason: 'consent.revoked', download: null });
    expect(item.tags.state).toBe('restricted');
  });

  it('expiry at its time does the same: state expired, queued items dropped, receipts issued', async () => {
    const a = await attestation(svc, await subject(svc), { valid_until: new Date(Date.now() + 1500).toISOString() });
    const waiting = await queued(a.id);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await expireDue(svc.ctx)).toBeGreaterThanOrEqual(1);
    const got = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body;
    expect(got.state).toBe('expired');
    expect(got.events.map((e: { type: string }) => e.type)).toEqual(['created', 'expired', 'expiry_completed']);
    expect(await svc.ctx.db.query('select id from media where id = $1', [waiting])).toEqual([]);
    expect((await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id } })).body.code).toBe('consent.expired');
  });
});
