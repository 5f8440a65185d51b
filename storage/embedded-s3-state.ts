import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Credentials } from './sigv4-verify';

/**
 * What the embedded store remembers about itself between runs, in one file beside its
 * buckets: the port (so presigned links survive a restart) and, when nobody configured
 * credentials, the key pair it generated for this data directory. Owner-only (0600): the
 * secret is what stands between other local processes and every stored portrait.
 * s3rver lists only folders as buckets, so a file here never shows up as one.
 */
export const STATE_FILE = '.embedded-s3.json';

export interface EmbeddedState {
  port?: number;
  credentials?: Credentials;
}

export function readState(directory: string): EmbeddedState {
  const file = path.join(directory, STATE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON: fix or delete it (a new key pair and port are then chosen)`);
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  const c = o.credentials as Record<string, unknown> | undefined;
  return {
    port: Number.isInteger(o.port) && (o.port as number) > 0 && (o.port as number) < 65536 ? (o.port as number) : undefined,
    credentials:
      c && typeof c.accessKeyId === 'string' && typeof c.secretAccessKey === 'string' && c.accessKeyId && c.secretAccessKey
        ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
        : undefined,
  };
}

/** Written to a temporary file first, so a crash mid-write cannot leave half a secret. */
export function writeState(directory: string, state: EmbeddedState): void {
  const file = path.join(directory, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Shaped like AWS keys (20 upper-case characters, a 40-character secret) so tools that check the shape accept them. */
export function generateCredentials(): Credentials {
  const id = Array.from({ length: 18 }, () => KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]).join('');
  return { accessKeyId: `LG${id}`, secretAccessKey: randomBytes(30).toString('base64url') };
}
