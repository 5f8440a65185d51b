import { createHash, randomUUID } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { AppContext } from '../app-context';
import { AppError } from '../core/errors';
import type { Queryable } from '../db/db';
import { decodeImage, detectFaces, embedFace, InferenceError, type FaceEmbedding } from '../inference/index.js';
import { refuseImageBomb } from '../media/header-check';
import { KINDS } from '../media/kinds';
import { isUuid } from './repo';
import { signBody, signingKey, type Receipt, type SigningKey } from './receipts';
import { listOptOutFace, unlistOptOut } from './do-not-clone';

/**
 * Do-not-clone opt-outs: a person who never consented (or revoked) asks, through a
 * platform holding an API key, that their face never be cloned. The photo's one face
 * is embedded and listed in the registry that every portrait and customization video is
 * checked against 1:N, across tenants, whatever attestation it carries. The photo itself
 * is never stored: only its sha256 (to show later which photo was sent) and the embedding.
 *
 * Voices cannot be listed: no speaker model is installed, so a voice entry could never
 * be matched. Recording it anyway would keep biometric data that protects nobody, and
 * tell the person they are protected when they are not; the request is refused
 * (`do_not_clone.voice_unsupported`) instead.
 */
export interface OptOutRow {
  id: string;
  tenant_id: string;
  modality: 'face';
  requester: string;
  reason: string | null;
  photo_sha256: string;
  state: 'active' | 'withdrawn';
  withdrawn_at: Date | null;
  created_at: Date;
}

