import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/consent/receipts';
import { backends, startService, upload, waitDecided, type Service } from '../support/harness';
import { jpeg } from '../support/media';
import { attestation, call, inDays, markVerified, speech, subject } from './support';

describe.each(backends())('consent attestations on %s', (backend) => {
  let svc: Service;
  let image: Buffer;
  let audio: Buffer;
  beforeAll(async () => {
    svc = await startService(backend);
    image = await jpeg();
    audio = speech();
  });
  afterAll(async () => svc?.close());

  it('lives: created with a signed receipt, document stored with its hash, suspended, resumed, history kept', async () => {
    const sid = await subject(svc);
    const a = await attestation(svc, sid, { cross_border: true, cross_border_details: { recipient: 'Render GmbH', country: 'DE' } });
    expect(a).toMatchObject({ subject_id: sid, relation: 'self', state: 'active', verification: 'unverified', document: null, cross_border: true });

    const key = (await call(svc, 'GET', '/v1/consent-receipts/key')).body;
    expect(key.algorithm).toBe('Ed25519');
    expect(a.receipt.body).toMatchObject({ consent: { attestation_id: a.id, scopes: ['face', 'voice'] }, event: { type: 'created' } });
    expect(verifyReceipt(key.public_pem, a.receipt)).toBe(true);
    const forged = { ...a.receipt, body: { ...a.receipt.body, consent: { ...a.receipt.body.consent, scopes: ['face', 'voice', 'x'] } } };
    expect(verifyReceipt(key.public_pem, forged)).toBe(false);

    const doc = Buffer.from('%PDF-1.4 signed authorisation of Jane Doe');
    const put = await fetch(`${svc.baseUrl}/v1/consents/${a.id}/document`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'application/pdf' },
      body: doc,
    });
    expect(put.status).toBe(200);
    const withDoc = (await put.json()) as Record<string, any>;
    expect(withDoc.document).toEqual({ sha256: createHash('sha256').update(doc).digest('hex'), content_type: 'application/pdf' });
    const tenant = (a.receipt.body.controller as { tenant: string }).tenant;
    expect(await svc.ctx.store.listKeys(`consent/${tenant}/${a.id}/`)).toEqual([`consent/${tenant}/${a.id}/document`]);

    expect((await call(svc, 'POST', `/v1/consents/${a.id}/suspend`)).body.state).toBe('suspended');
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/suspend`)).body.code).toBe('consent.conflict');
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/resume`)).body.state).toBe('active');

    const got = await call(svc, 'GET', `/v1/consents/${a.id}`);
    expect(got.body.events.map((e: { type: string }) => e.type)).toEqual(['created', 'evidence_added', 'suspended', 'resumed']);
    const receipts = (await call(svc, 'GET', `/v1/consents/${a.id}/receipts`)).body.items as { body: any; signature: string }[];
    expect(receipts).toHaveLength(4);
    expect(receipts.every((r) => verifyReceipt(key.public_pem, r))).toBe(true);
    expect(receipts[1]!.body.consent.document_sha256).toBe(withDoc.document.sha256);
  });

  it('refuses invalid attestations with the reason', async () => {
    const sid = await subject(svc);
    const bad = async (over: Record<string, unknown>) => call(svc, 'POST', '/v1/consents', {
      subject_id: sid, attester: 'c', relation: 'self', scopes: ['face'], purposes: ['image_avatar'],
      valid_until: inDays(10), separate_biometric_consent: true, ...over,
    });
    expect((await bad({ valid_until: inDays(-1) })).body).toMatchObject({ status: 400, code: 'consent.invalid' });
    expect((await bad({ purposes: ['voice_clone'] })).body.detail).toContain('voice_clone needs scope voice');
    expect((await bad({ relation: 'guardian', guardian: { name: 'Mum' } })).body.detail).toContain('under 18');
    expect((await bad({ guardian: { name: 'Mum' } })).body.code).toBe('consent.invalid');
    expect((await bad({ cross_border: true })).body.detail).toContain('cross_border_details');
    expect((await bad({ scopes: ['smell'] })).body.code).toBe('request.invalid');
    expect((await bad({ subject_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
  });

  it("keeps tenants apart: another tenant's subject and attestation answer 404", async () => {
    const sid = await subject(svc);
    const a = await attestation(svc, sid);
    expect((await call(svc, 'GET', `/v1/consents/${a.id}`, undefined, svc.keyB)).status).toBe(404);
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, {}, svc.keyB)).status).toBe(404);
    expect((await call(svc, 'GET', `/v1/subjects/${sid}`, undefined, svc.keyB)).status).toBe(404);
    const r = await call(svc, 'POST', '/v1/consents', { subject_id: sid, attester: 'b', relation: 'self', scopes: ['face'],
      purposes: ['image_avatar'], valid_until: inDays(1), separate_biometric_consent: true }, svc.keyB);
    expect(r.status).toBe(404);
    // B cannot lean on A's attestation either.
    expect((await upload(svc, 'portrait_image', image, { key: svc.keyB, query: { consent_id: a.id } })).body.code).toBe('consent.missing');
  });

  it('refuses uploads at once, before storing, for every unusable attestation', async () => {
    const sid = await subject(svc);
    const refused = async (kind: string, data: Buffer, query: Record<string, string>) => {
      const r = await upload(svc, kind, data, { query });
      expect(r.status).toBe(422);
      return r.body.code as string;
    };
    expect(await refused('portrait_image', image, {})).toBe('consent.missing');
    expect(await refused('portrait_image', image, { consent_id: 'not-a-uuid' })).toBe('consent.missing');
    expect(await refused('portrait_image', image, { consent_id: '00000000-0000-4000-8000-000000000000' })).toBe('consent.missing');

    const faceOnly = await attestation(svc, sid, { scopes: ['face'], purposes: ['image_avatar'] });
    expect(await refused('voice_sample', audio, { consent_id: faceOnly.id })).toBe('consent.out_of_scope');
    const cloneOnly = await attestation(svc, sid, { purposes: ['voice_clone'] });
    expect(await refused('portrait_image', image, { consent_id: cloneOnly.id })).toBe('consent.wrong_purpose');
    expect(await refused('driving_audio', audio, { consent_id: cloneOnly.id })).toBe('consent.wrong_purpose');
    const notSeparate = await attestation(svc, sid, { separate_biometric_consent: false });
    expect(await refused('portrait_image', image, { consent_id: notSeparate.id })).toBe('consent.not_separate');
    const later = await attestation(svc, sid, { valid_from: inDays(2) });
    expect(await refused('portrait_image', image, { consent_id: later.id })).toBe('consent.not_yet_valid');
    const other = await subject(svc);
    const ok = await attestation(svc, sid);
    expect(await refused('portrait_image', image, { consent_id: ok.id, subject_id: other })).toBe('consent.subject_mismatch');
    await call(svc, 'POST', `/v1/consents/${ok.id}/suspend`);
    expect(await refused('portrait_image', image, { consent_id: ok.id })).toBe('consent.suspended');
    await call(svc, 'POST', `/v1/consents/${ok.id}/revoke`, { reason: 'changed my mind' });
    expect(await refused('portrait_image', image, { consent_id: ok.id })).toBe('consent.revoked');

    const short = await attestation(svc, sid, { valid_until: new Date(Date.now() + 1200).toISOString() });
    await new Promise((r) => setTimeout(r, 1300));
    expect(await refused('portrait_image', image, { consent_id: short.id })).toBe('consent.expired');
    const failed = await attestation(svc, sid);
    await svc.ctx.db.query(`update consent_attestations set verification = 'failed' where id = $1`, [failed.id]);
    expect(await refused('portrait_image', image, { consent_id: failed.id })).toBe('consent.verification_failed');

    // Nothing refused was stored: no rows, no objects.
    expect(await svc.ctx.db.query(`select id from media where consent_id is null or consent_id in ($1, $2, $3)`, [faceOnly.id, cloneOnly.id, notSeparate.id])).toEqual([]);
  });

  it('a minor needs a guardian: declared under 18 without one is refused, with one the item goes on', async () => {
    const minor = await subject(svc, { birth_date: '2014-05-01' });
    const self = await attestation(svc, minor);
    expect((await upload(svc, 'portrait_image', image, { query: { consent_id: self.id } })).body.code).toBe('consent.guardian_required');
    const guardian = await attestation(svc, minor, { relation: 'guardian', guardian: { name: 'Ann Doe', relationship: 'mother' } });
    await markVerified(svc, guardian.id);
    const up = await upload(svc, 'portrait_image', image, { query: { consent_id: guardian.id } });
    expect(up.status).toBe(202);
    const item = await waitDecided(svc, up.body.id as string);
    expect(item.stages.find((s: { stage: string }) => s.stage === 'consent')).toMatchObject({ status: 'pass' });
  });

  it('in the pipeline: unverified consent goes to review, verified passes the consent stage (a voice sample still needs its speaker matched), driving_text needs none', async () => {
    const sid = await subject(svc);
    const a = await attestation(svc, sid);
    const unverified = await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id, subject_id: sid } });
    const item = await waitDecided(svc, unverified.body.id as string);
    expect(item.decision).toBe('review');
    expect(item.stages.find((s: { stage: string }) => s.stage === 'consent')).toMatchObject({ status: 'review', reason: 'consent.unverified' });

    await markVerified(svc, a.id);
    const verified = await waitDecided(svc, (await upload(svc, 'driving_audio', audio, { query: { consent_id: a.id } })).body.id as string);
    expect(verified.stages.find((s: { stage: string }) => s.stage === 'consent')).toMatchObject({
      status: 'pass',
      evidence: { attestation_id: a.id, verification: 'verified' },
    });
    // A voice sample (for cloning) also needs the speaker matched, and no speaker model is installed.
    const sample = await waitDecided(svc, (await upload(svc, 'voice_sample', audio, { query: { consent_id: a.id } })).body.id as string);
    expect(sample.decision).not.toBe('pass');
    expect(sample.stages.find((s: { stage: string }) => s.stage === 'consent')).toMatchObject({ status: 'review', reason: 'consent.voice_unverified' });

    const text = await waitDecided(svc, (await upload(svc, 'driving_text', Buffer.from('Hello, welcome to the show.'))).body.id as string);
    expect(text.decision).toBe('pass');
  });

  it('in the pipeline: an attestation revoked while the item waited in the queue rejects it', async () => {
    const quiet = await startService(backend, { worker: false });
    try {
      const sid = await subject(quiet);
      const a = await attestation(quiet, sid);
      const up = await upload(quiet, 'voice_sample', audio, { query: { consent_id: a.id } });
      expect(up.status).toBe(202);
      // Revoked behind the service's back (no cascade), as if it happened between claim and stage.
      await quiet.ctx.db.query(`update consent_attestations set state = 'revoked' where id = $1`, [a.id]);
      const { processMedia } = await import('../../src/worker/process-media');
      await processMedia(quiet.ctx, up.body.id as string, 'test', new AbortController().signal);
      const [row] = await quiet.ctx.db.query<{ state: string; reason_code: string }>('select state, reason_code from media where id = $1', [up.body.id]);
      expect(row).toEqual({ state: 'rejected', reason_code: 'consent.revoked' });
    } finally {
      await quiet.close();
    }
  });
});
