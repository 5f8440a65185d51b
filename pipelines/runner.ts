import { z } from 'zod';
import { isAppError } from '../src/core/errors';
import { decide, decisiveReason } from './decision';
import type { Decision, PipelineDef, Stage, StageContext, StageOutcome, StageResult, StageRole } from './types';

export interface PipelineRun {
  decision: Decision;
  reason?: string;
  results: StageResult[];
}

export interface RunOptions {
  /**
   * The most one non-terminal stage may run; default `STAGE_TIMEOUT_SECONDS` (see stageTimeoutMs).
   * `null`: no budget, for items already in memory whose stages start no tool that could hang
   * (the CLI's text lines); the run's own signal still stops them.
   */
  stageTimeoutMs?: number | null;
}

/** The reason of a stage that ran past its time budget. */
export const STAGE_TIMEOUT_REASON = 'pipeline.stage_timeout';

/**
 * `STAGE_TIMEOUT_SECONDS` (default 900): the budget of one non-terminal stage. Generous on
 * purpose (a 10-minute video sampled and OCR'd on two cores fits well inside it): it is there
 * for a hung tool or worker, which would otherwise hold the job for ever (the worker's lease
 * heartbeat keeps extending it). Read per run so the value in force is the process's.
 */
// Built once: a zod schema costs more to construct than a short text costs to moderate.
const TIMEOUT_SECONDS = z.coerce.number().positive().max(86_400).default(900);

