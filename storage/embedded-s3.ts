import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { generateCredentials, readState, writeState } from './embedded-s3-state';
import { privateSocket } from './private-socket';
import { createS3Proxy } from './s3-proxy';
import type { Credentials } from './sigv4-verify';

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  /** What a client must sign with: the ones passed in, or the pair kept in the directory. */
  credentials: Credentials;
  close(): Promise<void>;
}

export interface EmbeddedS3Options {
  directory: string;
  bucket: string;
  /** A fixed port (refused if busy). 0 or unset: the port this directory used last, when free. */
  port?: number;
  /** Unset: a key pair generated on first start and kept in the directory (owner-only). */
  credentials?: Credentials;
  /** Told when the remembered port was busy; console.warn when unset. */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The embedded default: a real S3-protocol server on loopback with its files under the
 * data directory, so the service talks S3 whether or not MinIO/AWS is configured. s3rver
 * stores the files but checks no signatures, so it only listens on a private socket
 * (storage/private-socket.ts); the loopback port belongs to an authenticating proxy
 * (storage/s3-proxy.ts) that verifies every request's SigV4 signature first. The port is
 * remembered in the directory, so presigned links handed out before a restart still work.
 */
export async function startEmbeddedS3(opts: EmbeddedS3Options): Promise<EmbeddedS3> {
  // The objects are quarantined faces and voices: not readable by other users from disk either.
  fs.mkdirSync(opts.directory, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') fs.chmodSync(opts.directory, 0o700);
  const state = readState(opts.directory);
  const generated = opts.credentials ? undefined : (state.credentials ?? generateCredentials());
  const credentials = opts.credentials ?? generated!;

  const socket = await privateSocket(opts.directory);
  const s3rver = new S3rver({ directory: opts.directory, silent: true, vhostBuckets: false, configureBuckets: [{ name: opts.bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const inner = http.createServer(s3rver.callback() as http.RequestListener);
  inner.requestTimeout = 0;
  await listen(inner, { path: socket.path });

  const proxy = createS3Proxy({ upstreamSocket: socket.path, root: opts.directory, credentials: [credentials] });
  const closeInner = async () => {
    await new Promise<void>((resolve) => {
      inner.close(() => resolve());
      inner.closeAllConnections();
    });
    socket.remove();
  };
  let port: number;
  try {
    await proxy.book.sweepOrphans();
    port = await listenProxy(proxy.server, opts, state.port);
  } catch (e) {
    await closeInner();
    throw e;
  }
  // A port that was busy is not forgotten: it most likely belongs to another process on this directory.
  const keepPort = opts.port || state.port === undefined || state.port === port ? port : state.port;
  writeState(opts.directory, { port: keepPort, ...(generated ? { credentials: generated } : state.credentials ? { credentials: state.credentials } : {}) });

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials,
    close() {
      closing ??= proxy.close().then(closeInner);
      return closing;
    },
  };
}

async function listenProxy(server: http.Server, opts: EmbeddedS3Options, remembered: number | undefined): Promise<number> {
  if (opts.port) {
    try {
      return await listen(server, { host: '127.0.0.1', port: opts.port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`the embedded S3 port ${opts.port} (S3_EMBEDDED_PORT) is in use`);
      throw e;
    }
  }
  if (remembered) {
    try {
      return await listen(server, { host: '127.0.0.1', port: remembered });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      const port = await listen(server, { host: '127.0.0.1', port: 0 });
      (opts.warn ?? ((m, f) => console.warn(m, f)))(
        `embedded S3: port ${remembered}, used last time with this data directory, is busy (another process on it?); ` +
          `listening on ${port} for this run only, so download links handed out now stop working when it ends. ` +
          'Set S3_EMBEDDED_PORT to pin a port.',
        { rememberedPort: remembered, port, directory: opts.directory },
      );
      return port;
    }
  }
  return listen(server, { host: '127.0.0.1', port: 0 });
}

function listen(server: http.Server, where: { host: string; port: number } | { path: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(where, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? (addr as AddressInfo).port : 0);
    });
  });
}
