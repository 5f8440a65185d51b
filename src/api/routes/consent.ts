import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { addDocument, createAttestation, createSubject, ownAttestation, setSuspended } from '../../consent/attestations';
import { getSubject, listAttestations, listConsentEvents } from '../../consent/repo';
import { listReceipts, signingKey } from '../../consent/receipts';
import { revokeAttestation, startExpirySweeper } from '../../consent/revocation';
import { AppError } from '../../core/errors';
import type { AuthEnv } from '../auth';
import {
  AttestationCreateSchema,
  AttestationSchema,
  attestationView,
  eventView,
  IdParam,
  ReceiptSchema,
  SubjectCreateSchema,
  SubjectSchema,
  subjectView,
} from './consent-schemas';
import { ceremonyRoutes } from './consent-ceremony';
import { consentReviewRoutes } from './consent-review';
import { problem, json, body, security } from '../route-spec';


/** Subjects, attestations, evidence, state changes, receipts. Every change answers with its signed receipt. */
export function consentRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();
  // Expiry acts at its time without a request: every API process sweeps (ending an attestation is
  // serialised by its row lock, so concurrent sweepers do the work once).
  startExpirySweeper(ctx, ctx.config.consentSweepSeconds * 1000);
  const actorOf = (tenantId: string) => `tenant:${tenantId}`;

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/subjects', summary: 'Register a subject (the person whose face or voice is used)', security,
      request: body(SubjectCreateSchema),
      responses: { 201: json(SubjectSchema, 'Created'), 400: problem('Invalid subject') },
    }),
    async (c) => {
      const s = c.req.valid('json');
      const row = await createSubject(ctx, c.get('tenant').id, {
        displayName: s.display_name, language: s.language, birthDate: s.birth_date, externalRef: s.external_ref,
      });
      return c.json(subjectView(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/subjects/{id}', summary: 'A subject', security, request: { params: IdParam },
      responses: { 200: json(SubjectSchema, 'The subject'), 404: problem('No such subject') },
    }),
    async (c) => {
      const s = await getSubject(ctx.db, c.get('tenant').id, c.req.valid('param').id);
      if (!s) throw new AppError('consent.subject_not_found', 'no such subject');
      return c.json(subjectView(s), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents', summary: 'Create a consent attestation', security,
      request: body(AttestationCreateSchema),
      responses: {
        201: json(AttestationSchema, 'Created, with the receipt of its creation'),
        400: problem('Invalid attestation (consent.invalid lists the problems)'),
        404: problem('No such subject'),
      },
    }),
    async (c) => {
      const a = c.req.valid('json');
      const tenant = c.get('tenant');
      const { attestation, receipt } = await createAttestation(ctx, tenant.id, actorOf(tenant.id), {
        subjectId: a.subject_id,
        attester: a.attester,
        relation: a.relation,
        scopes: a.scopes,
        purposes: a.purposes,
        validFrom: a.valid_from ? new Date(a.valid_from) : undefined,
        validUntil: new Date(a.valid_until),
        separateBiometricConsent: a.separate_biometric_consent,
        crossBorder: a.cross_border,
        crossBorderDetails: a.cross_border_details,
        guardian: a.guardian,
        revocationPolicy: a.revocation_policy,
      });
      return c.json({ ...attestationView(attestation), receipt }, 201, { location: `/v1/consents/${attestation.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/consents', summary: "The tenant's attestations, newest first", security,
      request: { query: z.object({ subject_id: z.string().uuid().optional() }) },
      responses: { 200: json(z.object({ items: z.array(AttestationSchema) }), 'Attestations') },
    }),
    async (c) => {
      const rows = await listAttestations(ctx.db, c.get('tenant').id, c.req.valid('query').subject_id);
      return c.json({ items: rows.map(attestationView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/consents/{id}', summary: 'An attestation with its event history', security,
      request: { params: IdParam },
      responses: { 200: json(AttestationSchema, 'The attestation'), 404: problem('No such attestation') },
    }),
    async (c) => {
      const a = await ownAttestation(ctx.db, c.get('tenant').id, c.req.valid('param').id);
      const events = await listConsentEvents(ctx.db, a.id);
      return c.json({ ...attestationView(a), events: events.map(eventView) }, 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'put', path: '/v1/consents/{id}/document', summary: 'Upload the signed authorisation document (raw body, ≤ 10 MiB)', security,
    request: { params: IdParam, body: { content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } } },
    responses: { 200: json(AttestationSchema, 'Stored; its sha256 is on the attestation'), 404: problem('No such attestation') },
  });
  app.put('/v1/consents/:id/document', async (c) => {
    const tenant = c.get('tenant');
    const bytes = Buffer.from(await c.req.arrayBuffer());
    const type = c.req.header('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
    const { attestation, receipt } = await addDocument(ctx, tenant.id, c.req.param('id'), actorOf(tenant.id), bytes, type);
    return c.json({ ...attestationView(attestation), receipt }, 200);
  });

  for (const [action, suspended] of [['suspend', true], ['resume', false]] as const) {
    app.openapi(
      createRoute({
        method: 'post', path: `/v1/consents/{id}/${action}`, security, request: { params: IdParam },
        summary: suspended ? 'Suspend: new uploads are refused until resumed' : 'Resume a suspended attestation',
        responses: { 200: json(AttestationSchema, 'Done'), 404: problem('No such attestation'), 409: problem('Not in a state that allows it') },
      }),
      async (c) => {
        const tenant = c.get('tenant');
        const { attestation, receipt } = await setSuspended(ctx, tenant.id, c.req.valid('param').id, actorOf(tenant.id), suspended);
        return c.json({ ...attestationView(attestation), receipt }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/consents/{id}/revoke', security,
      summary: 'Revoke: refuses new uploads at once, stops queued and running items, deletes or restricts what was derived',
      request: { params: IdParam, body: { content: { 'application/json': { schema: z.object({ reason: z.string().max(500).optional() }) } } } },
      responses: {
        200: json(AttestationSchema.extend({ report: z.record(z.string(), z.unknown()) }), 'Revoked; the receipt lists everything removed'),
        404: problem('No such attestation'),
        409: problem('Already revoked or expired'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const reason = (await c.req.json().catch(() => ({}))) as { reason?: string };
      const r = await revokeAttestation(ctx, tenant.id, c.req.valid('param').id, actorOf(tenant.id), reason.reason);
      return c.json({ ...attestationView(r.attestation), receipt: r.receipt, report: { ...r.report } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/consents/{id}/receipts', summary: 'Every signed receipt of an attestation, oldest first', security,
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(ReceiptSchema) }), 'Receipts'), 404: problem('No such attestation') },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const a = await ownAttestation(ctx.db, tenant.id, c.req.valid('param').id);
      return c.json({ items: await listReceipts(ctx.db, tenant.id, a.id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/consents/{id}/media', summary: 'Items that relied on an attestation, with made-before-revocation marks', security,
      request: { params: IdParam },
      responses: {
        200: json(z.object({ items: z.array(z.object({ media_id: z.string(), state: z.string().nullable(), mark: z.string().nullable() })) }), 'Items'),
        404: problem('No such attestation'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const a = await ownAttestation(ctx.db, tenant.id, c.req.valid('param').id);
      const rows = await ctx.db.query<{ media_id: string; state: string | null; mark: string | null }>(
        `select coalesce(m.id, k.media_id)::text as media_id, m.state, k.mark
           from (select id, state from media where tenant_id = $1 and consent_id = $2) m
           full outer join (select media_id, mark from consent_media_marks where attestation_id = $3) k on k.media_id = m.id`,
        [tenant.id, a.id, a.id],
      );
      return c.json({ items: rows }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/consent-receipts/key', summary: 'The Ed25519 public key that signs consent receipts', security,
      responses: { 200: json(z.object({ key_id: z.string(), algorithm: z.literal('Ed25519'), public_pem: z.string() }), 'The key') },
    }),
    async (c) => {
      const key = await signingKey(ctx.db);
      return c.json({ key_id: key.id, algorithm: 'Ed25519' as const, public_pem: key.publicPem }, 200);
    },
  );

  app.route('/', ceremonyRoutes(ctx));
  app.route('/', consentReviewRoutes(ctx));
  return app;
}
