import type { Queryable } from '../db/db';

/**
 * The language an upload declares. Read through `to_jsonb` so this works whether or not
 * the media table has a `language` column yet: no column, or no value, is "not declared".
 */
export async function declaredLanguage(db: Queryable | undefined, mediaId: string): Promise<string | undefined> {
  if (!db) return undefined;
  const rows = await db.query<{ language: string | null }>("select to_jsonb(m) ->> 'language' as language from media m where id = $1", [mediaId]);
  return rows[0]?.language ?? undefined;
}
