import { createHash } from 'node:crypto';

/**
 * The API reference at /docs, rendered here from the OpenAPI document: one page, no script, a
 * style allowed by its hash, nothing fetched from a CDN (a reference page that loads an unpinned
 * script from elsewhere hands that origin the page). Every string from the document is escaped.
 */
interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: string } }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
}
export interface OpenApiLike {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{margin-bottom:.2rem}section{border-top:1px solid #d0d7de;padding:.6rem 0}code{font:13px ui-monospace,monospace}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}.get{color:#0a6b2f}.post{color:#0b4fa5}
.put{color:#7a4b00}.delete{color:#a40e26}.patch{color:#6e3fa3}table{border-collapse:collapse;margin:.3rem 0}
td,th{text-align:left;padding:.15rem .7rem .15rem 0;vertical-align:top}th{font-weight:600;color:#57606a}p{margin:.2rem 0}`;
const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

export const REFERENCE_HEADERS: Record<string, string> = {
  'content-security-policy': `default-src 'none'; style-src ${hash(STYLE)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function operation(path: string, method: string, op: Operation): string {
  const params = (op.parameters ?? []).map((p) =>
    `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}${p.required ? ', required' : ''}</td><td>${esc(p.schema?.type)}</td><td>${esc(p.description)}</td></tr>`).join('');
  const body = op.requestBody?.content ? `<p>Body: ${Object.keys(op.requestBody.content).map((t) => `<code>${esc(t)}</code>`).join(', ')}</p>` : '';
  const responses = Object.entries(op.responses ?? {}).map(([code, r]) => `<tr><td><code>${esc(code)}</code></td><td>${esc(r.description)}</td></tr>`).join('');
  return `<section id="${esc(`${method}-${path}`)}">
<p><span class="m ${esc(method)}">${esc(method)}</span> <code>${esc(path)}</code>${op.security?.length ? ' — API key' : ''}</p>
<p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>${params}</table>` : ''}${body}
${responses ? `<table><tr><th>status</th><th>answer</th></tr>${responses}</table>` : ''}
</section>`;
}

export function referencePage(doc: OpenApiLike): string {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([m, op]) => operation(path, m, op)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} API reference</title><style>${STYLE}</style></head>
<body><header><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p><p>Machine-readable: <a href="/openapi.json">OpenAPI 3.1</a>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p></header>
<main>${ops.join('\n')}</main></body></html>`;
}
