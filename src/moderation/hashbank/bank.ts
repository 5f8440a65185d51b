import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db';
import type { Category } from '../taxonomy';
import { hammingDistance, mirrorHash } from './phash';

/**
 * Known-bad media: exact (sha256) and perceptual (64-bit DCT hash) matches against
 * what moderators blocked, for the tenant and the shared bank. The threshold and its
 * measured false-match rate are in docs/hashbank.md (`npm run eval:hashbank`).
 */
export const MATCH_DISTANCE = 8;

export interface BankEntry {
  id: string;
  sha256: string;
  phash: string;
  category: Category;
  source_media_id: string | null;
}

export interface BankMatch {
  entry: BankEntry;
  distance: number;
  exact: boolean;
  /** Matched through the query's mirror hash: the upload is a horizontally flipped copy. */
  mirrored: boolean;
}

const CACHE_MS = 10_000;
const cache = new Map<string, { at: number; entries: BankEntry[] }>();

async function entriesFor(q: Queryable, tenantId: string): Promise<BankEntry[]> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.entries;
  const entries = await q.query<BankEntry>(
    'select id, sha256, phash, category, source_media_id from hash_bank where tenant_id = $1 or tenant_id is null',
    [tenantId],
  );
  cache.set(tenantId, { at: Date.now(), entries });
  return entries;
}

/**
 * The closest bank entry within MATCH_DISTANCE (an exact sha256 match is distance 0).
 * The query's mirror hash is compared too: flipping is the cheapest way to dodge a
 * hash, and catching it costs about twice the false matches (docs/hashbank.md).
 */
export function closest(entries: readonly BankEntry[], sha256: string | undefined, phash: string): BankMatch | null {
  const mirror = mirrorHash(phash);
  let best: BankMatch | null = null;
  for (const entry of entries) {
    if (sha256 && entry.sha256 === sha256) return { entry, distance: 0, exact: true, mirrored: false };
    const direct = hammingDistance(entry.phash, phash);
    const flipped = hammingDistance(entry.phash, mirror);
    const distance = Math.min(direct, flipped);
    if (distance <= MATCH_DISTANCE && (!best || distance < best.distance)) best = { entry, distance, exact: false, mirrored: flipped < direct };
  }
  return best;
}

export async function lookup(q: Queryable, tenantId: string, sha256: string | undefined, phash: string): Promise<BankMatch | null> {
  return closest(await entriesFor(q, tenantId), sha256, phash);
}

export async function addToBank(
  q: Queryable,
  e: { tenantId: string | null; sha256: string; phash: string; category: Category; sourceMediaId?: string; note?: string; addedBy: string },
): Promise<string> {
  const id = randomUUID();
  await q.query(
    `insert into hash_bank (id, tenant_id, sha256, phash, category, source_media_id, note, added_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, e.tenantId, e.sha256, e.phash, e.category, e.sourceMediaId ?? null, e.note ?? '', e.addedBy],
  );
  cache.clear();
  return id;
}
