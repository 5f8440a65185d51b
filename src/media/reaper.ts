import type { AppContext } from '../app-context';
import { purgeObjects } from './delete';
import {
  ABANDONED_REASON,
  appendEvent,
  claimAbandoned,
  databaseNow,
  deleteAbandoned,
  listReceivingBefore,
  lockReceiving,
  type ReceivingRow,
} from './repo';

/**
 * Uploads a crash stranded. Ingest writes its row (`receiving`) before the first byte and
 * settles it when the body ends, so a process killed in between leaves a row that nothing
 * finishes, maybe bytes under its key, and an Idempotency-Key that answers
 * `idempotency.in_progress` for ever. The reaper ends such rows: a row older than
 * RECEIVING_TIMEOUT_SECONDS — longer than any upload can last under the server's request
 * timeout — is claimed, its bytes and multipart leftovers are removed, then the row and its key
 * go in one transaction with an event saying why. A retry with the same key then starts afresh.
 *
 * The claim (reason_code on the still-`receiving` row) is what makes this safe against an upload
 * that is alive after all: ingest completes a row only while it is unclaimed, under the same
 * row lock, so either ingest wins and the reaper leaves the row, or the reaper wins and ingest
 * answers `media.upload_abandoned` and removes what it wrote.
 */

/** A claim is a few storage calls; one this old was left by a reaper that died, and is taken up again. */
export const CLAIM_RESUME_MS = 5 * 60_000;
const BATCH = 100;

export type ReceivingVerdict = 'keep' | 'abandon' | 'resume';

/** Pure: what the reaper does with a row, by the database's clock. */
export function receivingVerdict(
  row: Pick<ReceivingRow, 'state' | 'reason_code' | 'updated_at'>,
  now: Date,
  timeoutSeconds: number,
): ReceivingVerdict {
  if (row.state !== 'receiving') return 'keep';
  const idleMs = now.getTime() - new Date(row.updated_at).getTime();
  // Strictly older, as the listing's `updated_at < before` is: a row is judged the same by both.
  if (row.reason_code === ABANDONED_REASON) return idleMs > CLAIM_RESUME_MS ? 'resume' : 'keep';
  return idleMs > timeoutSeconds * 1000 ? 'abandon' : 'keep';
}

/** Rows older than this may be anything but 'keep': the listing's index-friendly bound. */
export function candidatesBefore(now: Date, timeoutSeconds: number): Date {
  return new Date(now.getTime() - Math.min(timeoutSeconds * 1000, CLAIM_RESUME_MS));
}

/** Often enough that a stranded row ends within about 1.25 × the timeout, at most once a minute. */
export function reapIntervalMs(timeoutSeconds: number): number {
  return Math.min(60_000, Math.max(1_000, Math.round(timeoutSeconds * 250)));
}

export interface ReapedUpload {
  mediaId: string;
  tenantId: string;
  objectsDeleted: string[];
  uploadsAborted: number;
  idempotencyKeysReleased: number;
}

/** One pass over stranded rows; a row that fails (storage down) is left claimed and taken up again later. */
export async function reapAbandonedUploads(ctx: Pick<AppContext, 'db' | 'store' | 'log' | 'config'>): Promise<ReapedUpload[]> {
  const timeout = ctx.config.receivingTimeoutSeconds;
  const now = await databaseNow(ctx.db);
  const rows = await listReceivingBefore(ctx.db, candidatesBefore(now, timeout), BATCH);
  const reaped: ReapedUpload[] = [];
  for (const row of rows) {
    if (receivingVerdict(row, now, timeout) === 'keep') continue;
    try {
      const done = await reapOne(ctx, row.id, now, timeout);
      if (done) reaped.push(done);
    } catch (err) {
      ctx.log.warn({ err, mediaId: row.id }, 'a stranded upload could not be removed yet');
    }
  }
  if (reaped.length) ctx.log.info({ reaped: reaped.map((r) => r.mediaId), timeoutSeconds: timeout }, 'stranded uploads removed');
  return reaped;
}

async function reapOne(
  ctx: Pick<AppContext, 'db' | 'store'>,
  id: string,
  now: Date,
  timeoutSeconds: number,
): Promise<ReapedUpload | null> {
  // Judged again on the locked row: the listing may be stale, and ingest may have completed it since.
  const row = await ctx.db.tx(async (q) => {
    const locked = await lockReceiving(q, id);
    if (!locked || receivingVerdict(locked, now, timeoutSeconds) === 'keep') return null;
    await claimAbandoned(q, id);
    return locked;
  });
  if (!row) return null;
  // Bytes first, the row last: until the row is gone it is the record that there is something to remove.
  const uploadsAborted = await ctx.store.abortUploads(row.object_key, { exactKey: true });
  const objects = await purgeObjects(ctx.store, row.tenant_id, row.id);
  return ctx.db.tx(async (q) => {
    const deleted = await deleteAbandoned(q, row.tenant_id, row.id);
    if (!deleted.media) return null;
    const result: ReapedUpload = {
      mediaId: row.id,
      tenantId: row.tenant_id,
      objectsDeleted: objects.map((o) => o.key),
      uploadsAborted,
      idempotencyKeysReleased: deleted.idempotencyKeys,
    };
    await appendEvent(q, {
      tenantId: row.tenant_id,
      mediaId: row.id,
      type: 'abandoned',
      actor: 'reaper',
      data: {
        reason: ABANDONED_REASON,
        kind: row.kind,
        receivingSince: new Date(row.created_at).toISOString(),
        timeoutSeconds,
        objectsDeleted: result.objectsDeleted,
        uploadsAborted,
        idempotencyKeysReleased: deleted.idempotencyKeys,
      },
    });
    return result;
  });
}

export interface ReaperHandle {
  /** Stops the timer and waits for a pass in progress, so the database is not closed under it. */
  stop(): Promise<void>;
}

/** A pass now (rows a crash left before this start) and then every reapIntervalMs; passes never overlap. */
export function startUploadReaper(ctx: Pick<AppContext, 'db' | 'store' | 'log' | 'config'>): ReaperHandle {
  let running: Promise<void> | null = null;
  const pass = () => {
    if (running) return;
    running = reapAbandonedUploads(ctx)
      .then(() => {}, (err: unknown) => ctx.log.warn({ err }, 'stranded upload sweep failed'))
      .finally(() => {
        running = null;
      });
  };
  pass();
  const timer = setInterval(pass, reapIntervalMs(ctx.config.receivingTimeoutSeconds));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
