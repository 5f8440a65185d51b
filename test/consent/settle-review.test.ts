import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spokenWords } from '../../src/consent/asr/statement';
import { verifyReceipt } from '../../src/consent/receipts';
import { backends, startService, upload, waitDecided, type Service } from '../support/harness';
import { attestation, call, consentVideo, speech, subject } from './support';
import { moderator, type Console } from '../review/support';

/**
 * A moderator settles the ceremony in the review console (the tenant's own key no longer can):
 * approve = verified, reject = failed. Returns the newest receipt, which records the settlement.
 */
async function settle(svc: Service, mod: Console, attestationId: string, action: 'approve' | 'reject', note: string) {
  await mod.call('GET', '/review/api/queues');
  const [item] = await svc.ctx.db.query<{ id: string }>(
    `select id from review_items where attestation_id = $1 and subject_type = 'consent' and state <> 'decided'`, [attestationId],
  );
  if (!item) return { status: 409, body: { code: 'review.not_found' } as Record<string, any> };
  const claimed = await mod.claim(item.id);
  if (claimed.status !== 200) return claimed;
  const r = await mod.decide(item.id, { action, note, ...(action === 'reject' ? { reason: 'consent.statement_not_said' } : {}) });
  if (r.status !== 200) return r;
  const receipts = (await call(svc, 'GET', `/v1/consents/${attestationId}/receipts`)).body.items as Record<string, any>[];
  const verification = (await call(svc, 'GET', `/v1/consents/${attestationId}`)).body.verification as string;
  return { status: 200, body: { verification, receipt: receipts.at(-1)! } };
}

const FACES = path.resolve(process.env.LIKENESS_SHARED_DATA ?? path.join(process.cwd(), '../shared/data'), 'faces-dev');
const hasFestival = fs.existsSync('/usr/bin/text2wave');
const hasFaces = fs.existsSync(path.join(FACES, 'deepface_c03')) && fs.existsSync(path.join(FACES, 'deepface_c05'));
if (!hasFaces) console.warn(`settle-review face tests skipped: no ${FACES} (set LIKENESS_SHARED_DATA)`);

const stageOf = (item: Record<string, any>, name: string) => item.stages.find((s: { stage: string }) => s.stage === name);

async function record(svc: Service, consentId: string, challengeId: string, bytes: Buffer, type: string) {
  const res = await fetch(`${svc.baseUrl}/v1/consents/${consentId}/challenges/${challengeId}/recording`, {
    method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': type }, body: bytes,
  });
  return (await res.json()) as Record<string, any>;
}

/**
 * A real ceremony that ends in review without faces: a French-speaking subject (no recogniser
 * for French is installed, so the speech check is `unverified`) reading aloud.
 */
async function voiceInReview(svc: Service, audio: Buffer) {
  const a = await attestation(svc, await subject(svc, { display_name: 'Amélie Durand', language: 'fr' }), {
    scopes: ['voice'], purposes: ['voice_clone', 'driving'],
  });
  const c = (await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Acme Studios' })).body;
  const ceremony = await record(svc, a.id, c.id, audio, 'audio/wav');
  expect(ceremony.outcome).toBe('review');
  expect(ceremony.checks.speech).toMatchObject({ status: 'unverified', reason: 'speech.no_recognizer' });
  expect(ceremony.attestation.verification).toBe('review');
  return { id: a.id as string, challengeId: c.id as string };
}

describe.skipIf(!hasFestival).each(backends())('settling a review verification on %s', (backend) => {
  let svc: Service;
  let audio: Buffer;
  beforeAll(async () => {
    svc = await startService(backend);
    audio = speech();
  });
  afterAll(async () => svc?.close());

  const consentStageFor = async (consentId: string) => {
    const up = await upload(svc, 'driving_audio', audio, { query: { consent_id: consentId } });
    expect(up.status).toBe(202);
    return stageOf(await waitDecided(svc, up.body.id as string), 'consent');
  };

  it('verified: an event and a signed receipt name the reviewer; the consent stage then passes; settling again is a conflict', async () => {
    const a = await voiceInReview(svc, audio);
    expect(await consentStageFor(a.id)).toMatchObject({ status: 'review', reason: 'consent.unverified' });

    const mod = await moderator(svc, 'moderator');
    const r = await settle(svc, mod, a.id, 'approve', 'listened to the recording: the subject reads the statement in French');
    expect(r.status).toBe(200);
    expect(r.body.verification).toBe('verified');
    expect(r.body.receipt.body.event).toMatchObject({
      type: 'verified',
      data: { settled: 'review', reviewer: mod.email.split('@')[0], challenge_id: a.challengeId },
    });
    expect(r.body.receipt.body.consent.verification).toBe('verified');
    const key = (await call(svc, 'GET', '/v1/consent-receipts/key')).body.public_pem as string;
    expect(verifyReceipt(key, r.body.receipt)).toBe(true);
    const events = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body.events as { type: string; actor: string }[];
    expect(events.map((e) => e.type)).toEqual(['created', 'challenge_issued', 'verification_review', 'verified']);
    expect(events.at(-1)!.actor).toMatch(/^moderator:/);

    expect(await consentStageFor(a.id)).toMatchObject({ status: 'pass' });

    // Settled once: no item is left to settle again, and the tenant's own key cannot.
    expect((await settle(svc, mod, a.id, 'reject', 'second thoughts')).status).toBe(409);
    const tenant = await call(svc, 'POST', `/v1/consents/${a.id}/verification`, { decision: 'failed', reason: 'second thoughts', reviewer: 'x' });
    expect(tenant).toMatchObject({ status: 403, body: { code: 'consent.moderator_only' } });
    expect((await call(svc, 'GET', `/v1/consents/${a.id}`)).body.verification).toBe('verified');
  });

  it('failed: uploads are refused; a moderator of another tenant cannot see it; only review can be settled', async () => {
    const a = await voiceInReview(svc, audio);
    const tenantB = (await svc.ctx.db.query<{ id: string }>(`select id from tenants where name = 'tenant-b'`))[0]!.id;
    const foreign = await moderator(svc, 'moderator', { tenantIds: [tenantB] });
    expect((await settle(svc, foreign, a.id, 'approve', 'ok')).body.code).toBe('review.not_found');

    const r = await settle(svc, await moderator(svc, 'moderator'), a.id, 'reject', 'not the subject speaking');
    expect(r.status).toBe(200);
    expect(r.body.verification).toBe('failed');
    expect(r.body.receipt.body.event).toMatchObject({ type: 'verification_failed', data: { reason: 'not the subject speaking' } });
    const refused = await upload(svc, 'driving_audio', audio, { query: { consent_id: a.id } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'consent.verification_failed' } });

    // An attestation never in review (unverified: no ceremony) has no review item to settle.
    const fresh = await attestation(svc, await subject(svc), { scopes: ['voice'], purposes: ['driving'] });
    expect((await settle(svc, await moderator(svc, 'moderator'), fresh.id, 'approve', 'trust me')).status).toBe(409);
  });
});

