/**
 * Where an item's bytes live. Quarantine holds what has not passed the pipeline;
 * kept holds released items; derived holds frames, transcripts and thumbnails made
 * from an item, all under one prefix so deletion can find every one of them.
 */
export const quarantineKey = (tenant: string, mediaId: string) => `quarantine/${tenant}/${mediaId}`;
export const keptKey = (tenant: string, mediaId: string) => `kept/${tenant}/${mediaId}`;
/**
 * Children's data (under 14, docs/consent.md): ciphertext only, apart from everything else so
 * bucket policies, replication and backups can treat it differently. The subject is not in the
 * key on purpose: every deletion path finds an item's bytes from tenant and id alone, and
 * object keys travel into access logs and inventories where a child's id does not belong.
 */
export const protectedKey = (tenant: string, mediaId: string) => `protected/${tenant}/${mediaId}`;
export const derivedPrefix = (tenant: string, mediaId: string) => `derived/${tenant}/${mediaId}/`;
