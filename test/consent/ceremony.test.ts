import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spokenWords } from '../../src/consent/asr/statement';
import { startService, type Service } from '../support/harness';
import { attestation, call, subject } from './support';

const hasTools = ['/usr/bin/text2wave', '/usr/bin/pocketsphinx_continuous'].every((f) => fs.existsSync(f));
if (!hasTools) console.warn('ceremony tests skipped: apt-get install festival pocketsphinx pocketsphinx-en-us');

/** Festival reads the words aloud: a natural enough voice for pocketsphinx (espeak-ng is not). */
function say(text: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-say-'));
  const out = path.join(dir, 'say.wav');
  execFileSync('text2wave', ['-o', out, '-F', '16000'], { input: text });
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return buf;
}

function silence(seconds: number): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-sil-'));
  const out = path.join(dir, 's.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', String(seconds), out]);
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return buf;
}

describe.skipIf(!hasTools)('consent ceremony (festival speech, pocketsphinx grammar)', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
  });
  afterAll(async () => svc?.close());

  async function challenge(over: Record<string, unknown> = {}) {
    const sid = await subject(svc, { display_name: 'Jane Doe' });
    const a = await attestation(svc, sid, { scopes: ['voice'], purposes: ['voice_clone'], ...over });
    const c = await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, { company: 'Acme Studios' });
    expect(c.status).toBe(201);
    // A fixed code keeps the test deterministic: festival's voice is misheard on some digits
    // (about 1 right reading in 9 fails on random codes; test/consent/asr-eval.ts measures it).
    const statement = (c.body.statement as string).replace(/(\d )+\d\.$/, '4 7 2 9 1 3.');
    await svc.ctx.db.query('update consent_challenges set statement = $2 where id = $1', [c.body.id, statement]);
    return { a, c: { id: c.body.id as string, statement } };
  }
  const submit = async (aid: string, cid: string, audio: Buffer) => {
    const res = await fetch(`${svc.baseUrl}/v1/consents/${aid}/challenges/${cid}/recording`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.keyA}`, 'content-type': 'audio/wav' },
      body: audio,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('the right sentence with the right code verifies the attestation; the code is single-use', async () => {
    const { a, c } = await challenge();
    expect(c.statement).toMatch(/^I, Jane Doe, consent to Acme Studios using my voice\. My code is( \d){6}\.$/);
    const r = await submit(a.id, c.id, say(spokenWords(c.statement).join(' ')));
    expect(r.status).toBe(200);
    expect(r.body.checks.speech).toMatchObject({ status: 'pass', score: 1 });
    expect(r.body.checks.code.status).toBe('pass');
    expect(r.body.outcome).toBe('verified');
    expect(r.body.attestation.verification).toBe('verified');
    const stored = await svc.ctx.db.query<{ name: string; status: string; score: number | null }>(
      'select name, status, score from consent_checks where challenge_id = $1 order by name', [c.id]);
    expect(stored).toEqual([{ name: 'code', status: 'pass', score: null }, { name: 'speech', status: 'pass', score: 1 }]);
    expect((await submit(a.id, c.id, say(spokenWords(c.statement).join(' ')))).body.code).toBe('consent.challenge_used');
    const events = (await call(svc, 'GET', `/v1/consents/${a.id}`)).body.events.map((e: { type: string }) => e.type);
    expect(events).toEqual(['created', 'challenge_issued', 'verified']);
  });

  it('a wrong code fails', async () => {
    const { a, c } = await challenge();
    const words = spokenWords(c.statement);
    const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const last = words.length - 1;
    words[last] = digits[(digits.indexOf(words[last]!) + 3) % 10]!;
    const r = await submit(a.id, c.id, say(words.join(' ')));
    expect(r.body.outcome).toBe('failed');
    expect(r.body.checks.speech).toMatchObject({ status: 'fail', reason: 'speech.wrong_code' });
    expect(r.body.attestation.verification).toBe('unverified');
  });

  it.each([
    ['do not', 'I Jane Doe do not consent'],
    ['never', 'I Jane Doe never consent'],
    ['refuse to', 'I Jane Doe refuse to consent'],
  ])('a negated sentence ("%s") fails and marks the attestation failed', async (_, start) => {
    const { a, c } = await challenge();
    const rest = spokenWords(c.statement).slice(4).join(' ');
    const r = await submit(a.id, c.id, say(`${start} ${rest}`));
    expect(r.body.checks.speech).toMatchObject({ status: 'fail', reason: 'speech.negated' });
    expect(r.body.outcome).toBe('failed');
    expect(r.body.attestation.verification).toBe('failed');
  });

  it('silence and unrelated speech fail', async () => {
    const one = await challenge();
    expect((await submit(one.a.id, one.c.id, silence(4))).body.checks.speech).toMatchObject({ status: 'fail', reason: 'speech.no_match' });
    const two = await challenge();
    const r = await submit(two.a.id, two.c.id, say('Hello, my name is Bob and I like to eat apples every morning.'));
    expect(r.body.checks.speech).toMatchObject({ status: 'fail', reason: 'speech.no_match' });
  });

  it('an expired challenge fails without listening, and is used up', async () => {
    const { a, c } = await challenge();
    await svc.ctx.db.query(`update consent_challenges set expires_at = now() - interval '1 second' where id = $1`, [c.id]);
    const r = await submit(a.id, c.id, say(spokenWords(c.statement).join(' ')));
    expect(r.body.outcome).toBe('failed');
    expect(r.body.checks.code).toMatchObject({ status: 'fail', reason: 'consent.challenge_expired' });
    expect(r.body.checks.speech).toBeUndefined();
  });

  it('face scope needs a video: an audio-only recording fails the face check', async () => {
    const { a, c } = await challenge({ scopes: ['face', 'voice'], purposes: ['video_avatar'] });
    const r = await submit(a.id, c.id, say(spokenWords(c.statement).join(' ')));
    expect(r.body.checks.speech.status).toBe('pass');
    expect(r.body.checks.face).toMatchObject({ status: 'fail', reason: 'face.no_video' });
    expect(r.body.checks.liveness).toMatchObject({ status: 'unverified' });
    expect(r.body.outcome).toBe('failed');
    expect(r.body.attestation.verification).toBe('unverified');
  });

  it('a revoked attestation gets no challenge', async () => {
    const { a } = await challenge();
    await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, {});
    expect((await call(svc, 'POST', `/v1/consents/${a.id}/challenges`, {})).body.code).toBe('consent.revoked');
  });

  it('a recording arriving after the revocation is refused and nothing of it is stored', async () => {
    const { a, c } = await challenge();
    await call(svc, 'POST', `/v1/consents/${a.id}/revoke`, {});
    const r = await submit(a.id, c.id, silence(1));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('consent.revoked');
    const [row] = await svc.ctx.db.query<{ tenant_id: string }>('select tenant_id from consent_attestations where id = $1', [a.id]);
    expect(await svc.ctx.store.listKeys(`consent/${row!.tenant_id}/${a.id}/ceremony/`)).toEqual([]);
  });
});
