import { createHash, randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { record, ownAttestation } from './attestations';
import type { FaceEmbedding } from '../inference/index.js';
import { englishStatement } from './asr/statement';
import { referenceFaces, storeReferences } from './faces';
import { storeVoiceReference, voiceReference } from './voices';
import { speakerSlot, type VoiceEmbedding } from '../speech/speaker';
import { pocketsphinxRecognizer } from './asr/pocketsphinx';
import type { CheckResult, StatementRecognizer } from './asr/types';
import { getSubject, lockAttestation, updateAttestation, type AttestationRow } from './repo';
import { signingKey, type Receipt } from './receipts';
import { recordingKey, putEvidence } from './storage';

/**
 * The consent ceremony: the service issues a statement naming the subject, the company,
 * the scope and a one-time code; the subject records it; the recording is checked and
 * every check's score is stored. The code is single-use (the first recording consumes
 * it, whatever its outcome) and valid for a short time.
 *
 * Checks: `code` (used once, in time), `speech` (the exact statement was said), `face`
 * (frames of the consent video show one person, the same throughout; a second significant
 * face fails it; the frames' faces become the references uploads are matched against) and `liveness` for face scope (`unverified`: the antispoof model is
 * unvalidated, so a person judges). Outcome: any `fail` → failed; else any
 * `unverified` → review; else verified. A heard negation ("I do not consent") marks the
 * attestation failed; other failures leave it as it was so the creator can try again.
 */
export const CODE_LENGTH = 6;
export const CHALLENGE_TTL_SECONDS = 600;
export const MAX_RECORDING_BYTES = 50 * 1024 * 1024;

export interface Challenge {
  id: string;
  attestation_id: string;
  language: string;
  statement: string;
  expires_at: string;
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

let recognizers: StatementRecognizer[] | undefined;
/** The recognisers available on this machine (pocketsphinx for English when installed). */
function recognizerFor(language: string): StatementRecognizer | null {
  recognizers ??= [pocketsphinxRecognizer()].filter((r): r is StatementRecognizer => r !== null);
  const base = language.split('-')[0]!;
  return recognizers.find((r) => r.languages.includes(base)) ?? null;
}

export async function createChallenge(
  ctx: AppContext,
  tenantId: string,
  attestationId: string,
  actor: string,
  opts: { company: string; ttlSeconds?: number },
): Promise<Challenge> {
  const a = await ownAttestation(ctx.db, tenantId, attestationId);
  if (a.state !== 'active') throw new AppError(`consent.${a.state}`, `the attestation is ${a.state}`);
  if (new Date() >= new Date(a.valid_until)) throw new AppError('consent.expired', 'the attestation has expired');
  const subject = (await getSubject(ctx.db, tenantId, a.subject_id))!;
  const code = Array.from({ length: CODE_LENGTH }, () => randomInt(10)).join('');
  // Statements exist in English; other languages get the English text and an unverified speech check.
  const statement = englishStatement({ subjectName: subject.display_name, company: opts.company, scopes: a.scopes, code });
  const id = randomUUID();
  const expires = new Date(Date.now() + (opts.ttlSeconds ?? CHALLENGE_TTL_SECONDS) * 1000);
  const signer = await signingKey(ctx.db);
  await ctx.db.tx(async (q) => {
    await q.query(
      `insert into consent_challenges (id, tenant_id, attestation_id, language, statement, code_sha256, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [id, tenantId, a.id, subject.language, statement, sha256(code), expires],
    );
    await record(q, signer, a, subject, 'challenge_issued', actor, { challenge_id: id, expires_at: expires.toISOString() });
  });
  return { id, attestation_id: a.id, language: subject.language, statement, expires_at: expires.toISOString() };
}

export interface CeremonyResult {
  challenge_id: string;
  outcome: 'verified' | 'review' | 'failed';
  checks: Record<string, CheckResult>;
  recording_sha256: string;
  attestation: AttestationRow;
  receipt: Receipt;
}

interface ChallengeRow {
  id: string;
  attestation_id: string;
  language: string;
  statement: string;
  expires_at: Date;
  used_at: Date | null;
}

/** Consumes the challenge and checks the recording against it. */
export async function submitRecording(
  ctx: AppContext,
  tenantId: string,
  attestationId: string,
  challengeId: string,
  actor: string,
  bytes: Buffer,
  contentType: string,
): Promise<CeremonyResult> {
  if (!bytes.length) throw new AppError('media.empty', 'the recording is empty');
  if (bytes.length > MAX_RECORDING_BYTES) throw new AppError('media.too_large', `recordings are limited to ${MAX_RECORDING_BYTES} bytes`);
  const a = await ownAttestation(ctx.db, tenantId, attestationId);
  // Refused before anything is stored: a recording arriving after a revocation would
  // otherwise outlive the cascade that deleted the others.
  if (a.state !== 'active') throw new AppError(`consent.${a.state}`, `the attestation is ${a.state}; nothing was stored`);
  const challenge = await consume(ctx.db, tenantId, a.id, challengeId);
  const checks: Record<string, CheckResult> = {};
  const now = new Date();
  const inTime = now < new Date(challenge.expires_at);
  checks.code = {
    status: inTime ? 'pass' : 'fail',
    ...(inTime ? {} : { reason: 'consent.challenge_expired' }),
    score: null,
    evidence: { expires_at: new Date(challenge.expires_at).toISOString(), used_at: now.toISOString(), single_use: true },
  };

  const digest = sha256(bytes);
  const key = recordingKey(tenantId, a.id, challenge.id);
  await putEvidence(ctx.store, key, bytes, contentType, { tenant: tenantId, attestation: a.id, evidence: 'recording' });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lg-ceremony-'));
  let faces: FaceEmbedding[] = [];
  let voice: VoiceEmbedding | undefined;
  try {
    const file = path.join(dir, 'recording');
    await fs.writeFile(file, bytes);
    if (inTime) {
      const recognizer = recognizerFor(challenge.language);
      checks.speech = recognizer
        ? await recognizer.check(file, challenge.statement, CODE_LENGTH).catch((e: unknown) => ({
            status: 'fail' as const,
            reason: 'speech.undecodable',
            score: null,
            evidence: { error: String((e as Error).message ?? e).slice(0, 300) },
          }))
        : { status: 'unverified', reason: 'speech.no_recognizer', score: null, evidence: { language: challenge.language } };
    }
    // With an operator's speaker model, the voice that said the statement becomes the reference voice samples must match.
    const slot = speakerSlot();
    if (slot && a.scopes.includes('voice') && checks.speech?.status === 'pass') {
      const v = await voiceReference(slot, ctx.config.ffmpegPath, file);
      checks.voice = v.check;
      voice = v.embedding;
    }
    if (a.scopes.includes('face')) {
      const refs = await referenceFaces(ctx.config.ffmpegPath, ctx.config.ffprobePath, file);
      checks.face = refs.check;
      faces = refs.embeddings;
      // The antispoof model gives hints only, unvalidated on presentation attacks: a person judges liveness.
      checks.liveness = { status: 'unverified', reason: 'liveness.unvalidated_model', score: null, evidence: {} };
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }

  const all = Object.values(checks);
  const outcome = all.some((c) => c.status === 'fail') ? 'failed' : all.some((c) => c.status === 'unverified') ? 'review' : 'verified';
  const negated = checks.speech?.reason === 'speech.negated';
  const signer = await signingKey(ctx.db);
  return ctx.db.tx(async (q) => {
    await q.query('update consent_challenges set recording_key = $2, recording_sha256 = $3, outcome = $4 where id = $1', [
      challenge.id, key, digest, outcome,
    ]);
    if (outcome !== 'failed') await storeReferences(q, a.id, challenge.id, faces);
    if (outcome !== 'failed' && voice) await storeVoiceReference(q, a.id, challenge.id, voice);
    for (const [name, c] of Object.entries(checks)) {
      await q.query(
        `insert into consent_checks (challenge_id, name, status, score, threshold, evidence) values ($1, $2, $3, $4, $5, $6)`,
        [challenge.id, name, c.status, c.score, c.threshold ?? null, JSON.stringify({ ...c.evidence, reason: c.reason ?? null })],
      );
    }
    const locked = (await lockAttestation(q, tenantId, a.id))!;
    const verification = outcome === 'verified' || outcome === 'review' ? outcome : negated ? 'failed' : locked.verification;
    if (locked.state === 'active' && verification !== locked.verification) await updateAttestation(q, a.id, { verification });
    const after = (await lockAttestation(q, tenantId, a.id))!;
    const subject = (await getSubject(q, tenantId, a.subject_id))!;
    const type = outcome === 'verified' ? 'verified' : outcome === 'review' ? 'verification_review' : 'verification_failed';
    const summary = Object.fromEntries(Object.entries(checks).map(([n, c]) => [n, { status: c.status, score: c.score, reason: c.reason ?? null }]));
    const receipt = await record(q, signer, after, subject, type, actor, { challenge_id: challenge.id, recording_sha256: digest, checks: summary });
    return { challenge_id: challenge.id, outcome, checks, recording_sha256: digest, attestation: after, receipt };
  });
}

/** Marks the challenge used, exactly once: a second recording for the same code is refused. */
async function consume(q: Queryable, tenantId: string, attestationId: string, challengeId: string): Promise<ChallengeRow> {
  const rows = await q.query<ChallengeRow>(
    `update consent_challenges set used_at = now()
     where id::text = $1 and tenant_id = $2 and attestation_id = $3 and used_at is null
     returning id, attestation_id, language, statement, expires_at, used_at`,
    [challengeId, tenantId, attestationId],
  );
  if (rows[0]) return rows[0];
  const known = await q.query('select 1 from consent_challenges where id::text = $1 and tenant_id = $2 and attestation_id = $3', [
    challengeId, tenantId, attestationId,
  ]);
  if (known.length) throw new AppError('consent.challenge_used', 'this challenge was already used; ask for a new one');
  throw new AppError('consent.challenge_not_found', 'no such challenge');
}
