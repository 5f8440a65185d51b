import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unwrapKey, wrapKey } from '../../storage/encryption';
import type { Queryable } from '../db/db';
import { oncePerDb } from '../db/once-per-db';

/**
 * Envelope encryption for children's data: one 32-byte data key per subject, stored only
 * wrapped (AES-256-GCM) by a master key. The master key is LIKENESS_MASTER_KEY (32 bytes,
 * base64) when the operator sets it; otherwise one is generated once and kept in the
 * database so every process shares it — which keeps wrapped keys and their master side by
 * side, so operators should set their own (ideally from a KMS or secret store).
 *
 * Destroying a subject's key row is crypto-shredding: any copy of the ciphertext left
 * anywhere (S3 versions, replicas, bucket backups) can no longer be opened. Data keys are
 * never cached in memory, so a shredded key is gone for every process at once.
 */
export interface MasterKey {
  id: string;
  key: Buffer;
}

export interface DataKey {
  id: string;
  tenantId: string;
  subjectId: string;
  key: Buffer;
}

const idOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);
const aadOf = (tenantId: string, subjectId: string, keyId: string) => `likeness-gate/subject-key|${tenantId}|${subjectId}|${keyId}`;

export const masterKey = oncePerDb(loadMaster);

async function loadMaster(db: Queryable): Promise<MasterKey> {
  const given = process.env.LIKENESS_MASTER_KEY;
  if (given) {
    const key = Buffer.from(given, 'base64');
    // Fail closed: a mistyped key must not silently become a weaker or different one.
    if (key.length !== 32 || key.toString('base64') !== given.replace(/\s/g, '')) {
      throw new Error('LIKENESS_MASTER_KEY must be exactly 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
    }
    return { id: idOf(key), key };
  }
  await db.query(`insert into protection_master_keys (id, key_b64) values ('default', $1) on conflict (id) do nothing`, [
    randomBytes(32).toString('base64'),
  ]);
  const [row] = await db.query<{ key_b64: string }>(`select key_b64 from protection_master_keys where id = 'default'`);
  const key = Buffer.from(row!.key_b64, 'base64');
  return { id: idOf(key), key };
}

/** The subject's data key, created on first need. Two uploads racing for a new subject get the same key. */
export async function dataKeyFor(q: Queryable, master: MasterKey, tenantId: string, subjectId: string): Promise<DataKey> {
  const id = randomUUID();
  const wrapped = wrapKey(master.key, randomBytes(32), aadOf(tenantId, subjectId, id));
  await q.query(
    `insert into subject_data_keys (id, tenant_id, subject_id, wrapped, master_key_id) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, subject_id) do nothing`,
    [id, tenantId, subjectId, wrapped, master.id],
  );
  const [row] = await q.query<{ id: string }>('select id from subject_data_keys where tenant_id = $1 and subject_id = $2', [tenantId, subjectId]);
  const key = row && (await loadDataKey(q, master, row.id));
  if (!key) throw new Error('the subject data key vanished while it was being created');
  return key;
}

/** The key by id, unwrapped; null once it has been shredded. */
export async function loadDataKey(q: Queryable, master: MasterKey, keyId: string): Promise<DataKey | null> {
  const [row] = await q.query<{ id: string; tenant_id: string; subject_id: string; wrapped: string; master_key_id: string }>(
    'select id, tenant_id, subject_id, wrapped, master_key_id from subject_data_keys where id = $1',
    [keyId],
  );
  if (!row) return null;
  if (row.master_key_id !== master.id) {
    throw new Error(`subject key ${keyId} is wrapped under master key ${row.master_key_id}, not the configured ${master.id}`);
  }
  return { id: row.id, tenantId: row.tenant_id, subjectId: row.subject_id, key: unwrapKey(master.key, row.wrapped, aadOf(row.tenant_id, row.subject_id, row.id)) };
}

export interface Shred {
  keyId: string;
  subjectId: string;
  reason: string;
}

/**
 * Destroys the key when no item references it any more (the subject's last protected item
 * was just deleted in this transaction). The key row is locked first, so two deletions of
 * the last two items serialise and the second one sees that nothing is left.
 */
export async function shredIfUnused(
  q: Queryable,
  keyId: string | null | undefined,
  why: { reason: string; actor: string; mediaIds: string[] },
): Promise<Shred | null> {
  if (!keyId) return null;
  const [key] = await q.query<{ tenant_id: string; subject_id: string }>(
    'select tenant_id, subject_id from subject_data_keys where id = $1 for update',
    [keyId],
  );
  if (!key) return null;
  const [left] = await q.query('select id from media where protection_key_id = $1 limit 1', [keyId]);
  if (left) return null;
  await q.query('delete from subject_data_keys where id = $1', [keyId]);
  await q.query(
    `insert into subject_key_shreds (key_id, tenant_id, subject_id, reason, actor, media_ids) values ($1, $2, $3, $4, $5, $6)`,
    [keyId, key.tenant_id, key.subject_id, why.reason, why.actor, JSON.stringify(why.mediaIds)],
  );
  return { keyId, subjectId: key.subject_id, reason: why.reason };
}

export async function subjectKeyId(q: Queryable, tenantId: string, subjectId: string): Promise<string | null> {
  const [row] = await q.query<{ id: string }>('select id from subject_data_keys where tenant_id = $1 and subject_id = $2', [tenantId, subjectId]);
  return row?.id ?? null;
}
