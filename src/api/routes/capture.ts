import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { CaptureError, createCaptureLink, MAX_RECORDING_BYTES, openCaptureLink, submitCapture } from '../../consent/capture';
import { AppError } from '../../core/errors';
import { CAPTURE_HEADERS, capturePage, refusalPage } from '../../web/capture-page';
import type { AuthEnv } from '../auth';
import { problem, security } from '../route-spec';
import { readBodyUpTo } from '../upload-body';


const LinkCreateSchema = z
  .object({
    challenge_id: z.string().uuid().optional().openapi({ description: 'An unused challenge of this attestation; omitted = a new one' }),
    company: z.string().min(1).max(120).optional().openapi({ description: 'Named in a new statement; defaults to the tenant name' }),
  })
  .strict()
  .openapi('CaptureLinkCreate');

const LinkSchema = z
  .object({
    url: z.string().url(),
    token: z.string().openapi({ description: 'Bearer secret for this one challenge (not an API key); shown once, stored hashed' }),
    expires_at: z.string(),
    challenge_id: z.string().uuid(),
  })
  .openapi('CaptureLink');

const OutcomeSchema = z
  .object({
    challenge_id: z.string().uuid(),
    outcome: z.enum(['verified', 'review', 'failed']),
    checks: z.array(z.object({ name: z.string(), status: z.enum(['pass', 'fail', 'unverified']), reason: z.string().nullable(), message: z.string() })),
  })
  .openapi('CaptureOutcome');

/**
 * Capture links (creator, API key) and the capture page with its upload (subject, link
 * token only). The page routes live outside /v1/* so the API-key middleware never sees them.
 */
export function captureRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  const configuredBase = ctx.config.captureBaseUrl;

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/capture-links', security,
      summary: 'A link the subject opens to record the ceremony statement in a browser (single use, expires with the challenge)',
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }),
        body: { content: { 'application/json': { schema: LinkCreateSchema } } },
      },
      responses: {
        201: { description: 'The link; the token is shown only now', content: { 'application/json': { schema: LinkSchema } } },
        404: problem('No such attestation or challenge'),
        409: problem('The challenge already has a link (consent.conflict)'),
        422: problem('The attestation is not active, or the challenge is used or expired'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const raw = await c.req.text();
      const parsed = LinkCreateSchema.safeParse(raw.trim() ? safeJson(raw) : {});
      if (!parsed.success) throw new AppError('request.invalid', 'invalid request', { issues: parsed.error.issues });
      const link = await createCaptureLink(ctx, tenant, c.req.valid('param').id, `tenant:${tenant.id}`, {
        challengeId: parsed.data.challenge_id,
        company: parsed.data.company,
        baseUrl: configuredBase ?? new URL(c.req.url).origin,
      });
      return c.json(link, 201);
    },
  );

  // Every capture response, refusals and problems included, carries the page's protective headers.
  app.use('/capture/*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(CAPTURE_HEADERS)) c.res.headers.set(k, v);
    // A body refused mid-stream is left unread on the socket: the connection cannot serve another request.
    if (c.res.status === 413) c.res.headers.set('connection', 'close');
  });

  app.openAPIRegistry.registerPath({
    method: 'get', path: '/capture/{token}',
    summary: 'The capture page (HTML) for the subject; an unusable link answers a page saying why, with its code',
    request: { params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) }) },
    responses: {
      200: { description: 'The page', content: { 'text/html': { schema: z.string() } } },
      404: { description: 'capture.link_not_found', content: { 'text/html': { schema: z.string() } } },
      410: { description: 'capture.link_expired, capture.link_used, capture.consent_inactive', content: { 'text/html': { schema: z.string() } } },
    },
  });
  app.get('/capture/:token', async (c) => {
    try {
      const view = await openCaptureLink(ctx.db, c.req.param('token'));
      return c.html(capturePage(view), 200);
    } catch (e) {
      if (e instanceof CaptureError) return c.html(refusalPage(e.captureCode), e.status as 404 | 410);
      throw e;
    }
  });

  app.openAPIRegistry.registerPath({
    method: 'post', path: '/capture/{token}/recording',
    summary: 'The subject uploads the recording (raw body, WebM/MP4/WAV); the link token is the only credential. Consumes link and challenge.',
    request: {
      params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) }),
      body: { content: { 'audio/webm': { schema: z.string().openapi({ format: 'binary' }) }, 'video/webm': { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: {
      200: { description: 'The outcome, each check in plain words', content: { 'application/json': { schema: OutcomeSchema } } },
      400: problem('Empty recording (media.empty)'),
      404: problem('capture.link_not_found'),
      410: problem('capture.link_expired, capture.link_used, capture.consent_inactive'),
      413: problem('Over the ceremony recording limit (media.too_large)'),
    },
  });
  app.post('/capture/:token/recording', async (c) => {
    const token = c.req.param('token');
    // Refuse a dead link before reading a byte of the body.
    await openCaptureLink(ctx.db, token);
    const bytes = await readBodyUpTo(c.req.raw, MAX_RECORDING_BYTES, 'a recording');
    const result = await submitCapture(ctx, token, bytes, contentTypeOf(c.req.header('content-type')));
    return c.json(result, 200);
  });

  return app;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('request.invalid', 'the body is not JSON');
  }
}

/** A plain `type/subtype` for the stored recording's metadata; anything else is octet-stream. */
function contentTypeOf(header: string | undefined): string {
  const t = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^(audio|video|application)\/[a-z0-9.+-]{1,60}$/.test(t) ? t : 'application/octet-stream';
}
