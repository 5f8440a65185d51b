import { EventEmitter } from 'node:events';
import path from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../storage/embedded-s3';
import { ObjectStore } from '../storage/s3';
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
export async function openRuntime(config: Config): Promise<Runtime> {
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  let embedded: EmbeddedS3 | undefined;
  let endpoint = config.s3.endpoint;
  if (!endpoint) {
    embedded = await startEmbeddedS3({
      directory: path.join(config.dataDir, 's3'),
      port: config.s3.embeddedPort,
      bucket: config.s3.bucket,
    });
    endpoint = embedded.endpoint;
    log.info({ endpoint }, 'embedded S3 server started');
  }
  const store = new ObjectStore({ ...config.s3, endpoint });
  await store.ensureBucket();
  const ctx: AppContext = { config, db, store, log, wakeWorkers: () => {}, events: new EventEmitter().setMaxListeners(0) };
  return {
    ctx,
    async close() {
      await db.close();
      await embedded?.close();
    },
  };
}
