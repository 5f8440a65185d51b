import { describe, expect, it } from 'vitest';
import { PIPELINES } from '../../pipelines';
import { runPipeline } from '../../pipelines/runner';
import type { Stage, StageContext, StageOutcome } from '../../pipelines/types';
import { AppError } from '../../src/core/errors';
import { pipelineOf, runnerBase } from '../support/pipeline-fixture';

/**
 * A stage marked `concurrentWithPrevious` (a video's speech beside its frames) starts with the
 * stage before it, and the run still ends exactly as it would in order: a block, reject or
 * timeout of the stage before skips it (and stops its work), errors surface the same way.
 */
const base = runnerBase('generated_video', 'video/mp4');
const def = (stages: Stage[]) => pipelineOf('generated_video', stages);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** A stage that logs when it starts, ends or sees its signal abort. */
function logged(name: string, log: string[], work: (ctx: StageContext) => Promise<StageOutcome>, extra: Partial<Stage> = {}): Stage {
  return {
    name,
    role: 'moderation',
    ...extra,
    async run(ctx) {
      log.push(`${name} start`);
      ctx.signal.addEventListener('abort', () => log.push(`${name} aborted`), { once: true });
      const out = await work(ctx);
      log.push(`${name} end`);
      return out;
    },
  };
}

