import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import type { ModeratorFacts, Role } from './policy';
import {
  deleteSession,
  insertModerator,
  insertSession,
  moderatorByEmail,
  recordLoginFailure,
  recordLoginSuccess,
  sessionWithModerator,
  type ModeratorRow,
} from './repo';

/**
 * Moderator accounts and their sessions. Passwords are hashed with scrypt (memory-hard, in
 * node:crypto); the session cookie carries a random secret of which only the sha256 is stored.
 * These accounts are a separate world from tenant API keys: nothing here accepts a key.
 */
const SCRYPT = { logN: 15, r: 8, p: 1, keyLength: 32 };
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
export const MIN_PASSWORD_LENGTH = 12;

const scryptAsync = (password: string, salt: Buffer, keyLength: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keyLength, opts, (err, key) => (err ? reject(err) : resolve(key))));

const scryptOptions = (logN: number, r: number, p: number): ScryptOptions => ({ N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r });

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keyLength, scryptOptions(SCRYPT.logN, SCRYPT.r, SCRYPT.p));
  return ['scrypt', SCRYPT.logN, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, logN, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, scryptOptions(Number(logN), Number(r), Number(p)));
  return timingSafeEqual(key, expected);
}

/** A hash of a password nobody has: checked against on unknown emails, so both cases take the same time. */
let decoyHash: Promise<string> | undefined;

export interface NewModerator {
  email: string;
  displayName?: string;
  role: Role;
  password: string;
  tenantIds?: string[] | null;
  queues?: string[] | null;
}

export async function createModerator(q: Queryable, m: NewModerator): Promise<ModeratorRow> {
  if (m.password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('review.weak_password', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const email = m.email.trim().toLowerCase();
  const row = await insertModerator(q, {
    id: randomUUID(),
    email,
    display_name: m.displayName?.trim() || email.split('@')[0]!,
    role: m.role,
    password_hash: await hashPassword(m.password),
    tenant_ids: m.tenantIds?.length ? m.tenantIds : null,
    queues: m.queues?.length ? m.queues : null,
  });
  if (!row) throw new AppError('review.moderator_exists', 'a moderator with this email exists');
  return row;
}

export const generatePassword = () => randomBytes(18).toString('base64url');

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface Session {
  cookie: string;
  csrfToken: string;
  moderator: ModeratorRow;
}

/**
 * Checks the password; after MAX_FAILED_LOGINS failures in a row the account is locked for
 * LOCK_MINUTES, even against the right password. Unknown emails and wrong passwords answer alike.
 */
export async function login(q: Queryable, email: string, password: string, hours: number): Promise<Session> {
  const m = await moderatorByEmail(q, email.trim().toLowerCase());
  if (!m || m.disabled_at) {
    decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await decoyHash);
    throw new AppError('review.login_failed', 'wrong email or password');
  }
  if (m.locked_until && m.locked_until > new Date()) {
    throw new AppError('review.locked', 'too many failed logins: the account is locked for a while', { locked_until: m.locked_until.toISOString() });
  }
  if (!(await verifyPassword(password, m.password_hash))) {
    await recordLoginFailure(q, m.id, MAX_FAILED_LOGINS, LOCK_MINUTES);
    throw new AppError('review.login_failed', 'wrong email or password');
  }
  await recordLoginSuccess(q, m.id);
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await insertSession(q, { id: sha256(cookie), moderatorId: m.id, csrf: csrfToken, hours });
  return { cookie, csrfToken, moderator: m };
}

export async function sessionOf(q: Queryable, cookie: string): Promise<{ moderator: ModeratorRow; csrfToken: string } | null> {
  const row = await sessionWithModerator(q, sha256(cookie));
  if (!row) return null;
  const { csrf_token, ...moderator } = row;
  return { moderator, csrfToken: csrf_token };
}

export const logout = (q: Queryable, cookie: string) => deleteSession(q, sha256(cookie));

/**
 * The key that signs a session's media links: derived from the cookie secret, which the page's
 * script never sees (HttpOnly), so a script cannot mint links of its own, or longer-lived ones.
 */
export const linkKeyOf = (cookie: string) => createHash('sha256').update(`media-links:${cookie}`).digest('hex');

export const factsOf = (m: ModeratorRow): ModeratorFacts => ({ id: m.id, role: m.role, tenantIds: m.tenant_ids, queues: m.queues });

export const moderatorView = (m: ModeratorRow) => ({
  id: m.id,
  email: m.email,
  display_name: m.display_name,
  role: m.role,
  tenant_ids: m.tenant_ids,
  queues: m.queues,
  locked: !!(m.locked_until && m.locked_until > new Date()),
  created_at: m.created_at.toISOString(),
});
