import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import { quarantineKey } from '../../storage/keys';
import type { ObjectTags } from '../../storage/tags';
import type { AppContext } from '../app-context';
import { AppError, isAppError } from '../core/errors';
import { refuseUnconsentedUpload } from '../consent/attestations';
import { enqueue } from '../queue/jobs';
import { MEDIA_QUEUE } from '../queue/queues';
import { ByteGuard } from './byte-guard';
import { KINDS, type MediaKind, type RetentionClass } from './kinds';
import { refuseImageBomb } from './header-check';
import { planProtection } from './protected';
import { readHead } from './read-head';
import { ABANDONED_REASON, appendEvent, getMedia, insertMedia, markReceived, type MediaRow } from './repo';
import { SNIFF_BYTES, sniffType } from './sniff';

export interface IngestRequest {
  tenantId: string;
  kind: MediaKind;
  body: Readable;
  declaredBytes?: number;
  filename?: string;
  consentId?: string;
  subjectId?: string;
  retentionClass?: RetentionClass;
  idempotencyKey?: string;
  actor: string;
}

export interface IngestResult {
  media: MediaRow;
  replayed: boolean;
}

/**
 * One upload, start to queue: a row is written first (so every byte in storage has
 * a record), the body is sniffed, streamed to quarantine while hashed and counted,
 * tagged, and the item is queued for its pipeline in the same transaction that marks
 * it received. Any failure removes both the object and the row.
 */
export async function ingest(ctx: AppContext, req: IngestRequest): Promise<IngestResult> {
  const maxBytes = ctx.config.limits.bytes[req.kind];
  if (req.declaredBytes !== undefined && req.declaredBytes > maxBytes) {
    req.body.resume();
    throw new AppError('media.too_large', `the upload is over the ${maxBytes}-byte limit for ${req.kind}`, { maxBytes });
  }
  if (req.idempotencyKey) {
    const earlier = await findIdempotent(ctx, req);
    if (earlier) {
      await requireSameRequest(req, earlier, maxBytes);
      return { media: earlier, replayed: true };
    }
  }

  const spec = KINDS[req.kind];
  const id = randomUUID();
  // Children's data (declared under 14) is sealed as it streams, under its own prefix and subject key.
  const protection = await planProtection(ctx, req, id);
  const key = protection?.objectKey ?? quarantineKey(req.tenantId, id);
  const retention = req.retentionClass ?? spec.defaultRetention;
  await ctx.db.tx(async (q) => {
    await insertMedia(q, {
      id,
      tenant_id: req.tenantId,
      kind: req.kind,
      object_key: key,
      retention_class: retention,
      data_category: spec.dataCategory,
      consent_id: req.consentId ?? null,
      subject_id: req.subjectId ?? null,
      filename: req.filename ?? null,
    });
    await protection?.bind(q);
    if (req.idempotencyKey) {
      const claimed = await q.query(
        `insert into idempotency_keys (tenant_id, key, media_id, kind) values ($1, $2, $3, $4)
         on conflict do nothing returning media_id`,
        [req.tenantId, req.idempotencyKey, id, req.kind],
      );
      if (!claimed.length) throw new AppError('idempotency.in_progress', 'a request with this Idempotency-Key is being processed');
    }
  });

  try {
    const { head, rest } = await readHead(req.body, SNIFF_BYTES);
    const contentType = await sniffType(req.kind, head);
    if (spec.modality === 'image') await refuseImageBomb(head, ctx.config.limits.maxImagePixels);
    await refuseUnconsentedUpload(ctx, req);
    const guard = new ByteGuard(maxBytes);
    const tags: ObjectTags = {
      tenant: req.tenantId,
      kind: req.kind,
      state: 'quarantined',
      retention,
      category: spec.dataCategory,
      aigc: spec.dataCategory === 'synthetic' ? 'true' : undefined,
      consent: req.consentId,
      subject: req.subjectId,
      ...protection?.tags,
    };
    await settleBoth(
      pipeline(rest, guard),
      ctx.store.putStream(key, protection ? protection.seal(guard) : guard, protection?.contentType ?? contentType, tags).catch((e: unknown) => {
        guard.destroy(e as Error);
        throw e;
      }),
    );
    const sha256 = guard.digest();
    const media = await ctx.db.tx(async (q) => {
      // Conditional: past RECEIVING_TIMEOUT_SECONDS the reaper may have taken this row as stranded, and
      // completing it then would leave a queued item whose bytes the reaper is removing.
      if (!(await markReceived(q, id, { content_type: contentType, size_bytes: String(guard.bytes), sha256 }))) {
        throw new AppError('media.upload_abandoned', 'the upload took longer than the server waits for one and was discarded; retry it');
      }
      await enqueue(q, MEDIA_QUEUE, { mediaId: id }, { maxAttempts: ctx.config.worker.maxAttempts });
      await appendEvent(q, {
        tenantId: req.tenantId,
        mediaId: id,
        type: 'received',
        actor: req.actor,
        data: { kind: req.kind, sizeBytes: guard.bytes, sha256, contentType },
      });
      return (await getMedia(q, req.tenantId, id))!;
    });
    ctx.wakeWorkers();
    return { media, replayed: false };
  } catch (e) {
    req.body.resume();
    await discard(ctx, req, id, key);
    throw e;
  }
}

