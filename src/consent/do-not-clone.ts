import type { Queryable } from '../db/db';
import { faceSimilarity, FACE_MATCH_THRESHOLD, type FaceEmbedding } from '../inference/index.js';

/**
 * The do-not-clone registry: the face references of a subject who revoked go here, and
 * every new portrait is compared 1:N with all entries (every tenant's). A match rejects the
 * upload whatever attestation it carries, except one for the very subject listed (the
 * person may consent again). A person who never consented can list their face too
 * (an opt-out, src/consent/opt-out.ts); such rows name no subject, so nothing exempts
 * them until the person withdraws. Only embeddings are kept, never images.
 */
export async function listFromReferences(q: Queryable, tenantId: string, subjectId: string, attestationId: string, source: string): Promise<number> {
  const rows = await q.query(
    `insert into do_not_clone (tenant_id, subject_id, modality, model, vector, source)
     select $1, $2, 'face', model, vector, $4 from consent_face_refs where attestation_id = $3 returning id`,
    [tenantId, subjectId, attestationId, source],
  );
  return rows.length;
}

export interface RegistryMatch {
  listed: boolean;
  score: number | null;
  entries: number;
}

/** Lists the face of an opt-out (source `opt_out`). It names no subject: no attestation is exempt from it. */
export async function listOptOutFace(q: Queryable, tenantId: string, optOutId: string, face: FaceEmbedding): Promise<void> {
  await q.query(
    `insert into do_not_clone (tenant_id, subject_id, modality, model, vector, source, opt_out_id)
     values ($1, null, 'face', $2, $3, 'opt_out', $4)`,
    [tenantId, face.model, JSON.stringify(Array.from(face.vector)), optOutId],
  );
}

/** Removes an opt-out's embeddings (the person withdrew it); returns how many rows went. */
export async function unlistOptOut(q: Queryable, optOutId: string): Promise<number> {
  return (await q.query('delete from do_not_clone where opt_out_id = $1 returning id', [optOutId])).length;
}

export async function checkFace(q: Queryable, face: FaceEmbedding, exceptSubjectId: string | null): Promise<RegistryMatch> {
  return (await loadRegistry(q, exceptSubjectId))(face);
}

/**
 * The registry's face entries, read once, as a matcher for any number of faces (every face of
 * an image and of its frames is looked up). `exceptSubjectId` null: no subject is exempt.
 */
export async function loadRegistry(q: Queryable, exceptSubjectId: string | null): Promise<(face: FaceEmbedding) => RegistryMatch> {
  // `is distinct from`: opt-out rows have no subject, and `null <> x` would silently skip them.
  const rows = exceptSubjectId === null
    ? await q.query<{ vector: number[] }>(`select vector from do_not_clone where modality = 'face'`)
    : await q.query<{ vector: number[] }>(`select vector from do_not_clone where modality = 'face' and subject_id is distinct from $1`, [exceptSubjectId]);
  const vectors = rows.map((r) => Float32Array.from(r.vector));
  return (face) => {
    if (!vectors.length) return { listed: false, score: null, entries: 0 };
    const best = Math.max(...vectors.map((vector) => faceSimilarity(face, { ...face, vector })));
    return { listed: best >= FACE_MATCH_THRESHOLD, score: Math.round(best * 1000) / 1000, entries: vectors.length };
  };
}
