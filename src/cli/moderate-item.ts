import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { PIPELINES } from '../../pipelines';
import { runPipeline, selectRoles, type PipelineRun } from '../../pipelines/runner';
import type { Decision, StageResult, StageRole } from '../../pipelines/types';
import type { Config } from '../core/config';
import { AppError, isAppError } from '../core/errors';
import type { MediaKind } from '../media/kinds';
import { sniffType, SNIFF_BYTES } from '../media/sniff';
import { mergeResults, type Evidence, type ModerationResult, type Scores } from '../moderation/result';

/**
 * One local item through its kind's pipeline, in-process, with no account or storage:
 * the shared core of `likeness moderate <file>` and of the JSON Lines batch mode.
 */

/** `--only moderation`: the probes the moderation stages read from, and the moderation stages. */
export const ONLY_ROLES = { moderation: ['probe', 'moderation'] } as const satisfies Record<string, readonly StageRole[]>;
export type OnlySelection = keyof typeof ONLY_ROLES;

export interface LocalItem {
  kind: MediaKind;
  /** The file to moderate; for in-memory items a label (`stdin:3`) that names where the bytes came from. */
  file: string;
  /** Bytes already in memory (a batch text line): nothing is read from `file` then. */
  bytes?: Uint8Array;
}

export interface LocalRun extends PipelineRun {
  contentType?: string;
  /** A human-readable explanation of a reject (the error's message). */
  detail?: string;
}

const TIMEOUT_MS = 10 * 60_000;

/**
 * Bad input (missing file, over the kind's limit, wrong type, undecodable media) becomes a
 * `reject` with the stable code; anything else is a bug or a broken tool and propagates.
 */
export async function moderateLocal(item: LocalItem, config: Config, only?: OnlySelection): Promise<LocalRun> {
  // Files may run ffmpeg for minutes: one deadline per item, cleared when it ends so a long
  // batch does not pile up timers. Text already in memory runs no tool and needs none.
  const deadline = new AbortController();
  const timer = item.bytes ? undefined : setTimeout(() => deadline.abort(new Error(`the item took over ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  timer?.unref();
  try {
    const { size, head, sha256 } = item.bytes ? inMemory(item.bytes) : await fromFile(item.file);
    if (size > config.limits.bytes[item.kind]) {
      throw new AppError('media.too_large', `${size} bytes is over the ${config.limits.bytes[item.kind]}-byte limit of ${item.kind}`);
    }
    const contentType = await sniffType(item.kind, head);
    const def = only ? selectRoles(PIPELINES[item.kind], ONLY_ROLES[only]) : PIPELINES[item.kind];
    const run = await runPipeline(def, {
      media: { id: 'local', tenantId: 'local', kind: item.kind, contentType, sizeBytes: size, sha256 },
      file: item.file,
      ...(item.bytes ? { bytes: item.bytes } : {}),
      limits: { ...config.limits, ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath },
      capabilities: {},
      signal: deadline.signal,
    }, item.bytes ? { stageTimeoutMs: null } : {});
    const rejected = run.decision === 'reject' ? run.results.find((r) => r.status === 'reject') : undefined;
    const message = rejected?.evidence?.message;
    return { contentType, ...run, ...(typeof message === 'string' ? { detail: message } : {}) };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { decision: 'reject', reason: e.code, results: [], detail: e.message };
  } finally {
    clearTimeout(timer);
  }
}

function inMemory(bytes: Uint8Array) {
  return { size: bytes.length, head: Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SNIFF_BYTES)), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Size first (a huge file is refused unread), then the sniffing head and a streamed hash. */
async function fromFile(file: string) {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('media.not_found', `no such file: ${file}`);
    if (code === 'EACCES' || code === 'EPERM') throw new AppError('request.invalid', `the file cannot be read: ${file}`);
    throw e;
  }
  if (!stat.isFile()) throw new AppError('request.invalid', `not a regular file: ${file}`);
  const handle = await fs.open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new AppError('request.invalid', `the file cannot be read: ${file} (${e.code})`);
  });
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(stat.size, SNIFF_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { size: stat.size, head, sha256: hash.digest('hex') };
}

export interface ResultSummary {
  decision: Decision;
  reason: string | null;
  /** Per category, the highest score any moderation stage gave; null when no moderation stage ran. */
  scores: Scores | null;
  /** The moderation evidence of every stage, each entry naming its stage. */
  evidence: (Evidence & { stage: string })[];
  stages: { stage: string; status: StageResult['status']; reason?: string; durationMs: number }[];
  detail?: string;
}

/** The compact form of a run for one JSON line: verdict, merged scores, evidence, stage statuses. */
export function summarize(run: LocalRun): ResultSummary {
  const moderated = run.results.flatMap((r) => {
    const m = r.evidence?.moderation as ModerationResult | undefined;
    return m && typeof m === 'object' && Array.isArray(m.evidence) ? [{ stage: r.stage, result: m }] : [];
  });
  return {
    decision: run.decision,
    reason: run.reason ?? null,
    scores: moderated.length ? mergeResults('text', moderated.map((m) => m.result)).scores : null,
    evidence: moderated.flatMap((m) => m.result.evidence.map((e) => ({ stage: m.stage, ...e }))),
    stages: run.results.map((r) => ({ stage: r.stage, status: r.status, ...(r.reason ? { reason: r.reason } : {}), durationMs: r.durationMs })),
    ...(run.detail ? { detail: run.detail } : {}),
  };
}
