import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../../app-context';
import { latestRecordedChallenge } from '../../consent/repo';
import { AppError } from '../../core/errors';
import { getMediaById } from '../../media/repo';
import { protectionOf } from '../../media/protection';
import { factsOf } from '../../review/accounts';
import { claimChosen, claimNext, itemFacts, release } from '../../review/claims';
import { decide } from '../../review/decide';
import { mayWork, parseQueueId, type QueueId } from '../../review/policy';
import { dashboard, queueItems, queueSummaries } from '../../review/queues';
import { getItem, setSla, type ReviewItemRow } from '../../review/repo';
import { itemView, linkValid, type LinkTarget } from '../../review/view';
import type { ModeratorEnv } from '../moderator-auth';
import { parseJson } from './review-parse';
import { requireAdmin } from './review-session';

/** The console's queues, items, claims, decisions, media bytes and dashboard. Mounted after the session check. */
const DecisionSchema = z
  .object({
    action: z.enum(['approve', 'reject', 'escalate', 'request_evidence']),
    reason: z.string().max(100).optional(),
    note: z.string().max(4000).optional(),
    same_hash: z.boolean().optional(),
    add_to_hash_bank: z.boolean().optional(),
  })
  .strict();

const SlaSchema = z.object({ minutes: z.number().int().min(1).max(525_600) }).strict();

function queueParam(s: string): QueueId {
  const q = parseQueueId(decodeURIComponent(s));
  if (!q) throw new AppError('request.invalid', 'no such queue');
  return q;
}

export function reviewItemRoutes(ctx: AppContext) {
  const app = new Hono<ModeratorEnv>();
  const view = (c: Context<ModeratorEnv>, item: ReviewItemRow) => itemView(ctx, c.get('moderator'), item, c.get('linkKey'));

  /** An item this moderator may see; anything else answers exactly like a missing one. */
  const visible = async (c: Context<ModeratorEnv>, id: string) => {
    const item = await getItem(ctx.db, id);
    if (!item || !mayWork(factsOf(c.get('moderator')), itemFacts(item))) throw new AppError('review.not_found', 'no such review item');
    return item;
  };

  app.get('/review/api/queues', async (c) => c.json({ queues: await queueSummaries(ctx, c.get('moderator')) }));

  app.get('/review/api/queues/:queue/items', async (c) => {
    const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
    return c.json({ items: await queueItems(ctx, c.get('moderator'), queueParam(c.req.param('queue')), limit) });
  });

  app.post('/review/api/queues/:queue/claim', async (c) => {
    const item = await claimNext(ctx, c.get('moderator'), queueParam(c.req.param('queue')));
    return c.json({ item: item && (await view(c, item)) });
  });

  app.put('/review/api/queues/:queue/sla', async (c) => {
    requireAdmin(c.get('moderator').role);
    const queue = queueParam(c.req.param('queue'));
    const { minutes } = await parseJson(c.req.raw, SlaSchema);
    await setSla(ctx.db, queue, minutes, `moderator:${c.get('moderator').id}`);
    return c.json({ queue, sla_minutes: minutes });
  });

  app.get('/review/api/items/:id', async (c) => c.json(await view(c, await visible(c, c.req.param('id')))));

  // Both claims answer {item}: the next of a queue may be none, a chosen one is the item or an error.
  app.post('/review/api/items/:id/claim', async (c) => c.json({ item: await view(c, await claimChosen(ctx, c.get('moderator'), c.req.param('id'))) }));

  app.post('/review/api/items/:id/release', async (c) => {
    await release(ctx, c.get('moderator'), c.req.param('id'));
    return c.json({ released: true });
  });

  app.post('/review/api/items/:id/decision', async (c) => {
    const b = await parseJson(c.req.raw, DecisionSchema);
    const out = await decide(ctx, c.get('moderator'), c.req.param('id'), {
      action: b.action, reason: b.reason, note: b.note, sameHash: b.same_hash, addToHashBank: b.add_to_hash_bank,
    });
    // The console moves on to the next item; a full view of this one would be built for nothing.
    const { id, state, queue, decision } = out.item;
    return c.json({ item: { id, state, queue, decision }, also_decided: out.alsoDecided, hash_bank_entry: out.hashBankEntry });
  });

  app.get('/review/api/items/:id/media', (c) => serveBytes(c, 'media'));
  app.get('/review/api/items/:id/consent-recording', (c) => serveBytes(c, 'consent-recording'));

  app.get('/review/api/dashboard', async (c) => c.json(await dashboard(ctx, c.get('moderator'))));

  /** Bytes for the console only: the session, a live signed link for it, and the item in reach. Ranges for seeking. */
  async function serveBytes(c: Context<ModeratorEnv>, target: LinkTarget): Promise<Response> {
    const id = c.req.param('id')!;
    if (!linkValid(c.get('linkKey'), id, target, c.req.query('exp') ?? '', c.req.query('sig') ?? '')) {
      throw new AppError('review.link_expired', 'this media link is not valid for this session any more; reload the item');
    }
    const item = await visible(c, id);
    const key = target === 'media' ? await mediaKey(item) : (await latestRecordedChallenge(ctx.db, await attestationOf(item)))?.recording_key;
    const obj = key ? await ctx.store.read(key, c.req.header('range') ?? undefined) : null;
    if (!obj) throw new AppError('review.not_found', 'the bytes are gone');
    const headers: Record<string, string> = {
      'content-type': obj.contentType ?? 'application/octet-stream',
      'content-length': String(obj.size),
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
      'cross-origin-resource-policy': 'same-origin',
    };
    if (obj.contentRange) headers['content-range'] = obj.contentRange;
    return new Response(Readable.toWeb(obj.body) as ReadableStream, { status: obj.contentRange ? 206 : 200, headers });
  }

  async function mediaKey(item: ReviewItemRow): Promise<string | null> {
    const media = item.media_id ? await getMediaById(ctx.db, item.media_id) : null;
    if (!media) return null;
    if (protectionOf(media)) throw new AppError('access.approval_required', 'children’s data is read only through an approved access request');
    return media.object_key;
  }

  async function attestationOf(item: ReviewItemRow): Promise<string> {
    if (item.attestation_id) return item.attestation_id;
    const media = item.media_id ? await getMediaById(ctx.db, item.media_id) : null;
    if (!media?.consent_id) throw new AppError('review.not_found', 'this item has no consent recording');
    return media.consent_id;
  }
  return app;
}
