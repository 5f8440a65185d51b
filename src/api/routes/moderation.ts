import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../app-context';
import { AppError } from '../../core/errors';
import { KINDS } from '../../media/kinds';
import { getMedia } from '../../media/repo';
import { addToBank } from '../../moderation/hashbank/bank';
import { perceptualHash } from '../../moderation/hashbank/phash';
import { PolicySpecSchema } from '../../moderation/policy';
import { CATEGORIES } from '../../moderation/taxonomy';
import { deleteShadowPolicy, listPolicies, savePolicy } from '../../moderation/store/policies';
import type { AuthEnv } from '../auth';
import { protectionOf } from '../../media/protection';
import { problem } from '../route-spec';

// Schemas made outside the API (before zod-openapi extends zod) are used as they are, unnamed.
const PolicyBody = PolicySpecSchema;
const PolicyList = z.object({ items: z.array(z.object({ mode: z.enum(['active', 'shadow']), spec: PolicyBody })) }).openapi('PolicyList');
const HashEntry = z
  .object({ id: z.string().uuid(), media_id: z.string().uuid(), category: z.enum(CATEGORIES), sha256: z.string(), phash: z.string() })
  .openapi('HashBankEntry');

/**
 * A tenant's moderation settings: the active policy, shadow candidates (recorded on
 * every item, never acted on) and the hash bank of media it has blocked. Policy edits
 * reach every worker within the policy cache time (15 s).
 */
export function moderationRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/policies',
      summary: 'The active policy and shadow candidates (differences from the defaults)',
      security: [{ apiKey: [] }],
      responses: { 200: { description: 'Policies', content: { 'application/json': { schema: PolicyList } } } },
    }),
    async (c) => c.json({ items: (await listPolicies(ctx.db, c.get('tenant').id)) as z.infer<typeof PolicyList>['items'] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/policies/{mode}',
      summary: 'Set the active policy, or add/replace a shadow candidate (by its id)',
      security: [{ apiKey: [] }],
      request: {
        params: z.object({ mode: z.enum(['active', 'shadow']).openapi({ param: { name: 'mode', in: 'path' } }) }),
        body: { content: { 'application/json': { schema: PolicyBody } }, required: true },
      },
      responses: { 200: { description: 'Saved', content: { 'application/json': { schema: PolicyBody } } }, 400: problem('Invalid policy') },
    }),
    async (c) => {
      const spec = c.req.valid('json');
      await savePolicy(ctx.db, c.get('tenant').id, c.req.valid('param').mode, spec);
      return c.json(spec, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/policies/shadow/{policy_id}',
      summary: 'Remove a shadow candidate',
      security: [{ apiKey: [] }],
      request: { params: z.object({ policy_id: z.string().openapi({ param: { name: 'policy_id', in: 'path' } }) }) },
      responses: { 204: { description: 'Removed' }, 404: problem('No such shadow policy') },
    }),
    async (c) => {
      if (!(await deleteShadowPolicy(ctx.db, c.get('tenant').id, c.req.valid('param').policy_id))) {
        throw new AppError('request.invalid', 'no such shadow policy');
      }
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/hash-bank',
      summary: "Add an image item to the tenant's hash bank: exact and perceptual copies are blocked from then on",
      security: [{ apiKey: [] }],
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ media_id: z.string().uuid(), category: z.enum(CATEGORIES), note: z.string().max(500).optional() }),
            },
          },
          required: true,
        },
      },
      responses: {
        201: { description: 'Added', content: { 'application/json': { schema: HashEntry } } },
        404: problem('No such media'),
        422: problem('Not an image item, or its bytes are gone'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const body = c.req.valid('json');
      const media = await getMedia(ctx.db, tenant.id, body.media_id);
      if (!media) throw new AppError('media.not_found', 'no such media');
      // A child's item is read only through an approved access request, never by the bank.
      if (protectionOf(media)) throw new AppError('access.approval_required', "children's data cannot be added to the hash bank");
      if (KINDS[media.kind].modality !== 'image' || !media.sha256) {
        throw new AppError('media.unsupported_type', 'only stored image items can be added to the hash bank');
      }
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lg-bank-'));
      try {
        const file = path.join(dir, 'item');
        if (!(await ctx.store.download(media.object_key, file))) {
          throw new AppError('media.corrupt', 'the item has no stored bytes (rejected or deleted)');
        }
        const phash = await perceptualHash(file);
        const id = await addToBank(ctx.db, {
          tenantId: tenant.id,
          sha256: media.sha256,
          phash,
          category: body.category,
          sourceMediaId: media.id,
          note: body.note,
          addedBy: `tenant:${tenant.id}`,
        });
        return c.json({ id, media_id: media.id, category: body.category, sha256: media.sha256, phash }, 201);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  );

  return app;
}