/** Waits for both sides of the stream; the limit error (an AppError) wins over the storage error it caused. */
async function settleBoth(...work: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(work);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const first = failures.find(isAppError) ?? failures[0];
  if (first) throw first;
}

async function findIdempotent(ctx: AppContext, req: IngestRequest): Promise<MediaRow | null> {
  const [row] = await ctx.db.query<{ media_id: string; kind: string }>(
    'select media_id, kind from idempotency_keys where tenant_id = $1 and key = $2',
    [req.tenantId, req.idempotencyKey],
  );
  if (!row) return null;
  if (row.kind !== req.kind) {
    throw new AppError('idempotency.mismatch', 'this Idempotency-Key was used for a different kind of upload');
  }
  const media = await getMedia(ctx.db, req.tenantId, row.media_id);
  if (!media) return null;
  if (media.state === 'receiving') throw new AppError('idempotency.in_progress', 'the first request with this key is still uploading');
  return media;
}

/**
 * A replay must be the same request: the same bytes (hashed as they arrive, bounded by the kind's
 * limit) and the same parameters. Another body under a used key is a client bug that would
 * otherwise get someone else's result back: 422, as payment APIs answer.
 */
async function requireSameRequest(req: IngestRequest, earlier: MediaRow, maxBytes: number): Promise<void> {
  const guard = new ByteGuard(maxBytes);
  await pipeline(req.body, guard, new Writable({ write: (_c, _e, done) => done() }));
  const same = guard.digest() === earlier.sha256
    && (req.consentId ?? null) === earlier.consent_id && (req.subjectId ?? null) === earlier.subject_id
    && (req.filename ?? null) === earlier.filename
    && (req.retentionClass === undefined || req.retentionClass === earlier.retention_class);
  if (!same) throw new AppError('idempotency.mismatch', 'this Idempotency-Key was used for a different request (other bytes or parameters)');
}

async function discard(ctx: AppContext, req: IngestRequest, id: string, key: string): Promise<void> {
  try {
    await ctx.store.deleteAllVersions(key);
  } finally {
    await ctx.db.tx(async (q) => {
      await q.query('delete from idempotency_keys where tenant_id = $1 and media_id = $2', [req.tenantId, id]);
      // A row the reaper has claimed is left to it: it removes the row with the event that says why.
      await q.query('delete from media where id = $1 and reason_code is distinct from $2', [id, ABANDONED_REASON]);
    });
  }
}