describe('stages that run beside the one before', () => {
  it('starts while the stage before runs, and keeps the order of results', async () => {
    const log: string[] = [];
    let release!: () => void;
    const bStarted = new Promise<void>((r) => (release = r));
    // `a` can only finish once `b` has started: in order, this run would hang.
    const a = logged('a', log, async () => (await bStarted, { status: 'review', reason: 'test.review' }));
    const b = logged('b', log, async () => (release(), await sleep(30), { status: 'pass' }), { concurrentWithPrevious: true });
    const run = await runPipeline(def([a, b]), base);
    expect(run.results.map((r) => [r.stage, r.status])).toEqual([['a', 'review'], ['b', 'pass']]);
    expect(run.decision).toBe('review');
    expect(log.slice(0, 2)).toEqual(['a start', 'b start']);
    expect(run.results[1]!.durationMs).toBeGreaterThanOrEqual(25);
  });

  it.each(['block', 'reject'] as const)('a %s before it aborts it and reports it skipped, as in order', async (status) => {
    const log: string[] = [];
    const a = logged('a', log, async () => (await sleep(20), { status, reason: `test.${status}` }));
    const b = logged('b', log, async ({ signal }) => (await sleep(5_000, signal), { status: 'pass' }), { concurrentWithPrevious: true });
    const t0 = performance.now();
    const run = await runPipeline(def([a, b, logged('c', log, async () => ({ status: 'pass' }))]), base);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(run.results.map((r) => [r.stage, r.status, r.reason])).toEqual([
      ['a', status, `test.${status}`],
      ['b', 'skipped', 'pipeline.short_circuit'],
      ['c', 'skipped', 'pipeline.short_circuit'],
    ]);
    expect(run.decision).toBe(status);
    expect(log).toContain('b aborted');
    expect(log).not.toContain('b end');
  });

  it('a stage timing out before it skips it too', async () => {
    const log: string[] = [];
    const a = logged('a', log, async ({ signal }) => (await sleep(5_000, signal).catch(() => {}), { status: 'pass' }));
    const b = logged('b', log, async ({ signal }) => (await sleep(5_000, signal), { status: 'pass' }), { concurrentWithPrevious: true });
    const run = await runPipeline(def([a, b]), base, { stageTimeoutMs: 50 });
    expect(run.results.map((r) => [r.stage, r.status, r.reason])).toEqual([
      ['a', 'review', 'pipeline.stage_timeout'],
      ['b', 'skipped', 'pipeline.short_circuit'],
    ]);
  });

  it('its own failures are what they would be in order: a coded reject, or the error for a retry', async () => {
    const log: string[] = [];
    const a = logged('a', log, async () => (await sleep(20), { status: 'pass' }));
    const corrupt = logged('b', log, async () => {
      throw new AppError('media.corrupt', 'the audio does not decode');
    }, { concurrentWithPrevious: true });
    const run = await runPipeline(def([a, corrupt]), base);
    expect(run.results.map((r) => [r.stage, r.status, r.reason])).toEqual([['a', 'pass', undefined], ['b', 'reject', 'media.corrupt']]);
    expect(run.decision).toBe('reject');

    const broken = logged('b', log, async () => {
      throw new Error('S3 down');
    }, { concurrentWithPrevious: true });
    await expect(runPipeline(def([a, broken]), base)).rejects.toThrow('S3 down');
  });

  it('an error in the stage before stops it (nothing is left running) and is what the run throws', async () => {
    const log: string[] = [];
    const a = logged('a', log, async () => {
      await sleep(20);
      throw new Error('OCR worker died');
    });
    const b = logged('b', log, async ({ signal }) => (await sleep(5_000, signal), { status: 'pass' }), { concurrentWithPrevious: true });
    await expect(runPipeline(def([a, b]), base)).rejects.toThrow('OCR worker died');
    expect(log).toContain('b aborted');
  });

  it('does not start when the stage before does not run', async () => {
    const log: string[] = [];
    const a = logged('a', log, async () => ({ status: 'pass' }), { requires: ['account'] });
    const b = logged('b', log, async () => ({ status: 'pass' }), { concurrentWithPrevious: true });
    const run = await runPipeline(def([a, b]), base);
    expect(run.results.map((r) => [r.stage, r.status])).toEqual([['a', 'skipped'], ['b', 'pass']]);
    expect(log).toEqual(['b start', 'b end']);
  });

  it('a run of them all start with the stage before the first, and a reject there skips them all', async () => {
    const log: string[] = [];
    const a = logged('a', log, async () => {
      await sleep(30);
      throw new AppError('media.corrupt', 'the stream ends early');
    });
    const b = logged('b', log, async ({ signal }) => (await sleep(5_000, signal), { status: 'block' }), { concurrentWithPrevious: true });
    const c = logged('c', log, async ({ signal }) => (await sleep(5_000, signal), { status: 'pass' }), { concurrentWithPrevious: true });
    const run = await runPipeline(def([a, b, c]), base);
    expect(log.slice(0, 3)).toEqual(['a start', 'b start', 'c start']);
    expect(run.results.map((r) => [r.stage, r.status, r.reason])).toEqual([
      ['a', 'reject', 'media.corrupt'],
      ['b', 'skipped', 'pipeline.short_circuit'],
      ['c', 'skipped', 'pipeline.short_circuit'],
    ]);
    expect(log).toEqual(expect.arrayContaining(['b aborted', 'c aborted']));
    expect(log).not.toContain('b end');

    // When the first passes, the others' own answers stand, in order.
    const quick = logged('a', [], async () => ({ status: 'pass' }));
    const blocks = logged('b', [], async () => (await sleep(20), { status: 'block', reason: 'block.gambling' }), { concurrentWithPrevious: true });
    const passes = logged('c', [], async () => ({ status: 'pass' }), { concurrentWithPrevious: true });
    const second = await runPipeline(def([quick, blocks, passes]), base);
    expect(second.results.map((r) => [r.stage, r.status])).toEqual([['a', 'pass'], ['b', 'block'], ['c', 'skipped']]);
    expect(second.decision).toBe('block');
  });

  it('generated videos check frames and speech while the full decode check runs; videos with consent stages decode first', () => {
    const names = (kind: 'generated_video' | 'customization_video') => PIPELINES[kind].stages.map((s) => [s.name, !!s.concurrentWithPrevious]);
    expect(names('generated_video').slice(0, 4)).toEqual([['probe.video', false], ['probe.decode', false], ['moderate.video', true], ['moderate.speech', true]]);
    expect(names('customization_video')[0]).toEqual(['probe.video', false]);
    expect(names('customization_video').map(([n]) => n)).not.toContain('probe.decode');
  });

  it('video pipelines run their speech beside their frames, audio pipelines in order', () => {
    for (const kind of ['generated_video', 'customization_video'] as const) {
      const stages = PIPELINES[kind].stages;
      const i = stages.findIndex((s) => s.name === 'moderate.speech');
      expect(stages[i]!.concurrentWithPrevious, kind).toBe(true);
      expect(stages[i - 1]!.name, kind).toBe('moderate.video');
    }
    for (const kind of ['voice_sample', 'driving_audio'] as const) {
      expect(PIPELINES[kind].stages.some((s) => s.concurrentWithPrevious), kind).toBe(false);
    }
  });
});
