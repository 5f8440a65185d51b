import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { protectedKey } from '../../../storage/keys';
import type { AppContext } from '../../app-context';
import { getSubject } from '../../consent/repo';
import { AppError } from '../../core/errors';
import { deleteMedia } from '../../media/delete';
import {
  createAccessRequest,
  decideAccessRequest,
  listAccessLog,
  listAccessRequests,
  logAccess,
  redeemGrant,
  type AccessLogRow,
  type AccessRequestRow,
} from '../../media/protected-access';
import { shredIfUnused, subjectKeyId } from '../../media/protected-keys';
import { openPlaintext } from '../../media/protected-store';
import { ProtectedDataError, protectionOf } from '../../media/protection';
import { getMedia, type MediaRow } from '../../media/repo';
import type { AuthEnv } from '../auth';
import { MediaIdParam } from '../schemas';
import { problem, json, body, security } from '../route-spec';

/**
 * Children's data (docs/consent.md, "Children under 14"): no download link, only reads
 * through an approved access request, streamed and decrypted on the fly, each one logged;
 * and erasure of a subject's protected data with its key.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const RequestSchema = z
  .object({
    id: z.string().uuid(),
    media_id: z.string().uuid(),
    state: z.enum(['pending', 'approved', 'denied', 'used']),
    reason: z.string(),
    requested_by: z.string().uuid().openapi({ description: 'the id of the API key that asked' }),
    decided_by: z.string().uuid().nullable(),
    decision_note: z.string().nullable(),
    decided_at: z.string().nullable(),
    grant_expires_at: z.string().nullable(),
    used_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('AccessRequest');
const DecisionSchema = RequestSchema.extend({
  grant: z.string().nullable().openapi({ description: 'redeem once, with the requesting key, at content_url' }),
  content_url: z.string().nullable(),
}).openapi('AccessDecision');
const LogSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        action: z.enum(['requested', 'approved', 'denied', 'refused', 'read', 'read_failed']),
        request_id: z.string().nullable(),
        actor_key_id: z.string().nullable(),
        code: z.string().nullable(),
        detail: z.record(z.string(), z.unknown()),
        at: z.string(),
      }),
    ),
  })
  .openapi('AccessLog');
const RequestParams = MediaIdParam.extend({ request_id: z.string().openapi({ param: { name: 'request_id', in: 'path' } }) });
const SubjectParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const requestView = (r: AccessRequestRow) => ({
  id: r.id,
  media_id: r.media_id,
  state: r.state,
  reason: r.reason,
  requested_by: r.requested_by,
  decided_by: r.decided_by,
  decision_note: r.decision_note,
  decided_at: iso(r.decided_at),
  grant_expires_at: iso(r.grant_expires_at),
  used_at: iso(r.used_at),
  created_at: new Date(r.created_at).toISOString(),
});
const logView = (l: AccessLogRow) => ({ ...l, at: new Date(l.at).toISOString() });

export function accessRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();

  /** The tenant's protected item; another tenant's id is answered like a missing one. */
  const protectedItem = async (tenantId: string, id: string): Promise<MediaRow> => {
    const m = UUID.test(id) ? await getMedia(ctx.db, tenantId, id) : null;
    if (!m || m.state === 'receiving') throw new AppError('media.not_found', 'no such media');
    if (!protectionOf(m)) throw new ProtectedDataError('access.not_protected', 'the item is not protected data; its download link is in GET /v1/media/{id}');
    return m;
  };

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/media/{id}/access-requests', summary: "Ask to read a child's item (an approver of the tenant decides)", security,
      request: { params: MediaIdParam, ...body(z.object({ reason: z.string().trim().min(3).max(500) })) },
      responses: { 201: json(RequestSchema, 'Requested'), 404: problem('No such media'), 409: problem('access.not_protected') },
    }),
    async (c) => {
      const m = await protectedItem(c.get('tenant').id, c.req.valid('param').id);
      const r = await createAccessRequest(ctx.db, m, c.get('apiKey'), c.req.valid('json').reason);
      return c.json(requestView(r), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/media/{id}/access-requests', summary: "The item's access requests", security,
      request: { params: MediaIdParam },
      responses: { 200: json(z.object({ items: z.array(RequestSchema) }), 'Requests, oldest first'), 404: problem('No such media') },
    }),
    async (c) => {
      const m = await protectedItem(c.get('tenant').id, c.req.valid('param').id);
      return c.json({ items: (await listAccessRequests(ctx.db, m)).map(requestView) }, 200);
    },
  );

  for (const decision of ['approve', 'deny'] as const) {
    app.openapi(
      createRoute({
        method: 'post', path: `/v1/media/{id}/access-requests/{request_id}/${decision}`, security,
        summary: decision === 'approve' ? 'Approve a read (approver role; not the requesting key): one read within 5 minutes' : 'Deny a read (approver role)',
        request: { params: RequestParams, ...body(z.object({ note: z.string().max(500).optional() })) },
        responses: {
          200: json(DecisionSchema, 'Decided'),
          403: problem('access.not_approver, access.self_approval'),
          404: problem('No such media or request'),
          409: problem('access.conflict: already decided'),
        },
      }),
      async (c) => {
        const { id, request_id } = c.req.valid('param');
        const m = await protectedItem(c.get('tenant').id, id);
        const r = await decideAccessRequest(ctx.db, m, request_id, c.get('apiKey'), decision, c.req.valid('json').note);
        const granted = r.state === 'approved';
        return c.json(
          { ...requestView(r), grant: granted ? r.id : null, content_url: granted ? `/v1/media/${m.id}/content?grant=${r.id}` : null },
          200,
        );
      },
    );
  }

  app.openAPIRegistry.registerPath({
    method: 'get', path: '/v1/media/{id}/content', security,
    summary: "A child's item, decrypted on the fly: one read per approved request, by the key that asked",
    request: { params: MediaIdParam, query: z.object({ grant: z.string().optional() }) },
    responses: {
      200: { description: 'The original bytes', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
      403: problem('access.approval_required, access.grant_used, access.grant_expired, access.grant_not_yours'),
      404: problem('No such media'),
      409: problem('access.not_protected, access.no_content'),
      410: problem('protected.key_destroyed'),
    },
  });
  app.get('/v1/media/:id/content', async (c) => {
    const m = await protectedItem(c.get('tenant').id, c.req.param('id'));
    const by = c.get('apiKey');
    // Checked before the grant is spent: an item without bytes must not burn an approval.
    if (m.state === 'rejected' || !(await ctx.store.exists(protectedKey(m.tenant_id, m.id)))) {
      throw new ProtectedDataError('access.no_content', 'the item has no stored bytes (rejected or deleted)');
    }
    const r = await redeemGrant(ctx.db, m, c.req.query('grant'), by);
    const plain = await openPlaintext(ctx.db, ctx.store, m).catch(async (e: unknown) => {
      await logAccess(ctx.db, { item: m, action: 'read_failed', requestId: r.id, actor: by.id, code: (e as AppError).code ?? 'internal' });
      throw e;
    });
    if (!plain) throw new ProtectedDataError('access.no_content', 'the item has no stored bytes');
    await logAccess(ctx.db, { item: m, action: 'read', requestId: r.id, actor: by.id, detail: { bytes: Number(m.size_bytes), sha256: m.sha256 } });
    // A chunk that fails authentication ends the body early: the client sees a broken transfer, never altered bytes.
    plain.once('error', (e) => {
      void logAccess(ctx.db, { item: m, action: 'read_failed', requestId: r.id, actor: by.id, code: 'integrity', detail: { error: e.message } }).catch(() => {});
    });
    return new Response(Readable.toWeb(plain) as unknown as ReadableStream, {
      status: 200,
      headers: {
        'content-type': m.content_type ?? 'application/octet-stream',
        'cache-control': 'no-store',
        // The body is authenticated chunk by chunk; a client that wants the whole item checked at once compares this.
        ...(m.sha256 ? { 'x-content-sha256': m.sha256 } : {}),
        ...(m.size_bytes ? { 'content-length': String(m.size_bytes) } : {}),
        ...(m.filename ? { 'content-disposition': `attachment; filename="${m.filename.replace(/[^\w.-]/g, '_')}"` } : {}),
      },
    });
  });

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/media/{id}/access-log', summary: 'Every request, approval, denial, refusal and read of the item (append-only)', security,
      request: { params: MediaIdParam },
      responses: { 200: json(LogSchema, 'The log, oldest first'), 404: problem('No such media') },
    }),
    async (c) => {
      const m = await protectedItem(c.get('tenant').id, c.req.valid('param').id);
      return c.json({ items: (await listAccessLog(ctx.db, m)).map(logView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete', path: '/v1/subjects/{id}/protected-data', security,
      summary: "Erase a child's protected items and destroy their key (crypto-shredding: every copy left becomes unreadable)",
      request: { params: SubjectParam },
      responses: {
        200: json(
          z.object({
            subject_id: z.string(),
            deleted: z.array(z.object({ media_id: z.string(), deletion_receipt_id: z.string() })),
            key: z.object({ id: z.string().nullable(), shredded: z.boolean() }),
          }),
          'Erased',
        ),
        404: problem('No such subject'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const subject = await getSubject(ctx.db, tenant.id, c.req.valid('param').id);
      if (!subject) throw new AppError('consent.subject_not_found', 'no such subject');
      const actor = `tenant:${tenant.id}:subject-erasure`;
      const keyId = await subjectKeyId(ctx.db, tenant.id, subject.id);
      const items = await ctx.db.query<{ id: string }>(
        `select id from media where tenant_id = $1 and protection_subject_id = $2 and state <> 'receiving' order by created_at`,
        [tenant.id, subject.id],
      );
      const deleted: { media_id: string; deletion_receipt_id: string }[] = [];
      for (const { id } of items) deleted.push({ media_id: id, deletion_receipt_id: (await deleteMedia(ctx, tenant.id, id, actor)).id });
      // The last deletion usually shredded the key already; a key with no items at all goes here. An upload
      // still streaming keeps it (its row references the key) and is reported as not shredded.
      if (keyId) await ctx.db.tx((q) => shredIfUnused(q, keyId, { reason: 'subject_erasure', actor, mediaIds: deleted.map((d) => d.media_id) }));
      const left = await subjectKeyId(ctx.db, tenant.id, subject.id);
      return c.json({ subject_id: subject.id, deleted, key: { id: keyId, shredded: keyId !== null && left !== keyId } }, 200);
    },
  );

  return app;
}