describe.skipIf(!hasFestival || !hasFaces)('settling a face ceremony in review (faces-dev photos)', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('pglite');
  });
  afterAll(async () => svc?.close());

  const portrait = async (file: string, consentId: string) => {
    const up = await upload(svc, 'portrait_image', fs.readFileSync(path.join(FACES, file)), { query: { consent_id: consentId } });
    expect(up.status).toBe(202);
    return waitDecided(svc, up.body.id as string);
  };

  /** A face ceremony: the speech and face checks pass, liveness is for a person, so it ends in review. */
  async function faceInReview(photo: string) {
    const a = await attestation(svc, await subject(svc, { display_name: 'Jane Doe' }), { scopes: ['face', 'voice'], purposes: ['image_avatar'] });
    const c = (await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Acme Studios' })).body;
    // A fixed code: festival's voice is misheard on some digits (test/consent/asr-eval.ts).
    const statement = (c.statement as string).replace(/(\d )+\d\.$/, '4 7 2 9 1 3.');
    await svc.ctx.db.query('update consent_challenges set statement = $2 where id = $1', [c.id, statement]);
    const ceremony = await record(svc, a.id, c.id, consentVideo(path.join(FACES, photo), spokenWords(statement).join(' ')), 'video/mp4');
    expect(ceremony.checks.face.status).toBe('pass');
    expect(ceremony.checks.liveness.status).toBe('unverified');
    expect(ceremony.outcome).toBe('review');
    return a.id as string;
  }

  it('verified: a portrait of the same person then passes consent and the face match; another person is still rejected', async () => {
    const id = await faceInReview('deepface_c03/1.jpg');
    expect(stageOf(await portrait('deepface_c03/5.jpg', id), 'consent')).toMatchObject({ status: 'review', reason: 'consent.unverified' });

    const r = await settle(svc, await moderator(svc, 'moderator'), id, 'approve', 'live person, same face');
    expect(r.status).toBe(200);

    const same = await portrait('deepface_c03/5.jpg', id);
    expect(stageOf(same, 'consent')).toMatchObject({ status: 'pass' });
    expect(stageOf(same, 'consent.face').status).toBe('pass');
    const other = await portrait('deepface_c05/1.jpg', id);
    expect(other).toMatchObject({ decision: 'reject', reason: 'consent.face_mismatch' });
  });

  it('failed: the ceremony\'s face references are dropped with it', async () => {
    const id = await faceInReview('deepface_c03/1.jpg');
    expect((await svc.ctx.db.query('select 1 from consent_face_refs where attestation_id = $1', [id])).length).toBeGreaterThan(0);
    const r = await settle(svc, await moderator(svc, 'moderator'), id, 'reject', 'a photo held up to the camera');
    expect(r.body.receipt.body.event.data.references_deleted).toBeGreaterThan(0);
    expect(await svc.ctx.db.query('select 1 from consent_face_refs where attestation_id = $1', [id])).toEqual([]);
    const refused = await upload(svc, 'portrait_image', fs.readFileSync(path.join(FACES, 'deepface_c03/5.jpg')), { query: { consent_id: id } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'consent.verification_failed' } });
  });
});
