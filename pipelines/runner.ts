import { isAppError } from '../src/core/errors';
import { decide, decisiveReason } from './decision';
import type { Decision, PipelineDef, Stage, StageContext, StageOutcome, StageResult, StageRole } from './types';

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

/**
 * The kind's pipeline with only the stages of the given roles running; the others stay in
 * place and report `skipped` (`pipeline.not_selected`), so the results still list every
 * stage of the kind. Unclassified stages (no role) always run: a subset never drops a check
 * silently.
 */
export function selectRoles(def: PipelineDef, roles: readonly StageRole[]): PipelineDef {
  const notSelected = (stage: Stage): Stage => ({
    name: stage.name,
    role: stage.role,
    // Terminal so it reports `not_selected` even after a short-circuit; it acts on nothing.
    terminal: true,
    run: async () => ({ status: 'skipped', reason: 'pipeline.not_selected' }),
  });
  return { ...def, stages: def.stages.map((s) => (s.role === undefined || roles.includes(s.role) ? s : notSelected(s))) };
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
