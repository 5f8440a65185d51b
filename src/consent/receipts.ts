import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { Queryable } from '../db/db';
import type { AttestationRow, ConsentEventRow, SubjectRow } from './repo';
import { oncePerDb } from '../db/once-per-db';

/**
 * Signed consent receipts, one per attestation event, in the spirit of the Kantara
 * Consent Receipt and ISO/IEC TS 27560: who the controller is, whose consent, for what
 * purposes and data categories, how long, and what just happened. The body is
 * canonical JSON (sorted keys) signed with Ed25519, so anyone with the public key
 * (GET /v1/consent-receipts/key) can check a receipt offline.
 */
export interface SigningKey {
  id: string;
  privateKey: KeyObject;
  publicPem: string;
}

export interface Receipt {
  id: string;
  body: Record<string, unknown>;
  key_id: string;
  signature: string;
}

const RECEIPT_VERSION = 'likeness-gate-consent-receipt/1';

/** Sorted-key JSON: the same object always gives the same bytes to sign. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

const keyIdOf = (publicPem: string) => createHash('sha256').update(publicPem).digest('hex').slice(0, 16);

/**
 * The signing key: CONSENT_SIGNING_KEY (a PKCS#8 PEM) when the operator supplies one,
 * otherwise one made on first use and kept in the database so every process signs
 * with the same key. Operators should supply their own (a database copy is only as
 * safe as the database).
 */
export const signingKey = oncePerDb(loadKey);

async function loadKey(q: Queryable): Promise<SigningKey> {
  const given = process.env.CONSENT_SIGNING_KEY;
  if (given) return fromPem(given.replace(/\\n/g, '\n'));
  const fresh = generateKeyPairSync('ed25519');
  const privatePem = fresh.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = fresh.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await q.query(
    `insert into consent_signing_keys (id, private_pem, public_pem) values ('default', $1, $2) on conflict (id) do nothing`,
    [privatePem, publicPem],
  );
  const [row] = await q.query<{ private_pem: string }>(`select private_pem from consent_signing_keys where id = 'default'`);
  return fromPem(row!.private_pem);
}

function fromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { id: keyIdOf(publicPem), privateKey, publicPem };
}

export function signBody(key: SigningKey, body: Record<string, unknown>): { key_id: string; signature: string } {
  return { key_id: key.id, signature: sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64url') };
}

export function verifyReceipt(publicPem: string, r: Pick<Receipt, 'body' | 'signature'>): boolean {
  return verify(null, Buffer.from(canonicalJson(r.body)), createPublicKey(publicPem), Buffer.from(r.signature, 'base64url'));
}

/** The receipt body for one event of one attestation. Pure: the caller signs and stores it. */
export function receiptBody(
  a: AttestationRow,
  subject: SubjectRow,
  event: ConsentEventRow,
  opts: { receiptId: string; controller: string; issuedAt: Date },
): Record<string, unknown> {
  return {
    version: RECEIPT_VERSION,
    receipt_id: opts.receiptId,
    issued_at: opts.issuedAt.toISOString(),
    controller: { tenant: opts.controller, attester: a.attester },
    subject: { id: subject.id, display_name: subject.display_name, relation_of_attester: a.relation },
    ...(a.guardian ? { guardian: { name: a.guardian.name } } : {}),
    consent: {
      attestation_id: a.id,
      scopes: a.scopes,
      purposes: a.purposes,
      data_categories: ['biometric'],
      sensitive: true,
      separate_biometric_consent: a.separate_biometric_consent,
      cross_border: a.cross_border,
      valid_from: new Date(a.valid_from).toISOString(),
      valid_until: new Date(a.valid_until).toISOString(),
      document_sha256: a.document_sha256,
      state: a.state,
      verification: a.verification,
      revocation_policy: a.revocation_policy,
    },
    event: { id: event.id, type: event.type, at: new Date(event.at).toISOString(), data: event.data },
  };
}

/** Signs and stores the receipt for an event, in the caller's transaction. */
export async function issueReceipt(
  q: Queryable,
  key: SigningKey,
  a: AttestationRow,
  subject: SubjectRow,
  event: ConsentEventRow,
): Promise<Receipt> {
  const id = randomUUID();
  const body = receiptBody(a, subject, event, { receiptId: id, controller: a.tenant_id, issuedAt: new Date() });
  const sig = signBody(key, body);
  await q.query(
    `insert into consent_receipts (id, tenant_id, attestation_id, event_id, body, key_id, signature)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [id, a.tenant_id, a.id, event.id, JSON.stringify(body), sig.key_id, sig.signature],
  );
  return { id, body, ...sig };
}

export async function listReceipts(q: Queryable, tenantId: string, attestationId: string): Promise<Receipt[]> {
  return q.query<Receipt>(
    `select id, body, key_id, signature from consent_receipts where tenant_id = $1 and attestation_id = $2
     order by created_at, event_id`,
    [tenantId, attestationId],
  );
}
