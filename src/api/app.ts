import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import { requireApiKey } from './auth';
import { limitBodies } from './body-limits';
import { API_HEADERS, onError, problemResponse } from './problem';
import { referencePage, REFERENCE_HEADERS } from './reference-page';
import { healthRoutes } from './routes/health';
import { consentRoutes } from './routes/consent';
import { mediaRoutes } from './routes/media';
import { streamRoutes } from './routes/streams';
import { streamKeyBridge } from '../streams/websocket';
import { moderationRoutes } from './routes/moderation';
import { accessRoutes } from './routes/access';
import { doNotCloneRoutes } from './routes/do-not-clone';
import { subjectLinkRoutes } from './routes/subject-links';
import { captureRoutes } from './routes/capture';
import { reviewConsoleRoutes } from './routes/review-console';
import { reviewItemRoutes } from './routes/review-items';
import { reviewSessionRoutes } from './routes/review-session';
import { reviewTenantRoutes } from './routes/review-tenant';

export function createApp(ctx: AppContext) {
  const app = new OpenAPIHono({
    // Parameter validation failures answer in the same problem+json shape as everything else.
    defaultHook: (result, c) => {
      if (!result.success) {
        const err = new AppError('request.invalid', 'invalid request', { issues: result.error.issues });
        return problemResponse(err, new URL(c.req.url).pathname);
      }
    },
  });
  app.onError(onError(ctx.log));
  app.notFound((c) => problemResponse(new AppError('request.not_found', 'no such route'), new URL(c.req.url).pathname));
  // Bodies are bounded before anything reads them; API answers are neither sniffed nor cached.
  app.use('*', limitBodies);
  app.use('/v1/*', async (c, next) => {
    await next();
    // A WebSocket upgrade's answer is not a document and its headers are already on the wire.
    if (c.res.status === 101) return;
    for (const [k, v] of Object.entries(API_HEADERS)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });

  app.route('/', healthRoutes(ctx));
  // The review console: its page, and its JSON API on moderator sessions (never API keys).
  app.route('/', reviewConsoleRoutes());
  app.route('/', reviewSessionRoutes(ctx));
  app.route('/', reviewItemRoutes(ctx));
  // Browsers cannot set headers on a WebSocket: stream routes also take the key from ?key= or a subprotocol.
  app.use('/v1/streams/*', streamKeyBridge);
  app.use('/v1/*', requireApiKey(ctx.db));
  app.route('/', mediaRoutes(ctx));
  app.route('/', streamRoutes(ctx));
  app.route('/', consentRoutes(ctx));
  app.route('/', moderationRoutes(ctx));
  // Children's data: approval-gated reads, the access log, subject erasure.
  app.route('/', accessRoutes(ctx));
  app.route('/', doNotCloneRoutes(ctx));
  // Subject links: /v1/consents/{id}/subject-links takes the key; /subject/{token}/… are opened by the token alone.
  app.route('/', subjectLinkRoutes(ctx));
  // Capture links: /v1/consents/{id}/capture-links takes the key; /capture/{token} (page, upload) the token alone.
  app.route('/', captureRoutes(ctx));
  // Appeals, answers to evidence requests and the review of an item, for the tenant.
  app.route('/', reviewTenantRoutes(ctx));

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  const docConfig = {
    openapi: '3.1.0',
    info: {
      title: 'likeness-gate',
      version: '0.1.0',
      description: 'Consent, moderation and tagged retention for faces and voices that feed digital humans.',
    },
  };
  app.doc31('/openapi.json', docConfig);
  let reference: string | undefined;
  app.get('/docs', (c) => {
    reference ??= referencePage(app.getOpenAPI31Document(docConfig) as never);
    return c.html(reference, 200, REFERENCE_HEADERS);
  });
  return app;
}
