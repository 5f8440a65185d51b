import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { createOptOut, getOptOut, voiceUnsupported, withdrawOptOut, type OptOutEvent, type OptOutRow } from '../../consent/opt-out';
import { AppError } from '../../core/errors';
import type { AuthEnv } from '../auth';
import { readBodyUpTo, uploadBody } from '../upload-body';
import { IdParam, ReceiptSchema } from './consent-schemas';
import { problem, json, security } from '../route-spec';


const OptOutParams = z.object({
  requester: z.string().min(1).max(200).openapi({ description: 'Who asked: the person, or the ticket the platform forwards' }),
  reason: z.string().max(500).optional(),
  modality: z.enum(['face', 'voice']).default('face').openapi({ description: 'voice is refused: no speaker model can match a voice' }),
});

const OptOutSchema = z
  .object({
    id: z.string().uuid(),
    source: z.literal('opt_out'),
    modality: z.literal('face'),
    requester: z.string(),
    reason: z.string().nullable(),
    photo_sha256: z.string(),
    state: z.enum(['active', 'withdrawn']),
    created_at: z.string(),
    withdrawn_at: z.string().nullable(),
    embeddings: z.number().int().optional(),
    events: z.array(z.object({ id: z.string(), type: z.string(), actor: z.string(), data: z.record(z.string(), z.unknown()), at: z.string() })).optional(),
    receipts: z.array(ReceiptSchema).optional(),
    receipt: ReceiptSchema.optional(),
  })
  .openapi('DoNotCloneEntry');

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const view = (o: OptOutRow) => ({
  id: o.id,
  source: 'opt_out' as const,
  modality: o.modality,
  requester: o.requester,
  reason: o.reason,
  photo_sha256: o.photo_sha256,
  state: o.state,
  created_at: iso(o.created_at)!,
  withdrawn_at: iso(o.withdrawn_at),
});
const eventView = (e: OptOutEvent) => ({ id: e.id, type: e.type, actor: e.actor, data: e.data, at: iso(e.at)! });

/** The do-not-clone registry's opt-out API: a platform forwards a person's request to list (or unlist) their face. */
export function doNotCloneRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  const actorOf = (tenantId: string) => `tenant:${tenantId}`;

  app.openAPIRegistry.registerPath({
    method: 'post', path: '/v1/do-not-clone', security,
    summary: "List a person's face: from then on no portrait or video of them passes, whatever attestation it carries",
    request: {
      query: OptOutParams.partial(),
      body: {
        content: {
          'multipart/form-data': { schema: OptOutParams.extend({ file: z.string().openapi({ format: 'binary' }) }) },
          'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      201: json(OptOutSchema, 'Listed, with its signed receipt'),
      400: problem('Missing requester, or no photo'),
      413: problem('Over the portrait size limit'),
      415: problem('Not a JPEG, PNG or WebP image'),
      422: problem('do_not_clone.no_face, do_not_clone.many_faces (exactly one face), do_not_clone.voice_unsupported, media.corrupt'),
      503: problem('The face models are unavailable (do_not_clone.unavailable); nothing was listed'),
    },
  });
  app.post('/v1/do-not-clone', async (c) => {
    const tenant = c.get('tenant');
    const body = await uploadBody(c.req.raw);
    const parsed = OptOutParams.safeParse({ ...c.req.query(), ...body.fields });
    if (!parsed.success || parsed.data.modality === 'voice') {
      body.file.resume();
      if (parsed.success) throw voiceUnsupported();
      throw new AppError('request.invalid', 'invalid opt-out parameters', { issues: parsed.error.issues });
    }
    // The photo is embedded, never stored.
    const photo = await readBodyUpTo(body.file, ctx.config.limits.bytes.portrait_image, 'the photo');
    const { optOut, receipt } = await createOptOut(ctx, tenant.id, actorOf(tenant.id), {
      photo, requester: parsed.data.requester, reason: parsed.data.reason,
    });
    return c.json({ ...view(optOut), receipt }, 201, { location: `/v1/do-not-clone/${optOut.id}` });
  });

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/do-not-clone/{id}', summary: 'An opt-out entry with its history and receipts', security,
      request: { params: IdParam },
      responses: { 200: json(OptOutSchema, 'The entry'), 404: problem('No such entry (do_not_clone.not_found)') },
    }),
    async (c) => {
      const r = await getOptOut(ctx.db, c.get('tenant').id, c.req.valid('param').id);
      return c.json({ ...view(r.optOut), embeddings: r.embeddings, events: r.events.map(eventView), receipts: r.receipts }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete', path: '/v1/do-not-clone/{id}', security,
      summary: 'The person withdraws the opt-out: the embedding is deleted, the record and its receipts stay',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: z.object({ reason: z.string().max(500).optional(), requester: z.string().max(200).optional() }) } } },
      },
      responses: {
        200: json(OptOutSchema, 'Withdrawn, with its signed receipt'),
        404: problem('No such entry (do_not_clone.not_found)'),
        409: problem('Already withdrawn (do_not_clone.conflict)'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const raw = (await c.req.json().catch(() => ({}))) as unknown;
      const req = z.object({ reason: z.string().max(500).optional(), requester: z.string().max(200).optional() }).safeParse(raw ?? {});
      if (!req.success) throw new AppError('request.invalid', 'invalid withdrawal', { issues: req.error.issues });
      const { optOut, receipt } = await withdrawOptOut(ctx, tenant.id, c.req.valid('param').id, actorOf(tenant.id), req.data);
      return c.json({ ...view(optOut), receipt }, 200);
    },
  );

  return app;
}
