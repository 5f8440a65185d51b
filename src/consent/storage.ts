import { PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../storage/s3';
import { isValidTagValue } from '../../storage/tags';

/**
 * Where consent evidence lives: the signed authorisation document and ceremony
 * recordings, under one prefix per attestation so a revocation finds all of it.
 * Evidence is not media: it carries its own tag set (purpose `consent-evidence`).
 */
export const consentPrefix = (tenant: string, attestationId: string) => `consent/${tenant}/${attestationId}/`;
export const documentKey = (tenant: string, attestationId: string) => `${consentPrefix(tenant, attestationId)}document`;
export const recordingKey = (tenant: string, attestationId: string, challengeId: string) =>
  `${consentPrefix(tenant, attestationId)}ceremony/${challengeId}`;

export async function putEvidence(
  store: ObjectStore,
  key: string,
  body: Buffer,
  contentType: string,
  tags: { tenant: string; attestation: string; evidence: 'document' | 'recording' },
): Promise<void> {
  await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: body, ContentType: contentType }));
  const TagSet = Object.entries({ ...tags, category: 'consent-evidence' }).map(([Key, Value]) => {
    if (!isValidTagValue(Value)) throw new Error(`tag ${Key} has characters S3 does not allow`);
    return { Key, Value };
  });
  // Tags separately: some S3 servers ignore the Tagging header on PutObject.
  await store.client.send(new PutObjectTaggingCommand({ Bucket: store.bucket, Key: key, Tagging: { TagSet } }));
}
