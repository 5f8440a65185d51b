import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { AppContext } from '../../app-context';

const Health = z.object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() }).openapi('Health');

export function healthRoutes(ctx: AppContext) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'alive', content: { 'application/json': { schema: Health } } } },
    }),
    (c) => c.json({ status: 'ok' }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database and object storage answer',
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: Health } } },
        503: { description: 'a dependency is down', content: { 'application/json': { schema: Health } } },
      },
    }),
    async (c) => {
      const checks: Record<string, string> = {};
      await ctx.db.query('select 1').then(
        () => (checks.database = 'ok'),
        (e: Error) => (checks.database = e.message),
      );
      await ctx.store.client.send(new HeadBucketCommand({ Bucket: ctx.store.bucket })).then(
        () => (checks.storage = 'ok'),
        (e: Error) => (checks.storage = e.name || 'unreachable'),
      );
      const ok = Object.values(checks).every((v) => v === 'ok');
      return c.json({ status: ok ? 'ok' : 'unavailable', checks }, ok ? 200 : 503);
    },
  );
  return app;
}
