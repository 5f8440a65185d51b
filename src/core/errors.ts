/**
 * Errors are values with stable codes. The HTTP layer turns them into RFC 9457
 * problem+json; pipelines record the code as a stage reason. Codes never change
 * meaning once published: clients branch on them.
 */
export type ErrorCode =
  | 'auth.missing_key'
  | 'auth.invalid_key'
  | 'request.invalid'
  | 'request.unsupported_media_type'
  | 'request.not_found'
  | 'request.method_not_allowed'
  | 'request.too_large'
  | 'media.unknown_kind'
  | 'media.empty'
  | 'media.too_large'
  | 'media.unsupported_type'
  | 'media.corrupt'
  | 'media.too_many_pixels'
  | 'media.invalid_text'
  | 'media.no_stream'
  | 'media.too_long'
  | 'media.too_short'
  | 'media.not_found'
  | 'media.not_released'
  | 'media.upload_abandoned'
  | 'idempotency.in_progress'
  | 'idempotency.mismatch'
  | 'storage.unavailable'
  | 'consent.not_found'
  | 'consent.subject_not_found'
  | 'consent.challenge_not_found'
  | 'consent.invalid'
  | 'consent.conflict'
  | 'do_not_clone.not_found'
  | 'do_not_clone.conflict'
  | 'do_not_clone.unavailable'
  | 'subject_link.not_found'
  | 'subject_link.expired'
  | 'capture.link_not_found'
  | 'capture.link_expired'
  | 'capture.link_used'
  | 'capture.consent_inactive'
  | 'access.approval_required'
  | 'access.self_approval'
  | 'access.not_approver'
  | 'access.grant_used'
  | 'access.grant_expired'
  | 'access.grant_not_yours'
  | 'access.request_not_found'
  | 'access.not_protected'
  | 'access.conflict'
  | 'access.no_content'
  | 'protected.key_destroyed'
  | 'consent.moderator_only'
  | 'review.session_required'
  | 'review.login_failed'
  | 'review.locked'
  | 'review.csrf'
  | 'review.forbidden'
  | 'review.not_found'
  | 'review.claimed'
  | 'review.not_claimed'
  | 'review.decided'
  | 'review.not_waiting'
  | 'review.invalid_decision'
  | 'review.weak_password'
  | 'review.moderator_exists'
  | 'review.link_expired'
  | 'appeal.not_appealable'
  | 'appeal.exists'
  | 'internal';

/** Codes that later layers (consent, moderation) add are dotted too; unknown ones answer 422. */
export type AnyErrorCode = ErrorCode | `${string}.${string}`;

const statusByCode: Record<ErrorCode, number> = {
  'auth.missing_key': 401,
  'auth.invalid_key': 401,
  'request.invalid': 400,
  'request.unsupported_media_type': 415,
  'request.not_found': 404,
  'request.method_not_allowed': 405,
  // A body over the route's limit, refused before it is parsed (src/api/body-limits.ts).
  'request.too_large': 413,
  'media.unknown_kind': 400,
  'media.empty': 400,
  'media.too_large': 413,
  'media.unsupported_type': 415,
  'media.corrupt': 422,
  'media.too_many_pixels': 422,
  'media.invalid_text': 422,
  'media.no_stream': 422,
  'media.too_long': 422,
  'media.too_short': 422,
  'media.not_found': 404,
  'media.not_released': 409,
  // The upload outlived RECEIVING_TIMEOUT_SECONDS and the reaper removed it: nothing is kept, a retry may succeed.
  'media.upload_abandoned': 408,
  'idempotency.in_progress': 409,
  'idempotency.mismatch': 422,
  'storage.unavailable': 503,
  // Consent refusals (consent.revoked, consent.expired, …) answer 422 like other unknown dotted codes.
  'consent.not_found': 404,
  'consent.subject_not_found': 404,
  'consent.challenge_not_found': 404,
  'consent.invalid': 400,
  'consent.conflict': 409,
  'do_not_clone.not_found': 404,
  'do_not_clone.conflict': 409,
  'do_not_clone.unavailable': 503,
  'subject_link.not_found': 404,
  'subject_link.expired': 410,
  // A capture link that does not exist is 404; one that is spent or over is gone (410).
  'capture.link_not_found': 404,
  'capture.link_expired': 410,
  'capture.link_used': 410,
  'capture.consent_inactive': 410,
  // Children's data: a read needs another key's approval (403); a shredded subject key is gone (410).
  'access.approval_required': 403,
  'access.self_approval': 403,
  'access.not_approver': 403,
  'access.grant_used': 403,
  'access.grant_expired': 403,
  'access.grant_not_yours': 403,
  'access.request_not_found': 404,
  'access.not_protected': 409,
  'access.conflict': 409,
  'access.no_content': 409,
  'protected.key_destroyed': 410,
  // Settling a ceremony is a moderator's act in the review console, never the tenant's own key.
  'consent.moderator_only': 403,
  // The review console: sessions, CSRF, claims (a claim someone else holds is a conflict).
  'review.session_required': 401,
  'review.login_failed': 401,
  'review.locked': 423,
  'review.csrf': 403,
  'review.forbidden': 403,
  'review.not_found': 404,
  'review.claimed': 409,
  'review.not_claimed': 409,
  'review.decided': 409,
  'review.not_waiting': 409,
  'review.invalid_decision': 400,
  'review.weak_password': 400,
  'review.moderator_exists': 409,
  'review.link_expired': 403,
  'appeal.not_appealable': 409,
  'appeal.exists': 409,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Response headers the answer needs (a 401's WWW-Authenticate); never part of the problem body. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusByCode[code as ErrorCode] ?? 422;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  [extra: string]: unknown;
}

export function toProblem(err: AppError, instance?: string): Problem {
  return {
    type: `https://likeness-gate.dev/problems/${err.code.replace('.', '/')}`,
    title: err.code,
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...err.details,
  };
}
