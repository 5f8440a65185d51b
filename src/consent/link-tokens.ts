import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer links handed to subjects (capture, receipts): a prefix naming the kind of link and
 * 32 random bytes (256 bits) in base64url. Only the sha256 is stored, so a database leak
 * yields no usable link.
 */
export interface LinkTokens {
  create(): { token: string; hash: string };
  /** The stored hash of a well-formed token of this kind; undefined for anything else. */
  hashOf(token: string): string | undefined;
}

export function linkTokens(prefix: string): LinkTokens {
  const format = new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);
  const hash = (token: string) => createHash('sha256').update(token).digest('hex');
  return {
    create() {
      const token = `${prefix}${randomBytes(32).toString('base64url')}`;
      return { token, hash: hash(token) };
    },
    hashOf: (token) => (format.test(token) ? hash(token) : undefined),
  };
}
