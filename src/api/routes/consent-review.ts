import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { AppError } from '../../core/errors';
import type { AuthEnv } from '../auth';
import { IdParam } from './consent-schemas';
import { problem } from '../route-spec';

/**
 * The tenant's old door to settle its own ceremony. The party that wants the consent to pass
 * must not judge it: settling is a moderator's act in the review console (`/review`), so this
 * route answers 403 `consent.moderator_only` to every key.
 */
export function consentReviewRoutes(_ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/verification', security: [{ apiKey: [] }],
      summary: 'Gone for tenants: a ceremony in review is settled by a moderator in the review console',
      request: { params: IdParam, body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
      responses: { 403: problem('Settling a verification is a moderator’s act (consent.moderator_only)') },
    }),
    () => {
      throw new AppError('consent.moderator_only', 'a ceremony in review is settled by a moderator in the review console, not with an API key');
    },
  );
  return app;
}
