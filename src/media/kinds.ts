/**
 * The six media kinds and the facts every layer needs about them. Pure data:
 * the API validates against it, storage tags from it, pipelines key on it.
 */
export const MEDIA_KINDS = [
  'portrait_image',
  'customization_video',
  'voice_sample',
  'driving_audio',
  'driving_text',
  'generated_video',
] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const RETENTION_CLASSES = [
  'until_deleted',
  'six_months',
  'seven_days',
  'account_lifetime',
  'legal_hold',
] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** Biometric data is "sensitive personal information" in every seed; it drives encryption and consent. */
export type DataCategory = 'biometric' | 'content' | 'synthetic';

export type Modality = 'image' | 'video' | 'audio' | 'text';

export interface KindSpec {
  modality: Modality;
  /** MIME types accepted after sniffing the bytes (never the client's Content-Type). */
  accepts: readonly string[];
  defaultMaxBytes: number;
  defaultRetention: RetentionClass;
  dataCategory: DataCategory;
  /** A face or a voice of a real person: the consent stage applies. */
  carriesLikeness: boolean;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const AUDIO_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/opus',
  'audio/flac',
  'audio/x-flac',
  'audio/mp4',
  'audio/x-m4a',
  'audio/webm',
  'video/webm',
] as const;
// file-type names Matroska `video/matroska` (older releases: `video/x-matroska`).
const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/matroska', 'video/x-matroska'] as const;

const MiB = 1024 * 1024;

export const KINDS: Record<MediaKind, KindSpec> = {
  portrait_image: {
    modality: 'image',
    accepts: IMAGE_TYPES,
    defaultMaxBytes: 20 * MiB,
    defaultRetention: 'until_deleted',
    dataCategory: 'biometric',
    carriesLikeness: true,
  },
  customization_video: {
    modality: 'video',
    accepts: VIDEO_TYPES,
    defaultMaxBytes: 1024 * MiB,
    defaultRetention: 'until_deleted',
    dataCategory: 'biometric',
    carriesLikeness: true,
  },
  voice_sample: {
    modality: 'audio',
    accepts: AUDIO_TYPES,
    defaultMaxBytes: 50 * MiB,
    defaultRetention: 'until_deleted',
    dataCategory: 'biometric',
    carriesLikeness: true,
  },
  driving_audio: {
    modality: 'audio',
    accepts: AUDIO_TYPES,
    defaultMaxBytes: 100 * MiB,
    defaultRetention: 'seven_days',
    dataCategory: 'biometric',
    carriesLikeness: true,
  },
  driving_text: {
    modality: 'text',
    accepts: ['text/plain'],
    defaultMaxBytes: 1 * MiB,
    defaultRetention: 'seven_days',
    dataCategory: 'content',
    carriesLikeness: false,
  },
  generated_video: {
    modality: 'video',
    accepts: VIDEO_TYPES,
    defaultMaxBytes: 2048 * MiB,
    defaultRetention: 'until_deleted',
    dataCategory: 'synthetic',
    carriesLikeness: false,
  },
};

export const isMediaKind = (s: string): s is MediaKind => (MEDIA_KINDS as readonly string[]).includes(s);

/** Clients may choose a retention class, but legal holds are set by operators only. */
export const CLIENT_RETENTION_CLASSES = RETENTION_CLASSES.filter((c) => c !== 'legal_hold');
