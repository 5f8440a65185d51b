import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

export interface EmbeddedS3 {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * The embedded default: a real S3-protocol server on loopback with its files under
 * the data directory, so the service talks S3 whether or not MinIO/AWS is configured.
 */
export async function startEmbeddedS3(opts: { directory: string; port?: number; bucket: string }): Promise<EmbeddedS3> {
  fs.mkdirSync(opts.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    directory: opts.directory,
    silent: true,
    configureBuckets: [{ name: opts.bucket, configs: [] }],
  });
  const addr = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    close: () => server.close(),
  };
}
