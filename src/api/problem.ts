import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, toProblem } from '../core/errors';
import type { Logger } from '../core/log';
import { DatabaseError } from '../db/db';

/**
 * A value the database refused is the client's bad input (SQLSTATE class 22: a NUL in a string,
 * a date out of range; 54000: a key too long for its index): a coded 400, never a 500.
 */
export function databaseProblem(e: DatabaseError): AppError | null {
  if (e.code.startsWith('22') || e.code === '54000') return new AppError('request.invalid', `a value in the request is not acceptable (${e.message})`, { sqlstate: e.code });
  return null;
}

/** Answers carry ids, evidence and download links: never sniffed, never cached by anyone between. */
export const API_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

export function problemResponse(err: AppError, instance?: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(toProblem(err, instance)), {
    status: err.status,
    headers: { 'content-type': 'application/problem+json', ...API_HEADERS, ...err.headers, ...headers },
  });
}

/**
 * Every error leaves as problem+json with a stable code. Unknown errors are logged
 * with their stack and answered as `internal` without leaking details.
 */
export function onError(log: Logger) {
  return (err: Error, c: Context): Response => {
    const instance = new URL(c.req.url).pathname;
    if (err instanceof AppError) return problemResponse(err, instance);
    const fromDb = err instanceof DatabaseError ? databaseProblem(err) : null;
    if (fromDb) return problemResponse(fromDb, instance);
    if (err instanceof HTTPException) {
      const code = err.status === 415 ? 'request.unsupported_media_type' : 'request.invalid';
      return problemResponse(new AppError(code, err.message || 'bad request'), instance);
    }
    // Only the error's own fields are logged (a DatabaseError carries no parameters or row values).
    log.error({ err, path: instance }, 'unhandled error');
    return problemResponse(new AppError('internal', 'internal error'), instance);
  };
}
