import type { DataCategory, MediaKind, RetentionClass } from '../src/media/kinds';

/**
 * The tag set every stored object carries: why it is kept, for how long, and whose it
 * is. Lifecycle rules and the retention sweeper key on these tags, so their names are
 * part of the storage contract (docker-compose's MinIO rules use them too).
 */
export interface ObjectTags {
  tenant: string;
  kind: MediaKind;
  state: string;
  retention: RetentionClass;
  category: DataCategory;
  /** 'true' on AI-generated content (generated_video): the synthetic-content label travels with the bytes. */
  aigc?: 'true';
  consent?: string;
  subject?: string;
  /** 'true' on children's data (src/media/protection.ts): ciphertext under a per-subject key, reads need an approval. */
  protected?: 'true';
  /** How a protected object is sealed (storage/encryption.ts). */
  encryption?: 'aes-256-gcm-chunked';
}

// S3 allows letters, digits, spaces and + - = . _ : / @ in tag values, up to 256 chars.
const TAG_VALUE = /^[\p{L}\p{N} +\-=._:/@]{0,256}$/u;

export function toTagSet(tags: ObjectTags): { Key: string; Value: string }[] {
  return Object.entries(tags)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([Key, v]) => {
      const Value = String(v);
      if (!TAG_VALUE.test(Value)) throw new Error(`tag ${Key} has characters S3 does not allow`);
      return { Key, Value };
    });
}

export function fromTagSet(set: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((set ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export const isValidTagValue = (v: string): boolean => TAG_VALUE.test(v);
