import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { answerEvidenceRequest, fileAppeal, reviewOfMedia } from '../../review/appeals';
import type { AuthEnv } from '../auth';
import { MediaIdParam } from '../schemas';
import { body, json, problem, security } from '../route-spec';

/** The tenant's side of review: appeal a block, answer a request for evidence, read the review of an item. */
const AppealBody = z.object({ statement: z.string().min(1).max(5000) }).strict().openapi('AppealCreate');
const AppealSchema = z
  .object({ id: z.string().uuid(), media_id: z.string().uuid(), state: z.enum(['open', 'upheld', 'overturned']), statement: z.string(), created_at: z.string() })
  .openapi('Appeal');
const EvidenceBody = z.object({ note: z.string().min(1).max(5000) }).strict().openapi('EvidenceAnswer');
const ReviewSchema = z.object({}).passthrough().openapi('MediaReview', {
  description: 'The item’s state and decision, each review (queue, state, decision, events) and the appeal with its final outcome',
});

export function reviewTenantRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/media/{id}/appeals', security,
      summary: 'Appeal a block: a moderator other than the one who decided reviews it; the outcome is final',
      request: { params: MediaIdParam, ...body(AppealBody) },
      responses: {
        201: json(AppealSchema, 'The appeal, queued for review'),
        404: problem('No such item'),
        409: problem('The item is not blocked (appeal.not_appealable) or was appealed already (appeal.exists)'),
      },
    }),
    async (c) => {
      const a = await fileAppeal(ctx, c.get('tenant').id, c.req.valid('param').id, c.req.valid('json').statement);
      return c.json({ id: a.id, media_id: a.media_id, state: a.state, statement: a.statement, created_at: a.created_at.toISOString() }, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/media/{id}/evidence', security,
      summary: 'Answer a moderator’s request for more evidence; the item returns to its queue',
      request: { params: MediaIdParam, ...body(EvidenceBody) },
      responses: { 202: json(z.object({ accepted: z.boolean() }), 'Back in the queue'), 404: problem('No such item'), 409: problem('No request is waiting (review.not_waiting)') },
    }),
    async (c) => {
      await answerEvidenceRequest(ctx, c.get('tenant').id, c.req.valid('param').id, c.req.valid('json').note);
      return c.json({ accepted: true }, 202);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/media/{id}/review', security,
      summary: 'The human review of an item: decisions, their reasons and history, and the appeal',
      request: { params: MediaIdParam },
      responses: { 200: json(ReviewSchema, 'The review'), 404: problem('No such item') },
    }),
    async (c) => c.json(await reviewOfMedia(ctx, c.get('tenant').id, c.req.valid('param').id), 200),
  );
  return app;
}
