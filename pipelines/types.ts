import type { Queryable } from '../src/db/db';
import type { MediaKind } from '../src/media/kinds';
import type { ObjectStore } from '../storage/s3';

/**
 * A pipeline is data: an ordered list of stages for one media kind, plus the rule for
 * when to stop early. Adding a check means writing one stage file and adding it to
 * the lists of the kinds it applies to.
 */
export type StageStatus = 'pass' | 'review' | 'block' | 'reject' | 'skipped';
export type Decision = 'pass' | 'review' | 'block' | 'reject';

export interface StageOutcome {
  status: StageStatus;
  /** A stable code (e.g. `media.corrupt`) whenever status is not pass. */
  reason?: string;
  evidence?: Record<string, unknown>;
}

export interface StageResult extends StageOutcome {
  stage: string;
  durationMs: number;
}

export interface MediaFacts {
  id: string;
  tenantId: string;
  kind: MediaKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  consentId?: string;
  subjectId?: string;
}

export interface PipelineLimits {
  maxImagePixels: number;
  maxTextChars: number;
  maxMediaSeconds: number;
  ffmpegPath: string;
  ffprobePath: string;
}

/** Account state a stage may read: the tenant's rows (consent, policy, lists) and its stored objects. */
export interface AccountAccess {
  db: Queryable;
  store: ObjectStore;
}

/** What a stage may reach. Absent capabilities make stages that need them report `skipped`. */
export interface Capabilities {
  /** Account state: consent records, tenant policy. Absent in the CLI. */
  account?: AccountAccess;
  /** Acts on the decision in storage and the database. */
  store?: (decision: Decision, results: StageResult[]) => Promise<Record<string, unknown>>;
}

export interface StageContext {
  media: MediaFacts;
  /** Local path of the item's bytes (a temp copy in the worker, the user's file in the CLI). */
  file: string;
  limits: PipelineLimits;
  capabilities: Capabilities;
  /** Results of the stages that ran before this one. */
  results: readonly StageResult[];
  /**
   * The item's bytes when the caller already holds them in memory (CLI batch text lines):
   * stages that read the whole item use these instead of reading `file`, which may not exist then.
   */
  bytes?: Uint8Array;
  /** Facts stages hand on to later stages (e.g. decoded dimensions, duration). */
  facts: Record<string, unknown>;
  signal: AbortSignal;
}

/**
 * What a stage is for, so callers can run a subset of a kind's pipeline (the CLI's
 * `--only moderation`): probes validate and decode the bytes that later stages read,
 * consent stages check account state, moderation stages judge content, store stages
 * act on the decision.
 */
export type StageRole = 'probe' | 'consent' | 'moderation' | 'store';

export interface Stage {
  name: string;
  role: StageRole;
  requires?: readonly (keyof Capabilities)[];
  /** Terminal stages run even after a short-circuit (they act on the decision). */
  terminal?: boolean;
  /**
   * May start while the stage before it runs (a video's audio while its frames are checked):
   * for a stage that does not read that stage's result or facts. The run ends as if in order:
   * if the stage before stops the pipeline, this one is aborted and reported `skipped`.
   */
  concurrentWithPrevious?: boolean;
  run(ctx: StageContext): Promise<StageOutcome>;
}

export interface PipelineDef {
  kind: MediaKind;
  stages: readonly Stage[];
  /** Statuses after which the remaining non-terminal stages are skipped. */
  stopOn: readonly StageStatus[];
}
