import type { Queryable } from '../db/db';
import { faceSimilarity, FACE_MATCH_THRESHOLD, type FaceEmbedding } from '../inference/index.js';

/**
 * The do-not-clone registry: the face references of a subject who revoked go here, and
 * every new portrait is compared 1:N with all entries (every tenant's). A match rejects the
 * upload whatever attestation it carries, except one for the very subject listed (the
 * person may consent again). Only embeddings are kept, never images.
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

export async function checkFace(q: Queryable, face: FaceEmbedding, exceptSubjectId: string): Promise<RegistryMatch> {
  const rows = await q.query<{ vector: number[] }>(`select vector from do_not_clone where modality = 'face' and subject_id <> $1`, [exceptSubjectId]);
  if (!rows.length) return { listed: false, score: null, entries: 0 };
  const best = Math.max(...rows.map((r) => faceSimilarity(face, { ...face, vector: Float32Array.from(r.vector) })));
  return { listed: best >= FACE_MATCH_THRESHOLD, score: Math.round(best * 1000) / 1000, entries: rows.length };
}
