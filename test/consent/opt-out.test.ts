import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReferences } from '../../src/consent/faces';
import { verifyReceipt } from '../../src/consent/receipts';
import { detectFaces, embedFace } from '../../src/inference/index.js';
import { backends, startService, upload, type Service } from '../support/harness';
import { jpeg, wav } from '../support/media';
import { samplePhotos } from '../support/photos';
import { attestation, call, markVerified, subject } from './support';

const FACES = path.resolve(process.env.LIKENESS_SHARED_DATA ?? path.join(process.cwd(), '../shared/data'), 'faces-dev');
const samples = samplePhotos();

interface People {
  /** The photo person A sends with the opt-out, another photo of A, and a photo of someone else. */
  a: Buffer;
  a2: Buffer;
  other: Buffer;
  source: string;
}

/** One face cut from a group photo (the face-api samples show 3 to 5 people each). */
async function cropFace(file: string): Promise<Buffer> {
  const bytes = fs.readFileSync(file);
  const [face] = await detectFaces(new Uint8Array(bytes));
  const meta = await sharp(bytes).metadata();
  const side = Math.max(face!.box.width, face!.box.height) * 1.6;
  const left = Math.max(0, Math.round(face!.box.x + face!.box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(face!.box.y + face!.box.height / 2 - side / 2));
  const width = Math.min(meta.width! - left, Math.round(side));
  const height = Math.min(meta.height! - top, Math.round(side));
  return sharp(bytes).extract({ left, top, width, height }).jpeg({ quality: 92 }).toBuffer();
}

/**
 * Two different photos of one person from faces-dev when the shared data is here (cosine 0.85
 * between these two); otherwise a face cut from a face-api sample and the same cut re-encoded.
 */
async function people(): Promise<People> {
  const c03 = path.join(FACES, 'deepface_c03');
  if (fs.existsSync(path.join(c03, '5.jpg'))) {
    return {
      a: fs.readFileSync(path.join(c03, '1.jpg')),
      a2: fs.readFileSync(path.join(c03, '5.jpg')),
      other: fs.readFileSync(path.join(FACES, 'deepface_c05', '1.jpg')),
      source: 'faces-dev',
    };
  }
  const a = await cropFace(samples[0]!);
  const meta = await sharp(a).metadata();
  const a2 = await sharp(a).resize(Math.round(meta.width! * 0.9)).jpeg({ quality: 70 }).toBuffer();
  return { a, a2, other: await cropFace(samples[1]!), source: 'face-api samples' };
}

const stageOf = (item: Record<string, any>, name: string) => item.stages.find((s: { stage: string }) => s.stage === name);

async function optOut(svc: Service, photo: Buffer, query: Record<string, string>, key = svc.keyA) {
  const res = await fetch(`${svc.baseUrl}/v1/do-not-clone?${new URLSearchParams(query)}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: photo,
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
}

async function optOutMultipart(svc: Service, photo: Buffer, fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([photo]), 'me.jpg');
  const res = await fetch(`${svc.baseUrl}/v1/do-not-clone`, { method: 'POST', headers: { authorization: `Bearer ${svc.keyA}` }, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const registrySize = async (svc: Service) =>
  (await svc.ctx.db.query<{ n: number }>('select count(*)::int as n from do_not_clone'))[0]!.n;

describe.skipIf(samples.length < 2).each(backends())('do-not-clone opt-out on %s', (backend) => {
  let svc: Service;
  let p: People;
  beforeAll(async () => {
    svc = await startService(backend);
    p = await people();
  });
  afterAll(async () => svc?.close());

  /** A verified attestation under tenant B whose face references come from `photo` (as a face ceremony would leave them). */
  async function consentAtB(photo: Buffer): Promise<string> {
    const a = await attestation(svc, await subject(svc, { display_name: 'Person A' }, svc.keyB), { scopes: ['face'], purposes: ['image_avatar'] }, svc.keyB);
    await markVerified(svc, a.id);
    await storeReferences(svc.ctx.db, a.id, randomUUID(), [(await embedFace(new Uint8Array(photo)))!]);
    return a.id as string;
  }
  const portraitAtB = async (photo: Buffer, consentId: string) => {
    const up = await upload(svc, 'portrait_image', photo, { key: svc.keyB, query: { consent_id: consentId } });
    expect(up.status).toBe(202);
    const until = Date.now() + 60_000;
    for (;;) {
      const r = (await (await fetch(`${svc.baseUrl}/v1/media/${up.body.id}`, { headers: { authorization: `Bearer ${svc.keyB}` } })).json()) as Record<string, any>;
      if (r.decision) return r;
      if (Date.now() > until) throw new Error('not decided');
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  it('refuses what it cannot list: several faces, no face, voices, non-images, missing requester', async () => {
    const before = await registrySize(svc);
    const many = await optOutMultipart(svc, fs.readFileSync(samples[0]!), { requester: 'jane@example.com' });
    expect(many).toMatchObject({ status: 422, body: { code: 'do_not_clone.many_faces', faces: expect.any(Number) } });
    expect(many.body.faces).toBeGreaterThan(1);
    const none = await optOut(svc, await jpeg(320, 240), { requester: 'jane@example.com' });
    expect(none).toMatchObject({ status: 422, body: { code: 'do_not_clone.no_face' } });
    expect(none.type).toContain('application/problem+json');
    expect((await optOut(svc, wav(1), { requester: 'jane@example.com' })).body.code).toBe('do_not_clone.voice_unsupported');
    expect((await optOut(svc, p.a, { requester: 'jane@example.com', modality: 'voice' })).body.code).toBe('do_not_clone.voice_unsupported');
    expect(await optOut(svc, Buffer.from('my face, in words'), { requester: 'jane@example.com' })).toMatchObject({ status: 415, body: { code: 'media.unsupported_type' } });
    expect(await optOut(svc, p.a, {})).toMatchObject({ status: 400, body: { code: 'request.invalid' } });
    expect(await optOut(svc, p.a.subarray(0, 2000), { requester: 'jane@example.com' })).toMatchObject({ status: 422, body: { code: 'media.corrupt' } });
    expect((await optOut(svc, p.a, { requester: 'x' }, 'lg_nope_nope')).status).toBe(401);
    expect(await registrySize(svc)).toBe(before);
  });

  it(`listing A rejects a portrait of A under another tenant's valid attestation for A; others pass; withdrawing lifts it`, async () => {
    const forA = await consentAtB(p.a);
    // Control: before the opt-out, this attestation lets another photo of A through the face stage.
    expect(stageOf(await portraitAtB(p.a2, forA), 'consent.face')).toMatchObject({ status: 'pass' });

    const listed = await optOut(svc, p.a, { requester: 'person-a@example.com', reason: 'I never agreed to be cloned' });
    expect(listed.status).toBe(201);
    expect(listed.body).toMatchObject({
      source: 'opt_out', modality: 'face', state: 'active', requester: 'person-a@example.com', reason: 'I never agreed to be cloned',
      photo_sha256: createHash('sha256').update(p.a).digest('hex'),
    });
    const key = (await call(svc, 'GET', '/v1/consent-receipts/key')).body.public_pem as string;
    expect(verifyReceipt(key, listed.body.receipt)).toBe(true);
    expect(listed.body.receipt.body.event.type).toBe('listed');
    expect(listed.body.receipt.body.opt_out).toMatchObject({ id: listed.body.id, source: 'opt_out', requester: 'person-a@example.com' });
    const rows = await svc.ctx.db.query<Record<string, unknown>>('select source, subject_id, modality from do_not_clone where opt_out_id = $1', [listed.body.id]);
    expect(rows).toEqual([{ source: 'opt_out', subject_id: null, modality: 'face' }]);

    const got = await call(svc, 'GET', `/v1/do-not-clone/${listed.body.id}`);
    expect(got.body).toMatchObject({ id: listed.body.id, embeddings: 1, events: [{ type: 'listed' }] });
    expect(await call(svc, 'GET', `/v1/do-not-clone/${listed.body.id}`, undefined, svc.keyB)).toMatchObject({ status: 404, body: { code: 'do_not_clone.not_found' } });

    // Another photo of A, with an attestation for A's very subject at tenant B: rejected.
    const blocked = await portraitAtB(p.a2, forA);
    expect(blocked).toMatchObject({ decision: 'reject', reason: 'consent.do_not_clone' });
    expect(stageOf(blocked, 'consent.face').evidence.score).toBeGreaterThanOrEqual(0.635);
    // A different person under their own attestation is not affected.
    const forOther = await consentAtB(p.other);
    expect(stageOf(await portraitAtB(p.other, forOther), 'consent.face')).toMatchObject({ status: 'pass' });

    // Only the forwarding tenant can withdraw; the withdrawal deletes the embedding and is recorded.
    expect((await call(svc, 'DELETE', `/v1/do-not-clone/${listed.body.id}`, {}, svc.keyB)).status).toBe(404);
    const gone = await call(svc, 'DELETE', `/v1/do-not-clone/${listed.body.id}`, { reason: 'I agreed with a studio now', requester: 'person-a@example.com' });
    expect(gone.status).toBe(200);
    expect(gone.body.state).toBe('withdrawn');
    expect(gone.body.receipt.body.event).toMatchObject({ type: 'withdrawn', data: { embeddings_deleted: 1, reason: 'I agreed with a studio now' } });
    expect(verifyReceipt(key, gone.body.receipt)).toBe(true);
    expect(await svc.ctx.db.query('select id from do_not_clone where opt_out_id = $1', [listed.body.id])).toEqual([]);
    const after = (await call(svc, 'GET', `/v1/do-not-clone/${listed.body.id}`)).body;
    expect(after).toMatchObject({ state: 'withdrawn', embeddings: 0 });
    expect(after.events.map((e: { type: string }) => e.type)).toEqual(['listed', 'withdrawn']);
    expect(after.receipts.map((r: { id: string }) => r.id)).toEqual([listed.body.receipt.id, gone.body.receipt.id]);
    expect(await call(svc, 'DELETE', `/v1/do-not-clone/${listed.body.id}`)).toMatchObject({ status: 409, body: { code: 'do_not_clone.conflict' } });

    expect(stageOf(await portraitAtB(p.a2, forA), 'consent.face')).toMatchObject({ status: 'pass' });

    // The same request as multipart (fields before the file), withdrawn again so later runs start clean.
    const multi = await optOutMultipart(svc, p.a, { requester: 'person-a@example.com' });
    expect(multi).toMatchObject({ status: 201, body: { source: 'opt_out', state: 'active' } });
    expect((await call(svc, 'DELETE', `/v1/do-not-clone/${multi.body.id}`)).status).toBe(200);
  }, 240_000);
});
