import { z } from '@hono/zod-openapi';
import { CLIENT_RETENTION_CLASSES, MEDIA_KINDS, RETENTION_CLASSES } from '../media/kinds';

/** The API's edge types. Inside the service the same facts travel as plain objects. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'media.unsupported_type' }),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .passthrough()
  .openapi('Problem');

// Consent and subject ids are written into S3 tags, so they keep to the tag alphabet.
const TagSafeId = z.string().regex(/^[A-Za-z0-9._:@=+-]{1,128}$/);

export const UploadParamsSchema = z.object({
  kind: z.enum(MEDIA_KINDS),
  consent_id: TagSafeId.optional(),
  subject_id: TagSafeId.optional(),
  retention_class: z.enum(CLIENT_RETENTION_CLASSES as unknown as [string, ...string[]]).optional(),
  // No control characters (a NUL used to reach the database as a 500); 255 like most file systems.
  filename: z.string().max(255).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters').optional(),
});
export type UploadParams = z.infer<typeof UploadParamsSchema>;

export const StageResultSchema = z
  .object({
    stage: z.string(),
    status: z.enum(['pass', 'review', 'block', 'reject', 'skipped']),
    reason: z.string().nullable(),
    evidence: z.record(z.string(), z.unknown()),
    duration_ms: z.number(),
  })
  .openapi('StageResult');

export const MediaSchema = z
  .object({
    id: z.string().uuid(),
    kind: z.enum(MEDIA_KINDS),
    state: z.enum(['queued', 'processing', 'released', 'review', 'blocked', 'rejected']),
    decision: z.enum(['pass', 'review', 'block', 'reject']).nullable(),
    reason: z.string().nullable(),
    content_type: z.string().nullable(),
    size_bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    retention_class: z.enum(RETENTION_CLASSES),
    data_category: z.enum(['biometric', 'content', 'synthetic']),
    consent_id: z.string().nullable(),
    subject_id: z.string().nullable(),
    filename: z.string().nullable(),
    created_at: z.string(),
    decided_at: z.string().nullable(),
    tags: z.record(z.string(), z.string()).openapi({ description: 'The S3 object tags as stored' }),
    stages: z.array(StageResultSchema),
    download: z.object({ url: z.string().url(), expires_at: z.string() }).nullable(),
    protected: z
      .object({
        reason: z.string(),
        subject_id: z.string(),
        key_id: z.string(),
        access: z.literal('approval_required'),
        access_requests: z.string(),
      })
      .nullable()
      .openapi({ description: "Children's data (under 14): encrypted under the subject's key; reads need an approved access request" }),
  })
  .openapi('Media');

export const MediaListSchema = z
  .object({ items: z.array(MediaSchema.omit({ stages: true, tags: true, download: true })), next_cursor: z.string().nullable() })
  .openapi('MediaList');

export const DeletionReceiptSchema = z
  .object({
    id: z.string().uuid(),
    media_id: z.string().uuid(),
    kind: z.string(),
    sha256: z.string().nullable(),
    objects_deleted: z.array(z.object({ key: z.string(), version_id: z.string().optional() })),
    rows_deleted: z.record(z.string(), z.number()),
    deleted_at: z.string(),
  })
  .openapi('DeletionReceipt');

export const MediaIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '4b0c8f5e-2f0a-4e4e-9a55-7c1f7f6b1f3a' }),
});
