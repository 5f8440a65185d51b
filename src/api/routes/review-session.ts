import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppContext } from '../../app-context';
import { AppError } from '../../core/errors';
import { createModerator, login, logout, moderatorView } from '../../review/accounts';
import { REJECT_REASONS, ROLES, parseQueueId } from '../../review/policy';
import { listModerators } from '../../review/repo';
import { checkStateChange, overHttps, requireModerator, SESSION_COOKIE, type ModeratorEnv } from '../moderator-auth';
import { parseJson } from './review-parse';

/** Logging in and out of the review console, the session, and (admins) moderator accounts. */
const LoginSchema = z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) }).strict();

const NewModeratorSchema = z
  .object({
    email: z.string().email().max(320),
    display_name: z.string().min(1).max(120).optional(),
    role: z.enum(ROLES),
    password: z.string().min(12).max(1024),
    tenant_ids: z.array(z.string().uuid()).max(1000).optional(),
    queues: z.array(z.string().refine((q) => parseQueueId(q) !== null, 'not a queue id')).max(100).optional(),
  })
  .strict();

const sessionBody = (m: Parameters<typeof moderatorView>[0], csrf: string) => ({
  moderator: moderatorView(m), csrf_token: csrf, reject_reasons: REJECT_REASONS,
});

export function reviewSessionRoutes(ctx: AppContext) {
  const app = new Hono<ModeratorEnv>();
  const hours = ctx.config.review.sessionHours;

  app.post('/review/api/login', async (c) => {
    checkStateChange(c.req.raw);
    const body = await parseJson(c.req.raw, LoginSchema);
    const s = await login(ctx.db, body.email, body.password, hours);
    setCookie(c, SESSION_COOKIE, s.cookie, {
      httpOnly: true, sameSite: 'Lax', secure: overHttps(c.req.raw), path: '/review', maxAge: Math.round(hours * 3600),
    });
    ctx.log.info({ moderator: s.moderator.id }, 'moderator logged in');
    return c.json(sessionBody(s.moderator, s.csrfToken));
  });

  app.use('/review/api/*', requireModerator(ctx.db));

  app.get('/review/api/session', (c) => c.json(sessionBody(c.get('moderator'), c.get('csrfToken'))));

  app.post('/review/api/logout', async (c) => {
    await logout(ctx.db, c.get('sessionCookie'));
    deleteCookie(c, SESSION_COOKIE, { path: '/review', secure: overHttps(c.req.raw) });
    return c.json({ ok: true });
  });

  app.get('/review/api/moderators', async (c) => {
    requireAdmin(c.get('moderator').role);
    return c.json({ moderators: (await listModerators(ctx.db)).map(moderatorView) });
  });

  app.post('/review/api/moderators', async (c) => {
    requireAdmin(c.get('moderator').role);
    const b = await parseJson(c.req.raw, NewModeratorSchema);
    const created = await createModerator(ctx.db, {
      email: b.email, displayName: b.display_name, role: b.role, password: b.password, tenantIds: b.tenant_ids, queues: b.queues,
    });
    return c.json(moderatorView(created), 201);
  });
  return app;
}

export function requireAdmin(role: string): void {
  if (role !== 'admin') throw new AppError('review.forbidden', 'only an admin may do this');
}
