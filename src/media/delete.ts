import { randomUUID } from 'node:crypto';
import { derivedPrefix, keptKey, protectedKey, quarantineKey } from '../../storage/keys';
import type { DeletedObject, ObjectStore } from '../../storage/s3';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import { cancelJobsFor } from '../queue/jobs';
import { MEDIA_QUEUE } from '../queue/queues';
import { shredIfUnused } from './protected-keys';
import { protectionOf } from './protection';
import { appendEvent, getMedia } from './repo';

export interface DeletionReceipt {
  id: string;
  mediaId: string;
  tenantId: string;
  kind: string;
  sha256: string | null;
  objectsDeleted: DeletedObject[];
  rowsDeleted: Record<string, number>;
  deletedAt: string;
}

/** Every prefix an item's bytes can live under: original, released copy, derivatives. */
export const itemPrefixes = (tenantId: string, mediaId: string) => [
  quarantineKey(tenantId, mediaId),
  keptKey(tenantId, mediaId),
  protectedKey(tenantId, mediaId),
  derivedPrefix(tenantId, mediaId),
];

export async function purgeObjects(store: ObjectStore, tenantId: string, mediaId: string): Promise<DeletedObject[]> {
  const deleted: DeletedObject[] = [];
  for (const prefix of itemPrefixes(tenantId, mediaId)) deleted.push(...(await store.deleteAllVersions(prefix)));
  for (const prefix of itemPrefixes(tenantId, mediaId)) {
    if ((await store.listKeys(prefix)).length) throw new AppError('storage.unavailable', `objects under ${prefix} survived deletion`);
  }
  return deleted;
}

/**
 * Deletion that really deletes: pending jobs are cancelled, every object version and
 * derivative is removed and checked gone, then the rows go, and a receipt records
 * what was removed. The receipt and the event log keep no content, only hashes.
 */
export async function deleteMedia(ctx: AppContext, tenantId: string, mediaId: string, actor: string): Promise<DeletionReceipt> {
  const media = await getMedia(ctx.db, tenantId, mediaId);
  if (!media) throw new AppError('media.not_found', 'no such media');
  await cancelJobsFor(ctx.db, MEDIA_QUEUE, mediaId);
  const objectsDeleted = await purgeObjects(ctx.store, tenantId, mediaId);
  const receipt = await ctx.db.tx(async (q) => {
    const stageRows = await q.query('delete from stage_results where media_id = $1 returning seq', [mediaId]);
    const keyRows = await q.query('delete from idempotency_keys where media_id = $1 returning key', [mediaId]);
    // Review items and the appeal hold the item's scores and the tenant's statement: they go too
    // (the foreign keys would cascade; counted here so the receipt says so). Moderation events stay.
    const reviewRows = await q.query('delete from review_items where media_id = $1 returning id', [mediaId]);
    const appealRows = await q.query('delete from appeals where media_id = $1 returning id', [mediaId]);
    const mediaRows = await q.query('delete from media where id = $1 and tenant_id = $2 returning id', [mediaId, tenantId]);
    // The subject's last protected item gone: its key goes too (crypto-shredding), so copies left anywhere stay sealed.
    const shred = await shredIfUnused(q, protectionOf(media)?.keyId, { reason: 'last_item_deleted', actor, mediaIds: [mediaId] });
    const r: DeletionReceipt = {
      id: randomUUID(),
      mediaId,
      tenantId,
      kind: media.kind,
      sha256: media.sha256,
      objectsDeleted,
      rowsDeleted: {
        media: mediaRows.length,
        stage_results: stageRows.length,
        idempotency_keys: keyRows.length,
        ...(reviewRows.length ? { review_items: reviewRows.length } : {}),
        ...(appealRows.length ? { appeals: appealRows.length } : {}),
        ...(shred ? { subject_data_keys: 1 } : {}),
      },
      deletedAt: new Date().toISOString(),
    };
    await q.query(
      `insert into deletion_receipts (id, tenant_id, media_id, kind, sha256, objects_deleted, rows_deleted, requested_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.id, tenantId, mediaId, r.kind, r.sha256, JSON.stringify(objectsDeleted), JSON.stringify(r.rowsDeleted), actor],
    );
    await appendEvent(q, { tenantId, mediaId, type: 'deleted', actor, data: { receiptId: r.id } });
    return r;
  });
  return receipt;
}