export function stageTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const parsed = TIMEOUT_SECONDS.safeParse(env.STAGE_TIMEOUT_SECONDS || undefined);
  if (!parsed.success) throw new Error(`invalid configuration: STAGE_TIMEOUT_SECONDS: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data * 1000;
}

/**
 * Runs a kind's stages in order (a stage marked `concurrentWithPrevious` starts with the one
 * before it, and so a run of them with the first stage before them, with the same results as
 * in order). A stage's AppError (bad media) becomes a `reject`
 * with its code; any other error propagates so the job is retried, and after the
 * last retry the worker fails the item closed.
 *
 * Time: a non-terminal stage past its budget is abandoned (its signal aborts, so ffmpeg
 * and recognisers stop) and counts as `review` (`pipeline.stage_timeout`); the rest of the
 * run is skipped as after a block, since later stages read what the cut stage never
 * produced, and terminal stages still run. Terminal stages have no budget: they act on
 * storage and must not be cut half-way. If the run's own signal aborts (lease lost, the
 * CLI's deadline) no verdict is made at all: the run throws. Stages that notice an abort
 * may return early with partial work (frames sampled up to the abort), so an aborted
 * stage's answer is never used.
 */
export async function runPipeline(def: PipelineDef, base: Omit<StageContext, 'results' | 'facts'>, opts: RunOptions = {}): Promise<PipelineRun> {
  const budgetMs = opts.stageTimeoutMs === null ? undefined : (opts.stageTimeoutMs ?? stageTimeoutMs());
  const results: StageResult[] = [];
  const facts: Record<string, unknown> = {};
  let stopped = false;
  const ahead = new Map<Stage, Ahead>();
  try {
    for (const [i, stage] of def.stages.entries()) {
      throwIfRunAborted(base.signal);
      const missing = (stage.requires ?? []).filter((c) => !base.capabilities[c]);
      let started = performance.now();
      let ended: number | undefined;
      let outcome: StageOutcome;
      const early = ahead.get(stage);
      ahead.delete(stage);
      if (stopped && !stage.terminal) {
        early?.abort.abort(new Error('a stage before stopped the pipeline'));
        outcome = { status: 'skipped', reason: 'pipeline.short_circuit' };
      } else if (early) {
        outcome = await early.outcome;
        [started, ended] = [early.started, early.ended];
      } else if (missing.length) outcome = { status: 'skipped', reason: `capability.${missing[0]}_unavailable` };
      else {
        const running = runStage(stage, { ...base, results, facts }, stage.terminal ? undefined : budgetMs);
        // The stages after it that may run beside it start now, each beside the one before.
        for (const next of def.stages.slice(i + 1)) {
          const beside = startAhead(next, base, results, facts, budgetMs);
          if (!beside) break;
          ahead.set(next, beside);
        }
        outcome = await running;
      }
      results.push({ stage: stage.name, ...outcome, durationMs: round((ended ?? performance.now()) - started) });
      if (def.stopOn.includes(outcome.status) || outcome.reason === STAGE_TIMEOUT_REASON) stopped = true;
    }
  } finally {
    // A run that throws half-way must not leave a started stage's tools running.
    for (const a of ahead.values()) a.abort.abort(new Error('the pipeline run ended'));
  }
  const decision = decide(results);
  return { decision, reason: decisiveReason(results, decision), results };
}

/**
 * The kind's pipeline with only the stages of the given roles running; the others stay in
 * place and report `skipped` (`pipeline.not_selected`), so the results still list every
 * stage of the kind.
 */
export function selectRoles(def: PipelineDef, roles: readonly StageRole[]): PipelineDef {
  const notSelected = (stage: Stage): Stage => ({
    name: stage.name,
    role: stage.role,
    // Terminal so it reports `not_selected` even after a short-circuit; it acts on nothing.
    terminal: true,
    run: async () => ({ status: 'skipped', reason: 'pipeline.not_selected' }),
  });
  return { ...def, stages: def.stages.map((s) => (roles.includes(s.role) ? s : notSelected(s))) };
}

/** A stage started before its turn, while the stage before it runs. */
interface Ahead {
  stage: Stage;
  abort: AbortController;
  started: number;
  ended?: number;
  outcome: Promise<StageOutcome>;
}

/** Starts `next` now if it may run beside the stage before it (see `concurrentWithPrevious`). */
function startAhead(
  next: Stage | undefined,
  base: Omit<StageContext, 'results' | 'facts'>,
  results: StageResult[],
  facts: Record<string, unknown>,
  budgetMs: number | undefined,
): Ahead | undefined {
  if (!next?.concurrentWithPrevious || next.terminal || (next.requires ?? []).some((c) => !base.capabilities[c])) return undefined;
  const abort = new AbortController();
  const ahead: Ahead = { stage: next, abort, started: performance.now(), outcome: Promise.resolve({ status: 'skipped' }) };
  ahead.outcome = runStage(next, { ...base, results, facts, signal: AbortSignal.any([base.signal, abort.signal]) }, budgetMs).finally(() => {
    ahead.ended = performance.now();
  });
  // Handled here so an outcome nobody waits for (the stage before stopped or threw) is no unhandled rejection.
  ahead.outcome.catch(() => {});
  return ahead;
}

async function runStage(stage: Stage, ctx: StageContext, budgetMs: number | undefined): Promise<StageOutcome> {
  // With a budget, the stage's signal aborts when the run's does or the budget runs out. A
  // listener on the run's signal, not AbortSignal.any: that one cost more than moderating a
  // short text (profiled). Without one the stage gets the run's signal as it is.
  const budget = budgetMs === undefined ? undefined : new AbortController();
  const timer = budget && setTimeout(() => budget.abort(new Error(`stage ${stage.name} ran past ${budgetMs! / 1000} s`)), budgetMs);
  const forward = () => budget?.abort(ctx.signal.reason);
  if (budget) {
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
  }
  const signal = budget?.signal ?? ctx.signal;
  // Settles when the signal aborts, so a stage that ignores its signal cannot hold the run.
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let outcome: StageOutcome | undefined;
  let error: unknown;
  let threw = false;
  try {
    outcome = (await Promise.race([stage.run({ ...ctx, signal }), aborted])) ?? undefined;
  } catch (e) {
    threw = true;
    error = e;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (budget) ctx.signal.removeEventListener('abort', forward);
  }
  // Checked before the stage's own answer: whatever it returned or threw after an abort is partial.
  throwIfRunAborted(ctx.signal);
  if (budget?.signal.aborted) return { status: 'review', reason: STAGE_TIMEOUT_REASON, evidence: { timeoutSeconds: budgetMs! / 1000 } };
  if (threw) {
    if (isAppError(error)) return { status: 'reject', reason: error.code, evidence: { message: error.message, ...error.details } };
    throw error;
  }
  if (!outcome) throw new Error(`stage ${stage.name} returned no outcome`);
  return outcome;
}

function throwIfRunAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : new Error('the pipeline run was aborted');
}

const round = (ms: number) => Math.round(ms * 100) / 100;
