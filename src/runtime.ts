import { EventEmitter } from 'node:events';
import path from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../storage/embedded-s3';
import { ObjectStore, type S3Settings } from '../storage/s3';
import type { AppContext } from './app-context';
import type { Config } from './core/config';
import { log } from './core/log';
import { openDb } from './db/db';
import { migrate } from './db/migrate';

export interface Runtime {
  ctx: AppContext;
  close(): Promise<void>;
}

/**
 * Opens what a process needs: the database (PGlite under DATA_DIR unless DATABASE_URL
 * is set), migrated, and S3 (an embedded S3 server under DATA_DIR unless S3_ENDPOINT
 * is set). Both defaults speak the same protocols as their production counterparts.
 */
/** Multipart uploads older than this were left by a crash or a lost client: no live upload takes a day per part. */
const STALE_UPLOAD_MS = 24 * 3600 * 1000;

async function abortStaleUploads(store: ObjectStore): Promise<void> {
  try {
    const aborted = await store.abortStaleUploads(STALE_UPLOAD_MS);
    if (aborted) log.info({ aborted }, 'stale multipart uploads aborted');
  } catch (err) {
    // A store that refuses the listing (permissions) must not keep the service from starting.
    log.warn({ err }, 'could not check for stale multipart uploads');
  }
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  let embedded: EmbeddedS3 | undefined;
  let s3: S3Settings;
  if (config.s3.endpoint) {
    s3 = { ...config.s3, endpoint: config.s3.endpoint };
  } else {
    const { accessKeyId, secretAccessKey } = config.s3;
    embedded = await startEmbeddedS3({
      directory: path.join(config.dataDir, 's3'),
      port: config.s3.embeddedPort,
      bucket: config.s3.bucket,
      // Unset: the key pair kept in DATA_DIR/s3, so the store and the service share a secret no one chose.
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      warn: (message, fields) => log.warn(fields, message),
    });
    s3 = { ...config.s3, endpoint: embedded.endpoint, ...embedded.credentials };
    log.info({ endpoint: embedded.endpoint }, 'embedded S3 server started');
  }
  const store = new ObjectStore(s3);
  await store.ensureBucket();
  await abortStaleUploads(store);
  const ctx: AppContext = { config, db, store, log, wakeWorkers: () => {}, events: new EventEmitter().setMaxListeners(0) };
  return {
    ctx,
    async close() {
      await db.close();
      await embedded?.close();
    },
  };
}
