import fs from 'node:fs';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptKey, quarantineKey } from '../../storage/keys';
import { verifiedConsent } from '../support/consent';
import { backends, getItem, startService, upload, waitDecided, type Service } from '../support/harness';
import { hasFfmpeg, jpeg, mp3, mp4 } from '../support/media';
import { facePortrait, samplePhotos } from '../support/photos';
import { BENIGN, say } from '../speech/festival';

const REVIEWED_WITHOUT_CEREMONY = new Set(['portrait_image', 'customization_video', 'voice_sample']);
/** Why each of those is reviewed: the portrait's one face has no ceremony reference to match; the test-pattern video shows no face at all. */
const REVIEW_REASON: Record<string, string> = {
  portrait_image: 'consent.face_unverified',
  customization_video: 'consent.face_not_found',
  voice_sample: 'consent.voice_unverified',
};
const photos = samplePhotos();
/** A portrait must show exactly one usable face (docs/consent.md): one person cut from a face-api group photo. */
const portrait = () => facePortrait(photos[0]!);
const stagesOf = (item: Record<string, any>) => JSON.stringify(item.stages.map((s: { stage: string; status: string; reason: string }) => [s.stage, s.status, s.reason]));

describe.each(backends())('media lifecycle on %s', (backend) => {
  let svc: Service;
  beforeAll(async () => {
    if (!photos.length) throw new Error('the face-api sample photos are missing: run npm install');
    svc = await startService(backend);
    svc.defaultConsent = await verifiedConsent(svc);
  });
  afterAll(async () => svc?.close());

  const cases: [kind: string, make: () => Promise<Buffer> | Buffer, contentType: string, category: string][] = [
    ['portrait_image', portrait, 'image/jpeg', 'biometric'],
    ['customization_video', () => mp4(2), 'video/mp4', 'biometric'],
    // A voice sample must contain speech (moderate.speech rejects a tone with media.no_speech): festival says a benign sentence.
    ['voice_sample', () => fs.readFileSync(say(BENIGN)), 'audio/wav', 'biometric'],
    ['driving_audio', () => mp3(1), 'audio/mpeg', 'biometric'],
    ['driving_text', () => Buffer.from('你好，今天我们聊聊天气。Hello there.'), 'text/plain; charset=utf-8', 'content'],
    ['generated_video', () => mp4(1), 'video/mp4', 'synthetic'],
  ];

  it.each(cases)('%s: uploaded, tagged, processed, released, readable, deleted for good', async (kind, make, contentType, category) => {
    if (!hasFfmpeg && /video|audio|voice/.test(kind)) throw new Error('ffmpeg is required (apt-get install ffmpeg)');
    const data = await make();
    const up = await upload(svc, kind, data, { multipart: kind.endsWith('image') });
    expect(up.status).toBe(202);
    const id = up.body.id as string;
    expect(up.body).toMatchObject({ kind, state: 'queued', content_type: contentType, size_bytes: data.length, data_category: category });
    expect(up.body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const item = await waitDecided(svc, id);
    // Without a face ceremony or a speaker model, consent sends faces and voice samples to review.
    const expected = REVIEWED_WITHOUT_CEREMONY.has(kind) ? 'review' : 'pass';
    expect(item.decision, stagesOf(item)).toBe(expected);
    expect(item.stages.map((s: { stage: string }) => s.stage)).toContain('decide.store');
    expect(item.stages[0].status).toBe('pass');
    // Review is not a reject: every stage ran, the moderation ones included.
    expect(item.stages.filter((s: { status: string }) => s.status === 'skipped'), stagesOf(item)).toEqual([]);

    const tenant = (item.tags as Record<string, string>).tenant!;
    const key = expected === 'pass' ? keptKey(tenant, id) : quarantineKey(tenant, id);
    const tagging = await svc.ctx.store.client.send(new GetObjectTaggingCommand({ Bucket: svc.ctx.store.bucket, Key: key }));
    const tags = Object.fromEntries(tagging.TagSet!.map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ kind, state: expected === 'pass' ? 'released' : 'review', category });
    if (kind !== 'driving_text' && kind !== 'generated_video') expect(tags.consent).toBe(svc.defaultConsent);
    expect(tags.retention).toBe(item.retention_class);
    expect(tags.aigc).toBe(kind === 'generated_video' ? 'true' : undefined);
    if (expected === 'pass') {
      expect(await svc.ctx.store.exists(quarantineKey(tenant, id))).toBe(false);
      const downloaded = Buffer.from(await (await fetch(item.download.url)).arrayBuffer());
      expect(downloaded.equals(data)).toBe(true);
    } else {
      expect(item.download).toBeNull();
      expect(item.reason).toBe(REVIEW_REASON[kind]);
    }

    const del = await fetch(`${svc.baseUrl}/v1/media/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(del.status).toBe(200);
    const receipt = (await del.json()) as Record<string, any>;
    expect(receipt.objects_deleted.map((o: { key: string }) => o.key)).toContain(key);
    expect(receipt.rows_deleted.media).toBe(1);
    expect(await svc.ctx.store.exists(key)).toBe(false);
    expect(await svc.ctx.store.listKeys(`derived/${tenant}/${id}/`)).toEqual([]);
    expect(await svc.ctx.db.query('select 1 from media where id = $1', [id])).toEqual([]);
    expect(await svc.ctx.db.query('select 1 from stage_results where media_id = $1', [id])).toEqual([]);
    expect((await svc.ctx.db.query('select type from media_events where media_id = $1 order by id', [id])).map((r: any) => r.type)).toEqual([
      'received',
      'processing',
      'decided',
      'deleted',
    ]);

    const again = await fetch(`${svc.baseUrl}/v1/media/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { code: string }).code).toBe('media.not_found');
  });

  it('portrait_image without a face: rejected consent.face_not_found before moderation, bytes dropped, record kept until deleted', async () => {
    // A flat-colour JPEG, with an attestation that has no ceremony references: no usable face is a reject all the same.
    const data = await jpeg();
    const up = await upload(svc, 'portrait_image', data, { multipart: true });
    expect(up.status).toBe(202);
    const id = up.body.id as string;
    const item = await waitDecided(svc, id);
    expect(item, stagesOf(item)).toMatchObject({ state: 'rejected', decision: 'reject', reason: 'consent.face_not_found', download: null });
    const stage = (name: string) => item.stages.find((s: { stage: string }) => s.stage === name);
    expect(stage('consent').status).toBe('pass');
    expect(stage('consent.face')).toMatchObject({ status: 'reject', reason: 'consent.face_not_found', evidence: { faces_detected: 0, significant_faces: 0, references: 0 } });
    expect(stage('moderate.image').status).toBe('skipped');
    const tenant = (item.tags as Record<string, string>).tenant!;
    for (const key of [quarantineKey(tenant, id), keptKey(tenant, id)]) expect(await svc.ctx.store.exists(key)).toBe(false);

    const del = await fetch(`${svc.baseUrl}/v1/media/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${svc.keyA}` } });
    expect(del.status).toBe(200);
    expect(((await del.json()) as Record<string, any>).rows_deleted.media).toBe(1);
    expect(await svc.ctx.db.query('select 1 from media where id = $1', [id])).toEqual([]);
    expect(await svc.ctx.db.query('select 1 from stage_results where media_id = $1', [id])).toEqual([]);
  });

  it('waits for the decision with Prefer: wait and replays Idempotency-Key requests', async () => {
    // The one-face portrait as a PNG: the wait covers the whole image pass (consent, faces, moderation) up to review.
    const data = await sharp(await portrait()).png().toBuffer();
    const first = await upload(svc, 'portrait_image', data, { headers: { prefer: 'wait=20', 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ content_type: 'image/png', decision: 'review', reason: 'consent.face_unverified' });
    expect((first.body.stages as { stage: string; status: string }[]).find((s) => s.stage === 'moderate.image')?.status).toBe('pass');
    const replay = await upload(svc, 'portrait_image', data, { headers: { 'idempotency-key': 'k-1' } });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    const otherKind = await upload(svc, 'driving_text', 'hello', { headers: { 'idempotency-key': 'k-1' } });
    expect(otherKind.status).toBe(422);
    expect(otherKind.body.code).toBe('idempotency.mismatch');
    const count = await svc.ctx.db.query<{ n: number }>("select count(*)::int as n from media where sha256 = $1", [first.body.sha256]);
    expect(count[0]!.n).toBe(1);
  });

  it('keeps tenants apart: another tenant gets 404 for the same id, list shows only its own', async () => {
    const up = await upload(svc, 'driving_text', 'tenant A only');
    const id = up.body.id as string;
    const asB = await getItem(svc, id, svc.keyB);
    expect(asB.status).toBe(404);
    expect(asB.body.code).toBe('media.not_found');
    const delAsB = await fetch(`${svc.baseUrl}/v1/media/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${svc.keyB}` } });
    expect(delAsB.status).toBe(404);
    const listB = (await (await fetch(`${svc.baseUrl}/v1/media`, { headers: { authorization: `Bearer ${svc.keyB}` } })).json()) as { items: { id: string }[] };
    expect(listB.items.map((i) => i.id)).not.toContain(id);
    expect((await getItem(svc, id, svc.keyA)).status).toBe(200);
  });
});
