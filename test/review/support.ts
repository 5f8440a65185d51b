import { createModerator } from '../../src/review/accounts';
import type { Role } from '../../src/review/policy';
import { upload, waitDecided, type Service } from '../support/harness';

/**
 * A moderator's side of the console API, as the page uses it: a session cookie kept between
 * calls and the CSRF token sent on every state change.
 */
export class Console {
  cookie = '';
  csrf = '';
  constructor(readonly svc: Service, readonly email: string, readonly password: string) {}

  async login(): Promise<Response> {
    const res = await fetch(`${this.svc.baseUrl}/review/api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: this.email, password: this.password }),
    });
    if (res.ok) {
      this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      this.csrf = ((await res.clone().json()) as { csrf_token: string }).csrf_token;
    }
    return res;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.svc.baseUrl}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'content-type': 'application/json', 'x-csrf-token': this.csrf }),
        ...headers,
      },
      body: body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any, type: res.headers.get('content-type') };
  }

  claimNext = (queue = 'all') => this.call('POST', `/review/api/queues/${encodeURIComponent(queue)}/claim`);
  claim = (id: string) => this.call('POST', `/review/api/items/${id}/claim`);
  decide = (id: string, body: Record<string, unknown>) => this.call('POST', `/review/api/items/${id}/decision`, body);
  item = (id: string) => this.call('GET', `/review/api/items/${id}`);
}

let n = 0;
export async function moderator(svc: Service, role: Role, scope: { tenantIds?: string[]; queues?: string[] } = {}): Promise<Console> {
  const email = `mod${++n}-${role}@example.com`;
  const password = `correct horse ${n} battery staple`;
  await createModerator(svc.ctx.db, { email, role, password, tenantIds: scope.tenantIds, queues: scope.queues });
  const c = new Console(svc, email, password);
  const res = await c.login();
  if (!res.ok) throw new Error(`login ${res.status} ${await res.text()}`);
  return c;
}

export async function api(svc: Service, method: string, path: string, body?: unknown, key = svc.keyA) {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Gambling and abuse go to people instead of being blocked by the model, so driving text lands in review. */
export async function reviewEverything(svc: Service, key = svc.keyA): Promise<void> {
  const r = await api(svc, 'PUT', '/v1/policies/active', {
    id: 'people-decide', version: '1', thresholds: { gambling: { block: null }, abuse: { block: null }, sexual: { block: null } },
  }, key);
  if (r.status !== 200) throw new Error(`policy: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A driving text that ends in review, once decided by the pipeline. */
export async function textInReview(svc: Service, text = `Join our online casino now ${Math.random()}`, key = svc.keyA): Promise<string> {
  const up = await upload(svc, 'driving_text', text, { key });
  if (up.status !== 202 && up.status !== 200) throw new Error(`upload ${up.status} ${JSON.stringify(up.body)}`);
  const item = key === svc.keyA ? await waitDecided(svc, up.body.id as string) : await waitDecidedWith(svc, up.body.id as string, key);
  if (item.state !== 'review') throw new Error(`expected review, got ${item.state} ${item.reason}`);
  return item.id as string;
}

export async function reviewItemOf(svc: Service, mediaId: string): Promise<string> {
  const [row] = await svc.ctx.db.query<{ id: string }>(`select id from review_items where media_id = $1 order by created_at desc limit 1`, [mediaId]);
  if (!row) throw new Error(`no review item for ${mediaId}`);
  return row.id;
}

async function waitDecidedWith(svc: Service, id: string, key: string): Promise<Record<string, any>> {
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const { body } = await api(svc, 'GET', `/v1/media/${id}`, undefined, key);
    if (body.decision) return body;
  }
  throw new Error(`item ${id} not decided`);
}
