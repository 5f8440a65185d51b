import type { EventEmitter } from 'node:events';
import type { Config } from './core/config';
import type { Logger } from './core/log';
import type { Db } from './db/db';
import type { ObjectStore } from '../storage/s3';

/** The long-lived services one process shares between its API and its workers. */
export interface AppContext {
  config: Config;
  db: Db;
  store: ObjectStore;
  log: Logger;
  /** Wakes in-process workers at once when a job is queued (others find it by polling). */
  wakeWorkers: () => void;
  /** Emits `decided` with the media id when an in-process worker records a decision. */
  events: EventEmitter;
}
