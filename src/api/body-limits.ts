import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../core/errors';
import { problemResponse } from './problem';

/**
 * Every request body has a ceiling before anything parses it, authenticated or not: JSON and
 * form bodies are small, so a 190 MB body aimed at a JSON route is refused at its first bytes
 * (Content-Length) or as soon as a chunked body passes the limit. Routes that take media stream
 * it through their own kind limits (`/v1/media`, ceremony and capture recordings, the
 * do-not-clone photo) and are left to them.
 */
export const JSON_BODY_BYTES = 256 * 1024;
/** A policy may carry 10,000 list terms of up to 200 characters each. */
export const POLICY_BODY_BYTES = 4 * 1024 * 1024;
export const DOCUMENT_BODY_BYTES = 10 * 1024 * 1024;

const STREAMED: RegExp[] = [
  /^\/v1\/media$/,
  /^\/v1\/consents\/[^/]+\/challenges\/[^/]+\/recording$/,
  /^\/capture\/[^/]+\/recording$/,
  /^\/v1\/do-not-clone$/,
];

export function limitFor(method: string, path: string): number | null {
  if (method === 'GET' || method === 'HEAD') return 0;
  if (STREAMED.some((r) => r.test(path))) return null;
  if (/^\/v1\/consents\/[^/]+\/document$/.test(path)) return DOCUMENT_BODY_BYTES;
  if (path.startsWith('/v1/policies')) return POLICY_BODY_BYTES;
  return JSON_BODY_BYTES;
}

export const limitBodies: MiddlewareHandler = async (c, next) => {
  const path = new URL(c.req.url).pathname;
  const max = limitFor(c.req.method, path);
  if (max === null) return next();
  const refuse = () => problemResponse(new AppError('request.too_large', `the body is over the ${max} bytes this route accepts`), path, { connection: 'close' });
  return bodyLimit({ maxSize: max, onError: refuse })(c, next);
};
