/**
 * Where an item's bytes live. Quarantine holds what has not passed the pipeline;
 * kept holds released items; derived holds frames, transcripts and thumbnails made
 * from an item, all under one prefix so deletion can find every one of them.
 */
export const quarantineKey = (tenant: string, mediaId: string) => `quarantine/${tenant}/${mediaId}`;
export const keptKey = (tenant: string, mediaId: string) => `kept/${tenant}/${mediaId}`;
export const derivedPrefix = (tenant: string, mediaId: string) => `derived/${tenant}/${mediaId}/`;
