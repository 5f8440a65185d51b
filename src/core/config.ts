import path from 'node:path';
import { z } from 'zod';
import { KINDS, MEDIA_KINDS, type MediaKind } from '../media/kinds';

/**
 * All configuration comes from the environment, validated once at start-up.
 * Every variable here is documented in the README's configuration table. Read elsewhere, each
 * with its own schema or check, because they are read per call (STAGE_TIMEOUT_SECONDS in
 * pipelines/runner.ts, LIKENESS_MODELS_DIR in src/inference/manifest.ts, the speech settings in
 * src/speech/config.ts, SPEAKER_MODEL_DIR in src/speech/speaker.ts) or are secrets kept out of
 * this object (CONSENT_SIGNING_KEY in src/consent/receipts.ts, LIKENESS_MASTER_KEY in
 * src/media/protected-keys.ts).
 */
const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** An empty variable (`FOO=` in an env file) counts as unset. */
const unsetIfEmpty = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HTTP_KEEP_ALIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(65),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('likeness-gate'),
  /** Unset with the embedded store: a key pair generated once per data directory (DATA_DIR/s3, 0600). */
  S3_ACCESS_KEY_ID: unsetIfEmpty(z.string().optional()),
  S3_SECRET_ACCESS_KEY: unsetIfEmpty(z.string().optional()),
  S3_FORCE_PATH_STYLE: bool.default(true),
  /** 0: the port the embedded store used last with this data directory when free, else any free port. */
  S3_EMBEDDED_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  LIKENESS_BOOTSTRAP_KEY: z.string().regex(/^lg_[a-z0-9]{8}_[A-Za-z0-9_-]{20,}$/).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  PRESIGN_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  /** Unset: twice MAX_IMAGE_PIXELS (src/media/pixel-budget.ts). */
  MAX_DECODE_PIXELS: unsetIfEmpty(z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional()),
  MAX_TEXT_CHARS: z.coerce.number().int().min(1).default(100_000),
  MAX_MEDIA_SECONDS: z.coerce.number().positive().default(600),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  FFPROBE_PATH: z.string().default('ffprobe'),
  CONSENT_SWEEP_SECONDS: unsetIfEmpty(z.coerce.number().int().min(1).max(86_400).default(60)),
  /** Where capture links point when the API sits behind a proxy; unset = the origin the creator called. */
  CAPTURE_BASE_URL: unsetIfEmpty(z.string().url().regex(/^https?:\/\//).optional()),
  REVIEW_LEASE_SECONDS: unsetIfEmpty(z.coerce.number().int().min(1).max(86_400).default(600)),
  REVIEW_SESSION_HOURS: unsetIfEmpty(z.coerce.number().positive().max(720).default(12)),
  RECEIVING_TIMEOUT_SECONDS: unsetIfEmpty(z.coerce.number().int().min(1).max(7 * 86_400).default(900)),
  ...Object.fromEntries(
    MEDIA_KINDS.map((k) => [`LIMIT_${k.toUpperCase()}_BYTES`, z.coerce.number().int().positive().optional()]),
  ),
});

export interface Config {
  host: string;
  port: number;
  keepAliveSeconds: number;
  dataDir: string;
  logLevel: string;
  databaseUrl?: string;
  s3: {
    endpoint?: string;
    region: string;
    bucket: string;
    /** Both set or both unset (see S3_ACCESS_KEY_ID). */
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
    embeddedPort: number;
  };
  bootstrapKey?: string;
  worker: { concurrency: number; leaseSeconds: number; maxAttempts: number; pollMs: number };
  presignTtlSeconds: number;
  limits: {
    maxImagePixels: number;
    /**
     * The pixels one worker process may have decoded at once, all image jobs together (a job
     * waits for its image's declared pixels; one larger than this runs alone).
     */
    maxDecodePixels: number;
    maxTextChars: number;
    maxMediaSeconds: number;
    bytes: Record<MediaKind, number>;
  };
  ffmpegPath: string;
  ffprobePath: string;
  /** How often each API process expires attestations past their `valid_until`. */
  consentSweepSeconds: number;
  captureBaseUrl?: string;
  /** How long a moderator's claim on a review item lasts before it returns to its queue. */
  review: { leaseSeconds: number; sessionHours: number };
  /** An upload still `receiving` this long after its row was written was stranded by a crash (src/media/reaper.ts). */
  receivingTimeoutSeconds: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data as z.infer<typeof EnvSchema> & Record<string, number | undefined>;
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new Error('invalid configuration:\n  S3_ACCESS_KEY_ID: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
  }
  const bytes = Object.fromEntries(
    MEDIA_KINDS.map((k) => [k, e[`LIMIT_${k.toUpperCase()}_BYTES`] ?? KINDS[k].defaultMaxBytes]),
  ) as Record<MediaKind, number>;
  return {
    host: e.HOST,
    port: e.PORT,
    keepAliveSeconds: e.HTTP_KEEP_ALIVE_SECONDS,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      embeddedPort: e.S3_EMBEDDED_PORT,
    },
    bootstrapKey: e.LIKENESS_BOOTSTRAP_KEY,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      leaseSeconds: e.JOB_LEASE_SECONDS,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      pollMs: e.JOB_POLL_MS,
    },
    presignTtlSeconds: e.PRESIGN_TTL_SECONDS,
    limits: {
      maxImagePixels: e.MAX_IMAGE_PIXELS,
      maxDecodePixels: e.MAX_DECODE_PIXELS ?? 2 * e.MAX_IMAGE_PIXELS,
      maxTextChars: e.MAX_TEXT_CHARS,
      maxMediaSeconds: e.MAX_MEDIA_SECONDS,
      bytes,
    },
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    consentSweepSeconds: e.CONSENT_SWEEP_SECONDS,
    captureBaseUrl: e.CAPTURE_BASE_URL,
    review: { leaseSeconds: e.REVIEW_LEASE_SECONDS, sessionHours: e.REVIEW_SESSION_HOURS },
    receivingTimeoutSeconds: e.RECEIVING_TIMEOUT_SECONDS,
  };
}
