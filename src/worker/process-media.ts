import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PIPELINES, runPipeline, type MediaFacts } from '../../pipelines';
import { keptKey, quarantineKey } from '../../storage/keys';
import type { AppContext } from '../app-context';
import { applyDecision, recordDecision } from '../media/finalize';
import { KINDS } from '../media/kinds';
import { declaredPixels } from '../media/pixel-budget';
import { purgeObjects } from '../media/delete';
import { fetchProtected, protectIfEstimatedChild } from '../media/protected';
import { protectionOf } from '../media/protection';
import { appendEvent, getMediaById, replaceStageResults, updateMedia, type MediaRow } from '../media/repo';
import { openMediaReview } from '../review/enqueue';
import { decodeBudget } from './decode-budget';

const FINAL_STATES = new Set(['released', 'review', 'blocked', 'rejected']);

/**
 * One media job: fetch the bytes to a temp file, run the kind's pipeline with storage
 * capabilities, record every stage result and the decision in one transaction.
 * Re-running after a crash is safe: finished items are skipped, moves are not redone.
 *
 * An image's run holds its declared pixels of the process's decode budget (MAX_DECODE_PIXELS)
 * from its first stage to its decision: the probe, the face pass and the image pass each decode
 * the whole picture, and their pixels live until the run ends. A run that must wait for the
 * budget waits here, outside every stage's time budget, its lease still extended; a lost lease
 * ends the wait. Videos need none: ffmpeg decodes in its own process and hands out frames of
 * at most 1280 px (faces) and 448 px (moderation), a few at a time.
 */
export async function processMedia(ctx: AppContext, mediaId: string, workerId: string, signal: AbortSignal): Promise<void> {
  const media = await getMediaById(ctx.db, mediaId);
  if (!media || FINAL_STATES.has(media.state)) return;
  await updateMedia(ctx.db, media.id, { state: 'processing' });
  await appendEvent(ctx.db, { tenantId: media.tenant_id, mediaId, type: 'processing', actor: `worker:${workerId}` });

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'likeness-'));
  try {
    const file = path.join(dir, 'item');
    await fetchBytes(ctx, media, file);
    const pixels = KINDS[media.kind].modality === 'image' ? await declaredPixels(file, ctx.config.limits.maxImagePixels) : 0;
    let applied: { state: string; objectKey: string } | undefined;
    const run = await decodeBudget(ctx).run(pixels, () => runPipeline(PIPELINES[media.kind], {
      media: factsOf(media),
      file,
      limits: { ...ctx.config.limits, ffmpegPath: ctx.config.ffmpegPath, ffprobePath: ctx.config.ffprobePath },
      capabilities: {
        account: { db: ctx.db, store: ctx.store },
        store: async (decision, results) => {
          // A face estimated under 14 makes the item children's data: sealed and marked before any release.
          const current = await protectIfEstimatedChild(ctx, media, decision, results, file, `worker:${workerId}`);
          applied = await applyDecision(ctx.store, current, decision);
          return applied;
        },
      },
      signal,
    }), signal);
    const stillThere = await ctx.db.tx(async (q) => {
      const rows = await q.query('select id from media where id = $1 for update', [mediaId]);
      if (!rows.length) return false;
      await replaceStageResults(q, mediaId, run.results);
      const state = (applied?.state ?? 'review') as MediaRow['state'];
      // Every item that ends in review gets a review item in the same transaction: none is left without a door.
      if (state === 'review') await openMediaReview(q, media, run.results);
      await recordDecision(q, media, { state, objectKey: applied?.objectKey ?? media.object_key }, {
        decision: run.decision, reason: run.reason ?? null, type: 'decided', actor: `worker:${workerId}`,
      });
      return true;
    });
    // Deleted while we worked: whatever this run wrote to storage must not outlive the row.
    if (!stillThere) await purgeObjects(ctx.store, media.tenant_id, mediaId);
    else ctx.events.emit('decided', mediaId);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The bytes are in quarantine, or already in the kept prefix if a crashed run had moved them. */
async function fetchBytes(ctx: AppContext, m: MediaRow, file: string): Promise<void> {
  // Children's data is decrypted into the temp file (removed with its folder when the run ends).
  if (protectionOf(m)) return fetchProtected(ctx, m, file);
  if (await ctx.store.download(quarantineKey(m.tenant_id, m.id), file)) return;
  if (!(await ctx.store.download(keptKey(m.tenant_id, m.id), file))) throw new Error(`the bytes of ${m.id} are missing from storage`);
}

const factsOf = (m: MediaRow): MediaFacts => ({
  id: m.id,
  tenantId: m.tenant_id,
  kind: m.kind,
  contentType: m.content_type ?? 'application/octet-stream',
  sizeBytes: Number(m.size_bytes ?? 0),
  sha256: m.sha256 ?? '',
  consentId: m.consent_id ?? undefined,
  subjectId: m.subject_id ?? undefined,
});

/** After the last retry the item is failed closed: it goes to human review, never to pass. */
export async function failClosed(ctx: AppContext, mediaId: string, error: string): Promise<void> {
  const media = await getMediaById(ctx.db, mediaId);
  if (!media || FINAL_STATES.has(media.state)) return;
  await ctx.db.tx(async (q) => {
    await updateMedia(q, mediaId, { state: 'review', decision: 'review', reason_code: 'pipeline.failed', decided_at: new Date() });
    await openMediaReview(q, media, [{ stage: 'pipeline', status: 'review', reason: 'pipeline.failed' }]);
    await appendEvent(q, { tenantId: media.tenant_id, mediaId, type: 'failed', actor: 'worker', data: { error: error.slice(0, 500) } });
  });
}
