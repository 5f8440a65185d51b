import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReferences } from '../../src/consent/faces';
import { embedFace } from '../../src/inference/index.js';
import { startService, upload, waitDecided, type Service } from '../support/harness';
import { compose, FACES, faceTile, pair, sceneVideo, warnIfNoFaces } from './face-compose';
import { attestation, call, markVerified, subject } from './support';

/**
 * Every face counts (issue 12): photos and videos composed at run time from faces-dev — the
 * consented subject (deepface_c03), a stranger (deepface_c05), and a person who opted out
 * (deepface_c09) — through the real service.
 */
const ready = warnIfNoFaces('face inventory tests') && fs.existsSync('/usr/bin/text2wave');
const photo = (rel: string) => path.join(FACES, rel);
const SUBJECT = photo('deepface_c03/1.jpg'), SUBJECT_AGAIN = photo('deepface_c03/5.jpg');
const STRANGER = photo('deepface_c05/1.jpg'), OPTED_OUT = photo('deepface_c09/1.jpg');
const stageOf = (item: Record<string, any>, name: string) => item.stages.find((s: { stage: string }) => s.stage === name);

describe.skipIf(!ready)('every face in the media counts', () => {
  let svc: Service;
  let consentId: string;
  beforeAll(async () => {
    svc = await startService('pglite');
    const a = await attestation(svc, await subject(svc, { display_name: 'Jane Doe' }), { scopes: ['face'], purposes: ['image_avatar', 'video_avatar'] });
    await markVerified(svc, a.id);
    // The references a face ceremony would have left: the subject's photo 1.
    await storeReferences(svc.ctx.db, a.id, randomUUID(), [(await embedFace(new Uint8Array(fs.readFileSync(SUBJECT))))!]);
    consentId = a.id as string;
  });
  afterAll(async () => svc?.close());

  const faceStage = async (kind: string, bytes: Buffer, name = 'consent.face') => {
    const up = await upload(svc, kind, bytes, { query: { consent_id: consentId } });
    expect(up.status).toBe(202);
    const item = await waitDecided(svc, up.body.id as string, 90_000);
    return { item, stage: stageOf(item, name) };
  };

  it('the consented face alone passes as before, with its face listed for the console; a stranger alone is rejected', async () => {
    const alone = await faceStage('portrait_image', fs.readFileSync(SUBJECT_AGAIN));
    expect(alone.stage).toMatchObject({ status: 'pass', evidence: { faces_detected: 1, significant_faces: 1 } });
    const [f] = alone.stage.evidence.faces;
    expect(f).toMatchObject({ significant: true, usable: true, matched: true, age_status: 'estimated', box: { x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number) } });
    expect(f.similarity).toBeGreaterThanOrEqual(0.635);
    expect(f.estimated_age).toBeGreaterThan(18);
    expect(alone.stage.evidence.estimated_age).toBe(f.estimated_age);

    const composed = await faceStage('portrait_image', await compose(700, 700, [{ tile: await faceTile(SUBJECT_AGAIN, 300), left: 50, top: 50 }]));
    expect(composed.stage).toMatchObject({ status: 'pass' });

    const stranger = await faceStage('portrait_image', fs.readFileSync(STRANGER));
    expect(stranger.item).toMatchObject({ decision: 'reject', reason: 'consent.face_mismatch' });
    expect(stranger.stage.evidence.faces[0]).toMatchObject({ matched: false, significant: true });
  });

  it('the consented face and a stranger, in both size orders, are refused as two people, each face with its box and size', async () => {
    for (const [subjectPx, strangerPx] of [[300, 150], [150, 300], [260, 130]] as const) {
      const { item, stage } = await faceStage('portrait_image', await pair(SUBJECT_AGAIN, subjectPx, STRANGER, strangerPx));
      expect(item).toMatchObject({ decision: 'reject', reason: 'consent.multiple_faces' });
      expect(stage.evidence.significant_faces).toBe(2);
      const sizes = stage.evidence.faces.map((f: { size: number }) => f.size).sort((a: number, b: number) => a - b);
      expect(sizes[0]! / sizes[1]!).toBeGreaterThan(0.3);
      for (const f of stage.evidence.faces) expect(f).toMatchObject({ significant: true, box: { width: expect.any(Number) }, size: expect.any(Number) });
      // The boxes lie where the faces were pasted: left face left of the right face.
      const [left, right] = [...stage.evidence.faces].sort((a, b) => a.box.x - b.box.x);
      expect(left.box.x + left.box.width).toBeLessThan(right.box.x);
    }
  });

  it('a do-not-clone face small in the background of a consented portrait rejects it', async () => {
    const listed = await fetch(`${svc.baseUrl}/v1/do-not-clone?${new URLSearchParams({ requester: 'them@example.com' })}`, {
      method: 'POST', headers: { authorization: `Bearer ${svc.keyB}`, 'content-type': 'application/octet-stream' }, body: fs.readFileSync(OPTED_OUT),
    });
    expect(listed.status).toBe(201);
    const picture = await compose(1200, 900, [
      { tile: await faceTile(SUBJECT_AGAIN, 400), left: 80, top: 150 },
      { tile: await faceTile(OPTED_OUT, 72), left: 1000, top: 300 },
    ]);
    const { item, stage } = await faceStage('portrait_image', picture);
    expect(item).toMatchObject({ decision: 'reject', reason: 'consent.do_not_clone' });
    const background = stage.evidence.faces.find((f: { do_not_clone?: boolean }) => f.do_not_clone);
    expect(background).toMatchObject({ significant: false, do_not_clone: true });
    expect(background.box.x).toBeGreaterThan(1000);
    expect(stage.evidence.score).toBeGreaterThanOrEqual(0.635);
  });

  it('a customization video in which a second person appears for two seconds is rejected with those frame times', async () => {
    const alone = await compose(960, 540, [{ tile: await faceTile(SUBJECT_AGAIN, 260), left: 100, top: 80 }]);
    const two = await compose(960, 540, [
      { tile: await faceTile(SUBJECT_AGAIN, 260), left: 100, top: 80 },
      { tile: await faceTile(STRANGER, 200), left: 560, top: 120 },
    ]);
    const clean = await faceStage('customization_video', sceneVideo([{ jpeg: alone, seconds: 6 }]));
    expect(clean.stage).toMatchObject({ status: 'pass', evidence: { frames_checked: 6, frames_with_face: 6 } });

    const { item, stage } = await faceStage('customization_video', sceneVideo([{ jpeg: alone, seconds: 2 }, { jpeg: two, seconds: 2 }, { jpeg: alone, seconds: 2 }]));
    expect(item).toMatchObject({ decision: 'reject', reason: 'consent.multiple_faces' });
    expect(stage.evidence).toMatchObject({ frames_checked: 6, multiple_faces_at_ms: [2000, 3000] });
    expect(stage.evidence.faces_checked).toBe(8);
    const stranger = stage.evidence.faces.filter((f: { matched?: boolean }) => f.matched === false);
    expect(stranger.map((f: { timestampMs: number }) => f.timestampMs)).toEqual([2000, 3000]);
    // Boxes in the video's own pixels (frames are decoded at up to 1280 px; this one is 960 wide).
    expect(stranger[0].box.x).toBeGreaterThan(560);
  });

  it('a generated video showing a do-not-clone face is rejected; one of the consented subject passes the face stage', async () => {
    const listedFace = await compose(640, 480, [{ tile: await faceTile(OPTED_OUT, 200), left: 200, top: 100 }]);
    const { item, stage } = await faceStage('generated_video', sceneVideo([{ jpeg: listedFace, seconds: 2 }]), 'consent.faces');
    expect(item).toMatchObject({ decision: 'reject', reason: 'consent.do_not_clone' });
    expect(stage.evidence).toMatchObject({ frames_checked: 2, listed_at_ms: [0, 1000] });
    const fine = await compose(640, 480, [{ tile: await faceTile(SUBJECT_AGAIN, 200), left: 200, top: 100 }]);
    expect((await faceStage('generated_video', sceneVideo([{ jpeg: fine, seconds: 2 }]), 'consent.faces')).stage).toMatchObject({ status: 'pass' });
  });

  it('a consent ceremony recording that shows two people fails the face check (face.multiple_faces)', async () => {
    const a = await attestation(svc, await subject(svc, { display_name: 'Jane Doe' }), { scopes: ['face'], purposes: ['image_avatar'] });
    const c = (await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Acme Studios' })).body;
    const recording = sceneVideo([{ jpeg: await pair(SUBJECT, 300, STRANGER, 240), seconds: 4 }], 'Hello, this is my consent video.');
    const res = await fetch(`${svc.baseUrl}/v1/consents/${a.id}/challenges/${c.id}/recording`, {
      method: 'POST', headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'video/mp4' }, body: recording,
    });
    const ceremony = (await res.json()) as Record<string, any>;
    expect(ceremony.checks.face).toMatchObject({ status: 'fail', reason: 'face.multiple_faces', evidence: { multiple_faces_at_ms: [0, 1000, 2000] } });
    expect(ceremony.outcome).toBe('failed');
    expect(await svc.ctx.db.query('select 1 from consent_face_refs where attestation_id = $1', [a.id])).toEqual([]);
  });
});
