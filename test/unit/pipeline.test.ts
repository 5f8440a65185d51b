import { describe, expect, it } from 'vitest';
import { decide } from '../../pipelines/decision';
import { runPipeline } from '../../pipelines/runner';
import type { Stage, StageStatus } from '../../pipelines/types';
import { AppError } from '../../src/core/errors';
import { pipelineOf, runnerBase } from '../support/pipeline-fixture';

const stage = (name: string, status: StageStatus | Error, extra: Partial<Stage> = {}): Stage => ({
  name,
  role: 'moderation',
  ...extra,
  async run() {
    if (status instanceof Error) throw status;
    return { status, reason: status === 'pass' ? undefined : `test.${status}` };
  },
});

const base = runnerBase('driving_text', 'text/plain');
const def = (stages: Stage[]) => pipelineOf('driving_text', stages);

describe('pipeline runner', () => {
  it('the decision is the most severe verdict; skipped counts for nothing', () => {
    expect(decide([{ status: 'pass' }, { status: 'skipped' }])).toBe('pass');
    expect(decide([{ status: 'review' }, { status: 'pass' }])).toBe('review');
    expect(decide([{ status: 'review' }, { status: 'block' }, { status: 'pass' }])).toBe('block');
    expect(decide([{ status: 'block' }, { status: 'reject' }])).toBe('reject');
  });

  it('short-circuits after a block but still runs terminal stages', async () => {
    const seen: string[] = [];
    const tracking = (name: string, status: StageStatus, terminal = false): Stage => ({
      name,
      role: terminal ? 'store' : 'moderation',
      terminal,
      async run() {
        seen.push(name);
        return { status };
      },
    });
    const run = await runPipeline(def([tracking('a', 'review'), tracking('b', 'block'), tracking('c', 'pass'), tracking('z', 'pass', true)]), base);
    expect(seen).toEqual(['a', 'b', 'z']);
    expect(run.results.map((r) => r.status)).toEqual(['review', 'block', 'skipped', 'pass']);
    expect(run.decision).toBe('block');
    expect(run.reason).toBeUndefined();
  });

  it('stages whose capability is absent are skipped with the reason (the CLI path)', async () => {
    const run = await runPipeline(def([stage('a', 'pass'), stage('consent', 'pass', { requires: ['account'] })]), base);
    expect(run.results[1]).toMatchObject({ status: 'skipped', reason: 'capability.account_unavailable' });
  });

  it('an AppError from a stage is a reject with its code; other errors propagate for a retry', async () => {
    const run = await runPipeline(def([stage('probe', new AppError('media.corrupt', 'bad')), stage('next', 'pass')]), base);
    expect(run).toMatchObject({ decision: 'reject', reason: 'media.corrupt' });
    expect(run.results[1]!.status).toBe('skipped');
    await expect(runPipeline(def([stage('probe', new Error('S3 down'))]), base)).rejects.toThrow('S3 down');
  });

  it('without a stage budget (in-memory items) a stage gets the run\'s own signal, and an abort still ends the run', async () => {
    const seen: AbortSignal[] = [];
    const run = await runPipeline(def([{ name: 'a', role: 'probe', run: async ({ signal }) => (seen.push(signal), { status: 'pass' }) }]), base, { stageTimeoutMs: null });
    expect(run.decision).toBe('pass');
    expect(seen[0]).toBe(base.signal);
    // A stage that ignores its signal cannot hold the run.
    const abort = new AbortController();
    const hung: Stage = { name: 'hung', role: 'moderation', run: () => new Promise(() => {}) };
    const ended = runPipeline(def([hung]), { ...base, signal: abort.signal }, { stageTimeoutMs: null });
    abort.abort(new Error('deadline'));
    await expect(ended).rejects.toThrow('deadline');
  });
});
