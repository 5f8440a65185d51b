import type { Queryable } from './db';

/**
 * A value loaded once per database (a process may talk to several, in tests) and shared by
 * every caller; a failed load is not kept, so the next call tries again.
 */
export function oncePerDb<T>(load: (db: Queryable) => Promise<T>): (db: Queryable) => Promise<T> {
  const cache = new WeakMap<Queryable, Promise<T>>();
  return (db) => {
    let value = cache.get(db);
    if (!value) {
      value = load(db).catch((e: unknown) => {
        cache.delete(db);
        throw e;
      });
      cache.set(db, value);
    }
    return value;
  };
}
