import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../support/harness';

/**
 * Every documented route (read from /openapi.json), plus the console's and the page routes,
 * gets arbitrary path values, query strings, headers and bodies (JSON of any shape, strings with
 * NULs and lone surrogates, wrong content types, huge numbers). Whatever arrives, the answer is
 * never a 5xx, and every error is problem+json with a stable code. CI runs a bounded number of
 * inputs (FUZZ_RUNS, default 300); `npm run fuzz` runs many more.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

interface Route {
  method: string;
  path: string;
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '../../etc/passwd', '%00', '%ZZ', ' ', 'x'.repeat(5000), '9'.repeat(400), '-1', 'null', '{}', '[]'),
  fc.uuid(),
);
const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom('id', 'kind', 'statement', 'email', 'password', 'reason', 'note', 'action', 'display_name', 'birth_date', 'scopes', 'minutes', 'valid_until'), nasty).map((o) => JSON.stringify(o)),
  nasty,
);
const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json; charset=utf-16');

describe('fuzzing every route', () => {
  let svc: Service;
  let routes: Route[] = [];
  let tried = 0;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
    const doc = (await (await fetch(`${svc.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
    routes.push(
      ...['/review/api/login', '/review/api/logout', '/review/api/queues/{id}/claim', '/review/api/items/{id}/claim', '/review/api/items/{id}/decision', '/review/api/moderators']
        .map((path) => ({ method: 'POST', path })),
      { method: 'GET', path: '/review/api/items/{id}/media' }, { method: 'PUT', path: '/review/api/queues/{id}/sla' }, { method: 'GET', path: '/review' },
    );
  });
  afterAll(async () => {
    console.log(`fuzz: ${tried} requests over ${routes.length} routes, none answered 5xx`);
    await svc?.close();
  });

  it('never answers 5xx, and every error is coded problem+json', async () => {
    expect(routes.length).toBeGreaterThan(30);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 10_000 }), fc.array(nasty, { maxLength: 3 }), fc.dictionary(fc.constantFrom('limit', 'cursor', 'state', 'kind', 'exp', 'sig', 'consent_id'), nasty, { maxKeys: 3 }),
        jsonish, contentType, fc.boolean(), fc.boolean(),
        async (pick, values, query, body, type, withKey, withCsrfLike) => {
          const route = routes[pick % routes.length]!;
          let i = 0;
          // A lone surrogate has no UTF-8 form: sent as the invalid bytes it would be, on purpose.
          const enc = (v: string) => { try { return encodeURIComponent(v); } catch { return '%ED%A0%80'; } };
          const path = route.path.replace(/\{[^}]+\}/g, () => enc(values[i++] ?? 'x'));
          const qs = Object.entries(query as Record<string, string>).map(([k, v]) => `${k}=${enc(v)}`).join('&');
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (withKey) headers.authorization = `Bearer ${svc.keyA}`;
          if (withCsrfLike) headers['x-csrf-token'] = String(values[0] ?? '').replace(/[^\x21-\x7e]/g, '') || 'x';
          const hasBody = !['GET', 'HEAD'].includes(route.method);
          let res: Response;
          try {
            res = await fetch(`${svc.baseUrl}${path}${qs ? `?${qs}` : ''}`, { method: route.method, headers, body: hasBody ? body : undefined });
          } catch {
            return; // the client refused to send it (an invalid header value): nothing reached the server
          }
          tried++;
          const text = await res.text();
          expect(res.status, `${route.method} ${path} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400 && res.status !== 404 || res.headers.get('content-type')?.includes('problem')) {
            expect(res.headers.get('content-type'), `${route.method} ${path}`).toContain('application/problem+json');
            expect(JSON.parse(text).code, `${route.method} ${path}`).toMatch(/^[a-z_]+\.[a-z_.]+$/);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
