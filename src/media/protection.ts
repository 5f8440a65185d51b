import { AppError, type ErrorCode } from '../core/errors';
import type { ChildDataReason } from '../consent/child-data';
import type { MediaRow } from './repo';

/**
 * What marks an item as protected children's data, read from its row (migration 014 adds
 * the columns; `select *` brings them), plus the tags and errors that go with it. Kept
 * free of storage and crypto so finalize, the views and the worker can all import it.
 */
export interface Protection {
  reason: ChildDataReason;
  subjectId: string;
  keyId: string;
}

type ProtectedColumns = {
  protection?: string | null;
  protection_subject_id?: string | null;
  protection_key_id?: string | null;
};

export function protectionOf(m: MediaRow): Protection | null {
  const c = m as MediaRow & ProtectedColumns;
  if (!c.protection) return null;
  // A protected row always names its subject and key; one that does not is treated as protected
  // all the same (fail closed), and reading it fails for want of a key.
  return { reason: c.protection as ChildDataReason, subjectId: c.protection_subject_id ?? '', keyId: c.protection_key_id ?? '' };
}

/** The S3 content type of a protected object: the bytes are ciphertext, whatever the item is. */
export const ENCRYPTED_CONTENT_TYPE = 'application/vnd.likeness-gate.encrypted';

/** Tags a protected object carries on top of the usual ones (lifecycle rules and operators key on them). */
export const protectedTags = (p: Pick<Protection, 'subjectId'>) => ({
  protected: 'true' as const,
  encryption: 'aes-256-gcm-chunked' as const,
  subject: p.subjectId,
});

/** The protected tags of a row ({} for an ordinary item), for every place that rebuilds an object's tags. */
export function protectedTagsOf(m: MediaRow): Partial<ReturnType<typeof protectedTags>> {
  const p = protectionOf(m);
  return p ? protectedTags(p) : {};
}

/** The API's picture of the protection: that it is protected and how a read is obtained — never a link. */
export function protectionView(m: MediaRow) {
  const p = protectionOf(m);
  if (!p) return null;
  return {
    reason: p.reason,
    subject_id: p.subjectId,
    key_id: p.keyId,
    access: 'approval_required' as const,
    access_requests: `/v1/media/${m.id}/access-requests`,
  };
}

/** Errors of the protected-data paths (their statuses are in src/core/errors.ts). */
export type ProtectedCode = Extract<ErrorCode, `access.${string}` | `protected.${string}`>;

export class ProtectedDataError extends AppError {
  constructor(code: ProtectedCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
