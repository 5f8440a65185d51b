import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { ownAttestation } from './attestations';
import { getAttestation, getSubject, type AttestationRow, type SubjectRow } from './repo';
import { listReceipts, signingKey, type Receipt } from './receipts';
import { revokeAttestation } from './revocation';
import { linkTokens } from './link-tokens';

/**
 * Subject links: the person whose likeness is used gets their own way in, without the
 * creator's API key — a random token in a URL that lists their signed consent receipts
 * (with the public key to check them) and lets them revoke. The token is the only
 * credential, so it is 256 random bits, stored as its sha256 only (a database read
 * yields no working link), and it expires. A link keeps working after a revocation: the
 * person may want the receipt that proves it.
 */
export const DEFAULT_LINK_TTL_SECONDS = 30 * 86_400;
export const MAX_LINK_TTL_SECONDS = 365 * 86_400;
const tokens = linkTokens('lgs_');

export interface SubjectLinkRow {
  id: string;
  tenant_id: string;
  attestation_id: string;
  created_by: string;
  expires_at: Date;
  last_used_at: Date | null;
  created_at: Date;
}

export async function createSubjectLink(
  ctx: AppContext,
  tenantId: string,
  attestationId: string,
  actor: string,
  ttlSeconds = DEFAULT_LINK_TTL_SECONDS,
): Promise<{ link: SubjectLinkRow; token: string }> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_LINK_TTL_SECONDS) {
    throw new AppError('request.invalid', `ttl_seconds must be a whole number from 60 to ${MAX_LINK_TTL_SECONDS}`);
  }
  const a = await ownAttestation(ctx.db, tenantId, attestationId);
  const { token, hash } = tokens.create();
  const [link] = await ctx.db.query<SubjectLinkRow>(
    `insert into consent_subject_links (id, tenant_id, attestation_id, token_sha256, created_by, expires_at)
     values ($1, $2, $3, $4, $5, $6)
     returning id, tenant_id, attestation_id, created_by, expires_at, last_used_at, created_at`,
    [randomUUID(), tenantId, a.id, hash, actor, new Date(Date.now() + ttlSeconds * 1000)],
  );
  return { link: link!, token };
}

export interface SubjectView {
  link: SubjectLinkRow;
  attestation: AttestationRow;
  subject: SubjectRow;
}

/** The link a token opens. Unknown and malformed tokens read alike; an expired one says so. */
export async function openSubjectLink(q: Queryable, token: string, now = new Date()): Promise<SubjectView> {
  const hash = tokens.hashOf(token);
  const rows = hash
    ? await q.query<SubjectLinkRow>(
        `select id, tenant_id, attestation_id, created_by, expires_at, last_used_at, created_at
         from consent_subject_links where token_sha256 = $1`,
        [hash],
      )
    : [];
  const link = rows[0];
  if (!link) throw new AppError('subject_link.not_found', 'this link is not valid');
  if (now >= new Date(link.expires_at)) throw new AppError('subject_link.expired', 'this link has expired; ask the platform for a new one');
  const attestation = await getAttestation(q, link.tenant_id, link.attestation_id);
  const subject = attestation && (await getSubject(q, link.tenant_id, attestation.subject_id));
  if (!attestation || !subject) throw new AppError('subject_link.not_found', 'this link is not valid');
  await q.query('update consent_subject_links set last_used_at = now() where id = $1', [link.id]);
  return { link, attestation, subject };
}

export interface SubjectReceipts {
  attestation_id: string;
  state: string;
  verification: string;
  items: Receipt[];
  key: { key_id: string; algorithm: 'Ed25519'; public_pem: string };
}

/** The same signed receipts the creator sees (GET /v1/consents/{id}/receipts), with the key to verify them. */
export async function subjectReceipts(ctx: AppContext, token: string): Promise<SubjectReceipts & { view: SubjectView }> {
  const view = await openSubjectLink(ctx.db, token);
  const key = await signingKey(ctx.db);
  return {
    attestation_id: view.attestation.id,
    state: view.attestation.state,
    verification: view.attestation.verification,
    items: await listReceipts(ctx.db, view.link.tenant_id, view.attestation.id),
    key: { key_id: key.id, algorithm: 'Ed25519', public_pem: key.publicPem },
    view,
  };
}

/** The person revokes their own consent: the same cascade as the creator's revocation, with actor `subject`. */
export async function subjectRevoke(ctx: AppContext, token: string, reason: string | undefined) {
  const { link } = await openSubjectLink(ctx.db, token);
  return revokeAttestation(ctx, link.tenant_id, link.attestation_id, 'subject', reason);
}
