import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { AppError, type AnyErrorCode } from '../../core/errors';
import { deleteMedia } from '../../media/delete';
import { ingest } from '../../media/ingest';
import type { RetentionClass } from '../../media/kinds';
import { getMedia, listStageResults, type MediaRow } from '../../media/repo';
import { preferWaitSeconds, waitForDecision } from '../wait';
import type { AuthEnv } from '../auth';
import { mediaSummary, mediaView } from '../media-view';
import {
  DeletionReceiptSchema,
  MediaIdParam,
  MediaListSchema,
  MediaSchema,
  UploadParamsSchema,
} from '../schemas';
import { uploadBody } from '../upload-body';
import { problem } from '../route-spec';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function mediaRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/media',
    summary: 'Upload an item (multipart with fields before the file part, or a raw body with parameters in the query)',
    security: [{ apiKey: [] }],
    request: {
      query: UploadParamsSchema.partial(),
      headers: z.object({
        'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,200}$/).optional(),
        prefer: z.string().optional().openapi({ description: 'RFC 7240 `wait=N` (N ≤ 30): answer with the decision if it comes within N seconds' }),
      }),
      body: {
        content: {
          'multipart/form-data': { schema: UploadParamsSchema.extend({ file: z.string().openapi({ format: 'binary' }) }) },
          'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      202: { description: 'Accepted and queued (or not decided within `Prefer: wait=N`)', content: { 'application/json': { schema: MediaSchema } } },
      200: { description: 'Decided within `Prefer: wait=N`, or a replay of an earlier request with the same Idempotency-Key', content: { 'application/json': { schema: MediaSchema } } },
      400: problem('Invalid parameters or empty body'),
      401: problem('Missing or invalid API key'),
      409: problem('The same Idempotency-Key is still in flight'),
      413: problem('Over the size limit of the kind'),
      415: problem('The bytes are not a type this kind accepts'),
      422: problem('Invalid media (e.g. media.corrupt, media.too_many_pixels, media.invalid_text); with Prefer: wait, pipeline rejections too'),
    },
  });
  // An upload refused before its body was read leaves bytes in flight: close the
  // connection rather than let the client reuse a socket in an unknown state.
  app.use('/v1/media', async (c, next) => {
    await next();
    if (c.req.method === 'POST' && c.res.status >= 400) c.res.headers.set('connection', 'close');
  });
  app.post('/v1/media', async (c) => {
    const tenant = c.get('tenant');
    const idempotencyKey = c.req.header('idempotency-key');
    // As documented: 1-200 visible ASCII characters (a 6,000-character key used to fail in the index).
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AppError('request.invalid', 'Idempotency-Key is 1 to 200 visible ASCII characters');
    }
    const body = await uploadBody(c.req.raw);
    // The multipart part's own filename is checked like the parameter (length, characters).
    const parsed = UploadParamsSchema.safeParse({ ...(body.filename ? { filename: body.filename } : {}), ...c.req.query(), ...body.fields });
    if (!parsed.success) {
      body.file.resume();
      const kindIssue = parsed.error.issues.find((i) => i.path[0] === 'kind');
      if (kindIssue) throw new AppError('media.unknown_kind', 'kind must be one of the six media kinds', { issues: parsed.error.issues });
      throw new AppError('request.invalid', 'invalid upload parameters', { issues: parsed.error.issues });
    }
    const p = parsed.data;
    const { media, replayed } = await ingest(ctx, {
      tenantId: tenant.id,
      kind: p.kind,
      body: body.file,
      declaredBytes: body.declaredBytes,
      filename: p.filename,
      consentId: p.consent_id,
      subjectId: p.subject_id,
      retentionClass: p.retention_class as RetentionClass | undefined,
      idempotencyKey,
      actor: `tenant:${tenant.id}`,
    });
    const decided = await waitForDecision(ctx, media, preferWaitSeconds(c.req.header('prefer')));
    if (decided.state === 'rejected') {
      throw new AppError((decided.reason_code ?? 'media.corrupt') as AnyErrorCode, 'the item was rejected by its pipeline', { media_id: decided.id });
    }
    const view = await mediaView(ctx, decided, await listStageResults(ctx.db, decided.id));
    return c.json(view, replayed || decided.decision ? 200 : 202, {
      location: `/v1/media/${media.id}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  });

  const ownMedia = async (tenantId: string, id: string): Promise<MediaRow> => {
    const m = UUID.test(id) ? await getMedia(ctx.db, tenantId, id) : null;
    // Another tenant's item is answered exactly like a missing one.
    if (!m || m.state === 'receiving') throw new AppError('media.not_found', 'no such media');
    return m;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/media/{id}',
      summary: 'An item: state, decision, hashes, tags, stage results with evidence, download link once released',
      security: [{ apiKey: [] }],
      request: { params: MediaIdParam },
      responses: {
        200: { description: 'The item', content: { 'application/json': { schema: MediaSchema } } },
        404: problem('No such media for this tenant'),
      },
    }),
    async (c) => {
      const m = await ownMedia(c.get('tenant').id, c.req.valid('param').id);
      return c.json(await mediaView(ctx, m, await listStageResults(ctx.db, m.id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/media',
      summary: "The tenant's items, newest first",
      security: [{ apiKey: [] }],
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().datetime().optional(),
          state: z.string().optional(),
        }),
      },
      responses: { 200: { description: 'A page of items', content: { 'application/json': { schema: MediaListSchema } } } },
    }),
    async (c) => {
      const { limit, cursor, state } = c.req.valid('query');
      const rows = await ctx.db.query<MediaRow>(
        `select * from media where tenant_id = $1 and state <> 'receiving'
           and ($2::timestamptz is null or created_at < $2) and ($3::text is null or state = $3)
         order by created_at desc limit $4`,
        [c.get('tenant').id, cursor ?? null, state ?? null, limit],
      );
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return c.json({ items: rows.map(mediaSummary), next_cursor: last ? new Date(last.created_at).toISOString() : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/media/{id}',
      summary: 'Delete an item: every object version, derivative and row; returns the deletion receipt',
      security: [{ apiKey: [] }],
      request: { params: MediaIdParam },
      responses: {
        200: { description: 'Deleted', content: { 'application/json': { schema: DeletionReceiptSchema } } },
        404: problem('No such media for this tenant'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const m = await ownMedia(tenant.id, c.req.valid('param').id);
      const r = await deleteMedia(ctx, tenant.id, m.id, `tenant:${tenant.id}`);
      return c.json(
        {
          id: r.id,
          media_id: r.mediaId,
          kind: r.kind,
          sha256: r.sha256,
          objects_deleted: r.objectsDeleted.map((o) => ({ key: o.key, ...(o.versionId ? { version_id: o.versionId } : {}) })),
          rows_deleted: r.rowsDeleted,
          deleted_at: r.deletedAt,
        },
        200,
      );
    },
  );

  return app;
}
