/** Queue names are part of the database contract between api and worker processes. */
export const MEDIA_QUEUE = 'media.process';
