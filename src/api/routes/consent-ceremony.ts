import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { createChallenge, MAX_RECORDING_BYTES, submitRecording } from '../../consent/ceremony';
import type { AuthEnv } from '../auth';
import { AttestationSchema, attestationView, ReceiptSchema } from './consent-schemas';
import { problem, security } from '../route-spec';
import { readBodyUpTo } from '../upload-body';

const Params = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' } }),
});

const ChallengeSchema = z
  .object({ id: z.string().uuid(), attestation_id: z.string().uuid(), language: z.string(), statement: z.string(), expires_at: z.string() })
  .openapi('ConsentChallenge');

const CheckSchema = z.object({
  status: z.enum(['pass', 'fail', 'unverified']),
  reason: z.string().optional(),
  score: z.number().nullable(),
  threshold: z.number().optional(),
  evidence: z.record(z.string(), z.unknown()),
});

const CeremonySchema = z
  .object({
    challenge_id: z.string().uuid(),
    outcome: z.enum(['verified', 'review', 'failed']),
    checks: z.record(z.string(), CheckSchema),
    recording_sha256: z.string(),
    attestation: AttestationSchema,
    receipt: ReceiptSchema,
  })
  .openapi('ConsentCeremony');

/** The consent ceremony: a challenge with a statement to read, then the recording of it. */
export function ceremonyRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/challenges', security,
      summary: 'Issue a statement with a one-time code for the subject to read aloud (valid 10 minutes, single use)',
      request: {
        params: Params,
        body: { content: { 'application/json': { schema: z.object({ company: z.string().min(1).max(120).optional() }) } } },
      },
      responses: {
        201: { description: 'The challenge', content: { 'application/json': { schema: ChallengeSchema } } },
        404: problem('No such attestation'),
        422: problem('The attestation is revoked, suspended or expired'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const body = (await c.req.json().catch(() => ({}))) as { company?: string };
      const company = body.company ?? tenant.name;
      const challenge = await createChallenge(ctx, tenant.id, c.req.valid('param').id, `tenant:${tenant.id}`, { company });
      return c.json(challenge, 201);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post', path: '/v1/consents/{id}/challenges/{challenge_id}/recording', security,
    summary: 'The recording of the statement (audio, or video for face scope; raw body). Consumes the challenge.',
    request: {
      params: Params.extend({ challenge_id: z.string().openapi({ param: { name: 'challenge_id', in: 'path' } }) }),
      body: { content: { 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) }, 'video/webm': { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: {
      200: { description: 'Checked; each check with its score', content: { 'application/json': { schema: CeremonySchema } } },
      404: problem('No such attestation or challenge'),
      422: problem('The challenge was already used (consent.challenge_used)'),
    },
  });
  app.post('/v1/consents/:id/challenges/:challenge_id/recording', async (c) => {
    const tenant = c.get('tenant');
    const bytes = await readBodyUpTo(c.req.raw, MAX_RECORDING_BYTES, 'a recording');
    const type = c.req.header('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
    const r = await submitRecording(ctx, tenant.id, c.req.param('id'), c.req.param('challenge_id'), `tenant:${tenant.id}`, bytes, type);
    return c.json({ ...r, attestation: attestationView(r.attestation) }, 200);
  });

  return app;
}
