import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantineKey } from '../../storage/keys';
import { KINDS } from '../../src/media/kinds';
import { reapAbandonedUploads, startUploadReaper } from '../../src/media/reaper';
import { insertMedia, listEvents } from '../../src/media/repo';
import { backends, startService, upload, type Service } from '../support/harness';

// A crash between ingest's first row and its last transaction leaves a `receiving` row, bytes
// under its key and an Idempotency-Key that answers in_progress. The reaper must end all three
// once the row is older than RECEIVING_TIMEOUT_SECONDS, and never end a row ingest completes.

const TIMEOUT_S = 2;
const TEXT = 'Hello there, this is the script for the avatar.';

const until = async (what: string, ok: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.each(backends())('stranded uploads on %s', (backend) => {
  let svc: Service;
  let tenantId: string;
  beforeAll(async () => {
    svc = await startService(backend, { worker: false, env: { RECEIVING_TIMEOUT_SECONDS: String(TIMEOUT_S) } });
    [{ id: tenantId }] = await svc.ctx.db.query<{ id: string }>('select id from tenants where name = $1', ['tenant-a']) as [{ id: string }];
  });
  afterAll(async () => svc?.close());

  const mediaRow = (id: string) => svc.ctx.db.query('select state, reason_code from media where id = $1', [id]);

  it('a row a crash left `receiving` is reaped after its timeout: bytes, parts, row and key go; the key then works', async () => {
    const id = randomUUID();
    const key = quarantineKey(tenantId, id);
    const idem = `crash-${id}`;
    // As ingest leaves it when the process dies mid-body: the row and its key, an object, an unfinished multipart upload.
    await svc.ctx.db.tx(async (q) => {
      await insertMedia(q, {
        id, tenant_id: tenantId, kind: 'driving_text', object_key: key, retention_class: KINDS.driving_text.defaultRetention,
        data_category: KINDS.driving_text.dataCategory, consent_id: null, subject_id: null, filename: null,
      });
      await q.query('insert into idempotency_keys (tenant_id, key, media_id, kind) values ($1, $2, $3, $4)', [tenantId, idem, id, 'driving_text']);
    });
    const createdAt = Date.now();
    await svc.ctx.store.putStream(key, Readable.from([Buffer.from(TEXT.slice(0, 10))]), 'text/plain', {
      tenant: tenantId, kind: 'driving_text', state: 'quarantined', retention: 'seven_days', category: 'content',
    });
    const { UploadId } = await svc.ctx.store.client.send(new CreateMultipartUploadCommand({ Bucket: svc.ctx.store.bucket, Key: key }));
    await svc.ctx.store.client.send(
      new UploadPartCommand({ Bucket: svc.ctx.store.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(64 * 1024, 1) }),
    );
    const partsBefore = await svc.ctx.store.listUploads(key);
    if (partsBefore) expect(partsBefore.map((u) => u.uploadId)).toContain(UploadId);

    const stuck = await upload(svc, 'driving_text', TEXT, { headers: { 'idempotency-key': idem } });
    expect(stuck.status).toBe(409);
    expect(stuck.body.code).toBe('idempotency.in_progress');
    // Younger than the timeout: a live upload could own it, so a pass leaves it.
    expect(await reapAbandonedUploads(svc.ctx)).toEqual([]);
    expect(await mediaRow(id)).toEqual([{ state: 'receiving', reason_code: null }]);

    const reaper = startUploadReaper(svc.ctx);
    try {
      await until('the stranded row to be reaped', async () => (await mediaRow(id)).length === 0);
    } finally {
      await reaper.stop();
    }
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
    expect(await svc.ctx.store.exists(key)).toBe(false);
    expect(await svc.ctx.store.listKeys(key)).toEqual([]);
    expect((await svc.ctx.store.listUploads(key)) ?? []).toEqual([]);
    expect(await svc.ctx.db.query('select 1 from idempotency_keys where tenant_id = $1 and key = $2', [tenantId, idem])).toEqual([]);
    const events = await listEvents(svc.ctx.db, id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'abandoned',
      actor: 'reaper',
      data: { reason: 'media.upload_abandoned', kind: 'driving_text', timeoutSeconds: TIMEOUT_S, idempotencyKeysReleased: 1, objectsDeleted: [key] },
    });
    if (partsBefore) expect(events[0]!.data.uploadsAborted).toBe(1);

    const retry = await upload(svc, 'driving_text', TEXT, { headers: { 'idempotency-key': idem } });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ state: 'queued', kind: 'driving_text', size_bytes: Buffer.byteLength(TEXT) });
    const replay = await upload(svc, 'driving_text', TEXT, { headers: { 'idempotency-key': idem } });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(retry.body.id);
    // A completed row is never the reaper's, however old.
    await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 100));
    expect(await reapAbandonedUploads(svc.ctx)).toEqual([]);
    expect(await mediaRow(retry.body.id as string)).toEqual([{ state: 'queued', reason_code: null }]);
  });

  it('an upload still streaming when its row is reaped answers media.upload_abandoned and keeps nothing', async () => {
    const idem = `slow-${randomUUID()}`;
    let finish!: () => void;
    const resumed = new Promise<void>((r) => (finish = r));
    const body = new ReadableStream({
      async start(c) {
        c.enqueue(new TextEncoder().encode(TEXT));
        await resumed;
        c.enqueue(new TextEncoder().encode(' And the rest of it.'));
        c.close();
      },
    });
    const res = fetch(`${svc.baseUrl}/v1/media?kind=driving_text`, {
      method: 'POST', body, duplex: 'half',
      headers: { authorization: `Bearer ${svc.keyA}`, 'idempotency-key': idem, 'content-type': 'text/plain' },
    } as RequestInit);
    let id = '';
    await until('the upload row', async () => {
      const [row] = await svc.ctx.db.query<{ media_id: string }>('select media_id from idempotency_keys where tenant_id = $1 and key = $2', [tenantId, idem]);
      id = row?.media_id ?? '';
      return !!id;
    });
    await until('the row to pass its timeout and be reaped', async () => (await reapAbandonedUploads(svc.ctx)).some((r) => r.mediaId === id));
    finish();
    const answer = await res;
    expect(answer.status).toBe(408);
    expect(((await answer.json()) as { code: string }).code).toBe('media.upload_abandoned');
    expect(await mediaRow(id)).toEqual([]);
    expect(await svc.ctx.store.listKeys(quarantineKey(tenantId, id))).toEqual([]);
    expect((await listEvents(svc.ctx.db, id)).map((e) => e.type)).toEqual(['abandoned']);
    const retry = await upload(svc, 'driving_text', TEXT, { headers: { 'idempotency-key': idem } });
    expect(retry.status).toBe(202);
  });
});