export interface OptOutEvent {
  id: string;
  type: 'listed' | 'withdrawn';
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

const RECEIPT_VERSION = 'likeness-gate-do-not-clone-receipt/1';

export const optOutNotFound = () => new AppError('do_not_clone.not_found', 'no such do-not-clone entry');

/** The one face of a photo, or the problem with it. Model failures never answer "no face": they fail the request. */
export async function photoFace(ctx: Pick<AppContext, 'config'>, photo: Buffer): Promise<FaceEmbedding> {
  if (!photo.length) throw new AppError('media.empty', 'the request has no photo');
  const found = await fileTypeFromBuffer(photo.subarray(0, 4100));
  if (found?.mime.startsWith('audio/')) throw voiceUnsupported();
  const accepts = KINDS.portrait_image.accepts;
  if (!found || !accepts.includes(found.mime)) {
    throw new AppError('media.unsupported_type', `a do-not-clone photo must be one of ${accepts.join(', ')}`, {
      detected: found?.mime ?? 'unknown', accepted: accepts,
    });
  }
  await refuseImageBomb(photo, ctx.config.limits.maxImagePixels);
  try {
    const img = await decodeImage(new Uint8Array(photo));
    const faces = await detectFaces(img);
    if (!faces.length) throw new AppError('do_not_clone.no_face', 'no face was found in the photo');
    if (faces.length > 1) {
      throw new AppError('do_not_clone.many_faces', 'the photo shows more than one face: send a photo of the one person', { faces: faces.length });
    }
    return (await embedFace(img, faces[0]))!;
  } catch (e) {
    if (!(e instanceof InferenceError)) throw e;
    if (e.code === 'inference.bad_input') throw new AppError('media.corrupt', 'the photo does not decode');
    // A model that cannot run must not let the request look done.
    throw new AppError('do_not_clone.unavailable', 'the face models are unavailable; nothing was listed', { cause: e.code });
  }
}

export const voiceUnsupported = () =>
  new AppError('do_not_clone.voice_unsupported', 'voices cannot be listed: no speaker model is installed to recognise a voice, so a voice entry would protect nothing');

export async function createOptOut(
  ctx: AppContext,
  tenantId: string,
  actor: string,
  req: { photo: Buffer; requester: string; reason?: string },
): Promise<{ optOut: OptOutRow; receipt: Receipt }> {
  const face = await photoFace(ctx, req.photo);
  const sha256 = createHash('sha256').update(req.photo).digest('hex');
  const key = await signingKey(ctx.db);
  return ctx.db.tx(async (q) => {
    const [optOut] = await q.query<OptOutRow>(
      `insert into do_not_clone_opt_outs (id, tenant_id, modality, requester, reason, photo_sha256)
       values ($1, $2, 'face', $3, $4, $5) returning *`,
      [randomUUID(), tenantId, req.requester, req.reason ?? null, sha256],
    );
    await listOptOutFace(q, tenantId, optOut!.id, face);
    const receipt = await recordEvent(q, key, optOut!, 'listed', actor, { embeddings: 1, model: face.model });
    return { optOut: optOut!, receipt };
  });
}

export async function getOptOut(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<{ optOut: OptOutRow; events: OptOutEvent[]; receipts: Receipt[]; embeddings: number }> {
  // Another tenant's entry is answered exactly like a missing one.
  const optOut = isUuid(id)
    ? (await q.query<OptOutRow>('select * from do_not_clone_opt_outs where id = $1 and tenant_id = $2', [id, tenantId]))[0]
    : undefined;
  if (!optOut) throw optOutNotFound();
  const events = await q.query<OptOutEvent>(
    'select id::text, type, actor, data, at from do_not_clone_events where opt_out_id = $1 order by id',
    [id],
  );
  const receipts = await q.query<Receipt>(
    'select id, body, key_id, signature from do_not_clone_receipts where opt_out_id = $1 order by created_at, event_id',
    [id],
  );
  const [count] = await q.query<{ n: number }>('select count(*)::int as n from do_not_clone where opt_out_id = $1', [id]);
  return { optOut, events, receipts, embeddings: count?.n ?? 0 };
}

/** The person withdraws: the embedding is deleted at once; the record and its history stay as the log. */
export async function withdrawOptOut(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: string,
  req: { reason?: string; requester?: string },
): Promise<{ optOut: OptOutRow; receipt: Receipt }> {
  const key = await signingKey(ctx.db);
  const result = await ctx.db.tx(async (q) => {
    const current = isUuid(id)
      ? (await q.query<OptOutRow>('select * from do_not_clone_opt_outs where id = $1 and tenant_id = $2 for update', [id, tenantId]))[0]
      : undefined;
    if (!current) throw optOutNotFound();
    if (current.state === 'withdrawn') throw new AppError('do_not_clone.conflict', 'the entry was already withdrawn');
    const removed = await unlistOptOut(q, id);
    const [optOut] = await q.query<OptOutRow>(
      `update do_not_clone_opt_outs set state = 'withdrawn', withdrawn_at = now() where id = $1 returning *`,
      [id],
    );
    const receipt = await recordEvent(q, key, optOut!, 'withdrawn', actor, {
      reason: req.reason ?? null, requester: req.requester ?? null, embeddings_deleted: removed,
    });
    return { optOut: optOut!, receipt };
  });
  ctx.log.info({ opt_out_id: id, tenant: tenantId, actor }, 'do-not-clone opt-out withdrawn');
  return result;
}

/** Appends an event and issues its signed receipt (same key and canonical JSON as consent receipts). */
async function recordEvent(
  q: Queryable,
  key: SigningKey,
  o: OptOutRow,
  type: OptOutEvent['type'],
  actor: string,
  data: Record<string, unknown>,
): Promise<Receipt> {
  const [event] = await q.query<OptOutEvent>(
    `insert into do_not_clone_events (tenant_id, opt_out_id, type, actor, data) values ($1, $2, $3, $4, $5)
     returning id::text, type, actor, data, at`,
    [o.tenant_id, o.id, type, actor, JSON.stringify(data)],
  );
  const id = randomUUID();
  const body = {
    version: RECEIPT_VERSION,
    receipt_id: id,
    issued_at: new Date().toISOString(),
    controller: { tenant: o.tenant_id },
    opt_out: {
      id: o.id,
      source: 'opt_out',
      modality: o.modality,
      requester: o.requester,
      reason: o.reason,
      photo_sha256: o.photo_sha256,
      data_categories: ['biometric'],
      state: o.state,
      created_at: new Date(o.created_at).toISOString(),
      withdrawn_at: o.withdrawn_at ? new Date(o.withdrawn_at).toISOString() : null,
    },
    event: { id: event!.id, type: event!.type, at: new Date(event!.at).toISOString(), data: event!.data },
  };
  const sig = signBody(key, body);
  await q.query(
    `insert into do_not_clone_receipts (id, tenant_id, opt_out_id, event_id, body, key_id, signature)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [id, o.tenant_id, o.id, event!.id, JSON.stringify(body), sig.key_id, sig.signature],
  );
  return { id, body, ...sig };
}
