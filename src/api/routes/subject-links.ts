import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '../../app-context';
import { createSubjectLink, DEFAULT_LINK_TTL_SECONDS, MAX_LINK_TTL_SECONDS, subjectReceipts, subjectRevoke, type SubjectView } from '../../consent/subject-links';
import type { Receipt } from '../../consent/receipts';
import { AppError } from '../../core/errors';
import type { AuthEnv } from '../auth';
import { IdParam, ReceiptSchema } from './consent-schemas';
import { problem, json } from '../route-spec';

const TokenParam = z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) });

const LinkCreateSchema = z.object({
  ttl_seconds: z.number().int().min(60).max(MAX_LINK_TTL_SECONDS).default(DEFAULT_LINK_TTL_SECONDS),
});
const LinkSchema = z
  .object({
    id: z.string().uuid(),
    attestation_id: z.string().uuid(),
    token: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    url: z.string(),
    receipts_url: z.string(),
    expires_at: z.string(),
  })
  .openapi('SubjectLink');
const SubjectReceiptsSchema = z
  .object({
    attestation_id: z.string().uuid(),
    state: z.string(),
    verification: z.string(),
    items: z.array(ReceiptSchema),
    key: z.object({ key_id: z.string(), algorithm: z.literal('Ed25519'), public_pem: z.string() }),
  })
  .openapi('SubjectReceipts');

// The token in the path is the credential: never cached, never sent on as a referrer, never framed
// (a framed page could trick a click on "revoke").
const PRIVATE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * Subject links: the creator makes one (API key), the subject opens it (no key, outside /v1)
 * to download their signed receipts, read them on a small page, or revoke.
 */
export function subjectLinkRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/subject-links', security: [{ apiKey: [] }],
      summary: 'A link for the subject to read their receipts and revoke, without an API key (expires; token shown once)',
      request: { params: IdParam, body: { content: { 'application/json': { schema: LinkCreateSchema } } } },
      responses: { 201: json(LinkSchema, 'Created'), 400: problem('Invalid ttl_seconds'), 404: problem('No such attestation') },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const raw = (await c.req.json().catch(() => ({}))) as unknown;
      const body = LinkCreateSchema.safeParse(raw ?? {});
      if (!body.success) throw new AppError('request.invalid', 'invalid subject link request', { issues: body.error.issues });
      const { link, token } = await createSubjectLink(ctx, tenant.id, c.req.valid('param').id, `tenant:${tenant.id}`, body.data.ttl_seconds);
      return c.json(
        {
          id: link.id,
          attestation_id: link.attestation_id,
          token,
          url: `/subject/${token}`,
          receipts_url: `/subject/${token}/receipts`,
          expires_at: new Date(link.expires_at).toISOString(),
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/subject/{token}/receipts', summary: "The subject's signed consent receipts and the key to verify them (no API key)",
      request: { params: TokenParam },
      responses: {
        200: json(SubjectReceiptsSchema, 'Receipts'),
        404: problem('Unknown link (subject_link.not_found)'),
        410: problem('Expired link (subject_link.expired)'),
      },
    }),
    async (c) => {
      const { view, ...r } = await subjectReceipts(ctx, c.req.valid('param').token);
      const name = `consent-receipts-${view.attestation.id}.json`;
      return c.json(r, 200, { ...PRIVATE_HEADERS, 'content-disposition': `inline; filename="${name}"` });
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'get', path: '/subject/{token}', summary: 'A page for the subject: their receipts, a download link, and a revoke button',
    request: { params: TokenParam },
    responses: {
      200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } },
      404: problem('Unknown link (subject_link.not_found)'),
      410: problem('Expired link (subject_link.expired)'),
    },
  });
  app.get('/subject/:token', async (c) => {
    const token = c.req.param('token');
    const { view, items } = await subjectReceipts(ctx, token);
    return c.html(subjectPage(token, view, items), 200, PRIVATE_HEADERS);
  });

  app.openAPIRegistry.registerPath({
    method: 'post', path: '/subject/{token}/revoke',
    summary: 'The subject revokes their consent (same cascade as the creator’s revocation; actor `subject`)',
    request: {
      params: TokenParam,
      body: {
        content: {
          'application/json': { schema: z.object({ reason: z.string().max(500).optional() }) },
          'application/x-www-form-urlencoded': { schema: z.object({ reason: z.string().max(500).optional() }) },
        },
      },
    },
    responses: {
      200: json(z.object({ attestation_id: z.string(), state: z.string(), receipt: ReceiptSchema }), 'Revoked, with the signed receipt'),
      303: { description: 'From the page\'s form: back to the page' },
      404: problem('Unknown link'),
      409: problem('Already revoked or expired (consent.conflict)'),
      410: problem('Expired link'),
    },
  });
  app.post('/subject/:token/revoke', async (c) => {
    const token = c.req.param('token');
    const fromForm = (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    const raw = fromForm ? await c.req.parseBody() : await c.req.json().catch(() => ({}));
    const parsed = z.object({ reason: z.string().max(500).optional() }).safeParse(raw ?? {});
    if (!parsed.success) throw new AppError('request.invalid', 'invalid revocation', { issues: parsed.error.issues });
    const r = await subjectRevoke(ctx, token, parsed.data.reason || undefined);
    if (fromForm) return redirectToPage(c, token);
    return c.json({ attestation_id: r.attestation.id, state: r.attestation.state, receipt: r.receipt }, 200, PRIVATE_HEADERS);
  });

  return app;
}

const redirectToPage = (c: Context, token: string) => c.body(null, 303, { ...PRIVATE_HEADERS, location: `/subject/${token}` });

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** One small page; every value from the database is escaped (names and reasons are free text). */
export function subjectPage(token: string, v: SubjectView, receipts: Receipt[]): string {
  const a = v.attestation;
  const base = `/subject/${encodeURIComponent(token)}`;
  const rows = receipts
    .map((r) => {
      const event = (r.body.event ?? {}) as { type?: string; at?: string };
      return `<tr><td>${esc(event.at)}</td><td>${esc(event.type)}</td><td><code>${esc(r.id)}</code></td></tr>`;
    })
    .join('\n');
  const canRevoke = a.state === 'active' || a.state === 'suspended';
  const revoke = canRevoke
    ? `<form method="post" action="${base}/revoke">
  <p><label>Reason (optional)<br><textarea name="reason" maxlength="500" rows="2" cols="50"></textarea></label></p>
  <p><button type="submit">Revoke my consent</button> — uploads stop at once; what was made from my likeness is ${a.revocation_policy === 'delete' ? 'deleted' : 'no longer handed out'}.</p>
</form>`
    : `<p>This consent is <strong>${esc(a.state)}</strong>.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Your consent receipts</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}td,th{padding:.2rem .6rem;text-align:left}</style>
</head><body>
<h1>Consent of ${esc(v.subject.display_name)}</h1>
<p>Attested by ${esc(a.attester)} (${esc(a.relation)}) for ${esc(a.scopes.join(', '))}; purposes ${esc(a.purposes.join(', '))};
valid until ${esc(new Date(a.valid_until).toISOString())}. State: <strong>${esc(a.state)}</strong>, verification: ${esc(a.verification)}.</p>
<h2>Receipts</h2>
<table><thead><tr><th>when</th><th>event</th><th>receipt</th></tr></thead><tbody>
${rows}
</tbody></table>
<p><a href="${base}/receipts" download="consent-receipts-${esc(a.id)}.json">Download the signed receipts (JSON, with the public key to check them)</a></p>
${revoke}
</body></html>`;
}
