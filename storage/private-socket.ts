import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Where s3rver listens: a Unix socket inside the store's own owner-only directory, so no
 * other user can connect to it, and not under /tmp, where cleaners (systemd-tmpfiles ages
 * /tmp on some distributions) would delete it under a long-running service. One socket per
 * process, so a second process on the same data directory never takes the first one's;
 * sockets whose process is gone are removed at the next start.
 */
const NAME = /^\.s3rver-[0-9a-f]{16}\.sock$/;
// sun_path holds 108 bytes on Linux and 104 on macOS.
const MAX_SOCKET_PATH = 100;

export interface PrivateSocket {
  path: string;
  remove(): void;
}

export async function privateSocket(directory: string): Promise<PrivateSocket> {
  const id = randomBytes(8).toString('hex');
  if (process.platform === 'win32') return { path: `\\\\.\\pipe\\lg-s3-${id}`, remove() {} };
  await removeDeadSockets(directory);
  const inDirectory = path.resolve(directory, `.s3rver-${id}.sock`);
  if (Buffer.byteLength(inDirectory) <= MAX_SOCKET_PATH) return { path: inDirectory, remove: () => fs.rmSync(inDirectory, { force: true }) };
  // A data directory too deep for a socket path: a fresh owner-only folder (mkdtemp is 0700) instead.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-s3-'));
  return { path: path.join(dir, 's3rver.sock'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function removeDeadSockets(directory: string): Promise<void> {
  for (const name of fs.readdirSync(directory).filter((n) => NAME.test(n))) {
    const file = path.join(directory, name);
    if (await isDead(file)) fs.rmSync(file, { force: true });
  }
}

/** Only a refused connection means no one listens; any other failure leaves the socket alone. */
function isDead(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT'));
  });
}
