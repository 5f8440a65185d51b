import { isAppError } from '../src/core/errors';
import { decide, decisiveReason } from './decision';
import type { Decision, PipelineDef, StageContext, StageOutcome, StageResult } from './types';

export interface PipelineRun {
  decision: Decision;
  reason?: string;
  results: StageResult[];
}

/**
 * Runs a kind's stages in order. A stage's AppError (bad media) becomes a `reject`
 * with its code; any other error propagates so the job is retried, and after the
 * last retry the worker fails the item closed.
 */
export async function runPipeline(def: PipelineDef, base: Omit<StageContext, 'results' | 'facts'>): Promise<PipelineRun> {
  const results: StageResult[] = [];
  const facts: Record<string, unknown> = {};
  let stopped = false;
  for (const stage of def.stages) {
    const missing = (stage.requires ?? []).filter((c) => !base.capabilities[c]);
    const started = performance.now();
    let outcome: StageOutcome;
    if (stopped && !stage.terminal) outcome = { status: 'skipped', reason: 'pipeline.short_circuit' };
    else if (missing.length) outcome = { status: 'skipped', reason: `capability.${missing[0]}_unavailable` };
    else outcome = await runStage(stage.run, { ...base, results, facts });
    results.push({ stage: stage.name, ...outcome, durationMs: round(performance.now() - started) });
    if (def.stopOn.includes(outcome.status)) stopped = true;
  }
  const decision = decide(results);
  return { decision, reason: decisiveReason(results, decision), results };
}

async function runStage(run: (ctx: StageContext) => Promise<StageOutcome>, ctx: StageContext): Promise<StageOutcome> {
  try {
    return await run(ctx);
  } catch (e) {
    if (isAppError(e)) return { status: 'reject', reason: e.code, evidence: { message: e.message, ...e.details } };
    throw e;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
