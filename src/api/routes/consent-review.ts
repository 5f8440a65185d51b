import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { settleVerification } from '../../consent/attestations';
import type { AuthEnv } from '../auth';
import { AttestationSchema, attestationView, IdParam } from './consent-schemas';
import { problem } from '../route-spec';


const SettleSchema = z
  .object({
    decision: z.enum(['verified', 'failed']),
    reason: z.string().min(1).max(1000),
    reviewer: z.string().min(1).max(200).openapi({ description: 'The person who judged the ceremony' }),
  })
  .openapi('VerificationSettlement');

/** A person settles a ceremony that ended in review. */
export function consentReviewRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/verification', security: [{ apiKey: [] }],
      summary: 'Settle a verification in review: verified (uploads then follow the usual rules, face match included) or failed',
      request: { params: IdParam, body: { content: { 'application/json': { schema: SettleSchema } }, required: true } },
      responses: {
        200: { description: 'Settled, with the receipt', content: { 'application/json': { schema: AttestationSchema } } },
        400: problem('Invalid settlement'),
        404: problem('No such attestation'),
        409: problem('Verification is not in review, or the attestation ended (consent.conflict)'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const { attestation, receipt } = await settleVerification(ctx, tenant.id, c.req.valid('param').id, `tenant:${tenant.id}`, c.req.valid('json'));
      return c.json({ ...attestationView(attestation), receipt }, 200);
    },
  );
  return app;
}
