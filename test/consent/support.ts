import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service } from '../support/harness';

/** Small JSON client for the consent API in tests. */
export async function call(svc: Service, method: string, path: string, body?: unknown, key = svc.keyA) {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

export const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

export async function subject(svc: Service, extra: Record<string, unknown> = {}, key = svc.keyA): Promise<string> {
  const r = await call(svc, 'POST', '/v1/subjects', { display_name: 'Jane Doe', language: 'en', ...extra }, key);
  if (r.status !== 201) throw new Error(`subject: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

/** An attestation for everything (face and voice, every purpose) unless `over` says otherwise. */
export async function attestation(svc: Service, subjectId: string, over: Record<string, unknown> = {}, key = svc.keyA) {
  const r = await call(
    svc,
    'POST',
    '/v1/consents',
    {
      subject_id: subjectId,
      attester: 'creator@example.com',
      relation: 'self',
      scopes: ['face', 'voice'],
      purposes: ['image_avatar', 'video_avatar', 'voice_clone', 'driving', 'generated_output'],
      valid_until: inDays(30),
      separate_biometric_consent: true,
      ...over,
    },
    key,
  );
  if (r.status !== 201) throw new Error(`attestation: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Marks an attestation verified directly in the database (for tests of what follows a ceremony). */
export async function markVerified(svc: Service, id: string): Promise<void> {
  await svc.ctx.db.query(`update consent_attestations set verification = 'verified' where id = $1`, [id]);
}

/** Real speech from festival (voice samples without speech are rejected by moderation). */
export function speech(text = 'Hello, and welcome to our weekly show about gardening and cooking.'): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-say-'));
  const out = path.join(dir, 'say.wav');
  execFileSync('text2wave', ['-o', out, '-F', '16000'], { input: text });
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return buf;
}

/** A consent video: a still photo of the subject for the length of the spoken statement. */
export function consentVideo(photo: string, text: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-cv-'));
  const voice = path.join(dir, 'v.wav');
  const out = path.join(dir, 'c.mp4');
  execFileSync('text2wave', ['-o', voice, '-F', '16000'], { input: text });
  execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-i', photo, '-i', voice, '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-r', '5', '-c:a', 'aac', '-shortest', out]);
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return buf;
}
