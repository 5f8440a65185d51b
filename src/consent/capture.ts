import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context';
import { AppError, isAppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { ownAttestation } from './attestations';
import { createChallenge, MAX_RECORDING_BYTES, submitRecording, type CeremonyResult } from './ceremony';
import { checkMessage } from './capture-messages';
import { getSubject, isUuid } from './repo';
import type { Purpose, Scope } from './rules';
import { linkTokens } from './link-tokens';

/**
 * Capture links: the creator asks for a link, sends it to the subject, and the subject
 * records the ceremony statement in a browser. The link's token is a bearer secret for one
 * challenge and nothing else — it is not an API key, it opens no other route, it dies with
 * the challenge and with its first upload. Only its sha256 is stored, so a database leak
 * yields no usable links. The recording goes through `submitRecording`, the very code
 * path of the API upload.
 */
const tokens = linkTokens('lgc_');

export { MAX_RECORDING_BYTES };


export type CaptureCode = 'capture.link_not_found' | 'capture.link_expired' | 'capture.link_used' | 'capture.consent_inactive';

/** A refusal of the capture link itself; the page shows its own text for each code. */
export class CaptureError extends AppError {
  constructor(readonly captureCode: CaptureCode, message: string) {
    super(captureCode, message);
  }
}

export interface CaptureLink {
  url: string;
  token: string;
  expires_at: string;
  challenge_id: string;
}

/** What the page shows: who asks, for what, and the statement to read. */
export interface CaptureView {
  linkId: string;
  tenantId: string;
  attestationId: string;
  challengeId: string;
  subjectName: string;
  company: string;
  scopes: Scope[];
  purposes: Purpose[];
  statement: string;
  expiresAt: Date;
  validUntil: Date;
  revocationPolicy: 'delete' | 'restrict';
}

interface ChallengeRow {
  id: string;
  statement: string;
  expires_at: Date;
  used_at: Date | null;
}

/**
 * Creates a link for a new challenge, or for an existing unused one (`challengeId`).
 * `company` names the tenant in a new statement; an existing statement already names one.
 */
export async function createCaptureLink(
  ctx: AppContext,
  tenant: { id: string; name: string },
  attestationId: string,
  actor: string,
  opts: { challengeId?: string; company?: string; baseUrl: string },
): Promise<CaptureLink> {
  let challenge: { id: string; expiresAt: Date; company: string };
  if (opts.challengeId) {
    const a = await ownAttestation(ctx.db, tenant.id, attestationId);
    if (a.state !== 'active') throw new AppError(`consent.${a.state}`, `the attestation is ${a.state}`);
    const row = await challengeOf(ctx.db, tenant.id, a.id, opts.challengeId);
    if (!row) throw new AppError('consent.challenge_not_found', 'no such challenge');
    if (row.used_at) throw new AppError('consent.challenge_used', 'this challenge was already used; ask for a new one');
    if (new Date() >= new Date(row.expires_at)) throw new AppError('consent.challenge_expired', 'this challenge has expired; ask for a new one');
    const subject = (await getSubject(ctx.db, tenant.id, a.subject_id))!;
    const company = companyOf(row.statement, subject.display_name) ?? opts.company ?? tenant.name;
    challenge = { id: row.id, expiresAt: new Date(row.expires_at), company };
  } else {
    const company = opts.company ?? tenant.name;
    const c = await createChallenge(ctx, tenant.id, attestationId, actor, { company });
    challenge = { id: c.id, expiresAt: new Date(c.expires_at), company };
  }

  const { token, hash } = tokens.create();
  try {
    await ctx.db.query(
      `insert into consent_capture_links (id, tenant_id, attestation_id, challenge_id, token_sha256, company, expires_at, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [randomUUID(), tenant.id, attestationId, challenge.id, hash, challenge.company, challenge.expiresAt, actor],
    );
  } catch (e) {
    if (/unique|duplicate/i.test(String((e as Error).message))) {
      throw new AppError('consent.conflict', 'this challenge already has a capture link; ask for a link without challenge_id');
    }
    throw e;
  }
  return {
    url: `${opts.baseUrl.replace(/\/+$/, '')}/capture/${token}`,
    token,
    expires_at: challenge.expiresAt.toISOString(),
    challenge_id: challenge.id,
  };
}

async function challengeOf(q: Queryable, tenantId: string, attestationId: string, id: string): Promise<ChallengeRow | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<ChallengeRow>(
    'select id, statement, expires_at, used_at from consent_challenges where id = $1 and tenant_id = $2 and attestation_id = $3',
    [id, tenantId, attestationId],
  );
  return rows[0] ?? null;
}

/** The company an existing English statement names ("I, <name>, consent to <company> using my …"). */
export function companyOf(statement: string, subjectName: string): string | null {
  const head = `I, ${subjectName}, consent to `;
  if (!statement.startsWith(head)) return null;
  const rest = statement.slice(head.length);
  const end = rest.lastIndexOf(' using my ');
  return end > 0 ? rest.slice(0, end) : null;
}

interface LinkRow {
  id: string;
  tenant_id: string;
  attestation_id: string;
  challenge_id: string;
  company: string;
  expires_at: Date;
  used_at: Date | null;
  challenge_used_at: Date | null;
  challenge_expires_at: Date;
  statement: string;
  state: string;
  scopes: Scope[];
  purposes: Purpose[];
  valid_until: Date;
  revocation_policy: 'delete' | 'restrict';
  display_name: string;
}

/**
 * Resolves a token to what the page shows, or refuses it with a stable code: unknown,
 * used (the link, or its challenge through the API), expired, or the consent no longer active.
 */
export async function openCaptureLink(q: Queryable, token: string): Promise<CaptureView> {
  const hash = tokens.hashOf(token);
  if (!hash) throw new CaptureError('capture.link_not_found', 'this link does not exist');
  const rows = await q.query<LinkRow>(
    `select l.id, l.tenant_id, l.attestation_id, l.challenge_id, l.company, l.expires_at, l.used_at,
            c.used_at as challenge_used_at, c.expires_at as challenge_expires_at, c.statement,
            a.state, a.scopes, a.purposes, a.valid_until, a.revocation_policy, s.display_name
     from consent_capture_links l
     join consent_challenges c on c.id = l.challenge_id
     join consent_attestations a on a.id = l.attestation_id
     join consent_subjects s on s.id = a.subject_id
     where l.token_sha256 = $1`,
    [hash],
  );
  const r = rows[0];
  if (!r) throw new CaptureError('capture.link_not_found', 'this link does not exist');
  if (r.used_at || r.challenge_used_at) throw new CaptureError('capture.link_used', 'this link was already used');
  const now = new Date();
  if (now >= new Date(r.expires_at) || now >= new Date(r.challenge_expires_at)) {
    throw new CaptureError('capture.link_expired', 'this link has expired');
  }
  if (r.state !== 'active' || now >= new Date(r.valid_until)) {
    throw new CaptureError('capture.consent_inactive', `the consent is ${r.state === 'active' ? 'expired' : r.state}`);
  }
  return {
    linkId: r.id,
    tenantId: r.tenant_id,
    attestationId: r.attestation_id,
    challengeId: r.challenge_id,
    subjectName: r.display_name,
    company: r.company,
    scopes: r.scopes,
    purposes: r.purposes,
    statement: r.statement,
    expiresAt: new Date(r.expires_at),
    validUntil: new Date(r.valid_until),
    revocationPolicy: r.revocation_policy,
  };
}

/** What the subject is told after an upload: the outcome and each check in plain words. No evidence, no receipt. */
export interface CaptureOutcome {
  challenge_id: string;
  outcome: CeremonyResult['outcome'];
  checks: { name: string; status: 'pass' | 'fail' | 'unverified'; reason: string | null; message: string }[];
}

/**
 * The subject's upload. The link is claimed first (exactly once), then the recording goes to
 * the ceremony's own `submitRecording`, which consumes the challenge and runs the checks. A
 * refused upload (empty, too large, unknown link) claims nothing, so the subject may retry.
 */
export async function submitCapture(ctx: AppContext, token: string, bytes: Buffer, contentType: string): Promise<CaptureOutcome> {
  const link = await openCaptureLink(ctx.db, token);
  if (!bytes.length) throw new AppError('media.empty', 'the recording is empty');
  if (bytes.length > MAX_RECORDING_BYTES) throw new AppError('media.too_large', `recordings are limited to ${MAX_RECORDING_BYTES} bytes`);
  const claimed = await ctx.db.query('update consent_capture_links set used_at = now() where id = $1 and used_at is null returning id', [
    link.linkId,
  ]);
  if (!claimed.length) throw new CaptureError('capture.link_used', 'this link was already used');
  let r: CeremonyResult;
  try {
    r = await submitRecording(ctx, link.tenantId, link.attestationId, link.challengeId, `capture_link:${link.linkId}`, bytes, contentType);
  } catch (e) {
    // The creator may have spent the challenge through the API in the meantime.
    if (isAppError(e) && e.code === 'consent.challenge_used') throw new CaptureError('capture.link_used', 'this link was already used');
    throw e;
  }
  return {
    challenge_id: r.challenge_id,
    outcome: r.outcome,
    checks: Object.entries(r.checks).map(([name, c]) => ({
      name,
      status: c.status,
      reason: c.reason ?? null,
      message: checkMessage(name, c.status, c.reason),
    })),
  };
}
