// One onnxruntime session per model per process: created on first use, verified
// against the manifest hash, then shared by every caller in this thread.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { modelCorrupt, modelMissing } from './errors.js';
import { manifestEntry, modelPath } from './manifest.js';

export interface InferenceOptions {
  /** Intra-op threads per session (ORT's default is one per core). */
  threads?: number;
  /**
   * Let ORT's threads spin-wait for work inside a run (default true). Between runs they are
   * parked at once (`session.force_spinning_stop`): every session has its own pool, and
   * threads left spinning after one model's run stole the cores the next model needed — the
   * portrait pass took 168 ms with plain spinning, 52–61 ms with none, 44–54 ms spinning
   * with the stop (bench:models, this 2-core machine).
   */
  spinning?: boolean;
  /** With spinning on: park the spinning threads when a run returns (default true). */
  stopSpinningAfterRun?: boolean;
}

let options: InferenceOptions = {};
const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * Sets session options for sessions not yet created. Call once at startup
 * (e.g. with `Number(process.env.ORT_THREADS)`); existing sessions keep theirs.
 */
export function configureInference(next: InferenceOptions): void {
  options = { ...next };
}

export function currentOptions(): InferenceOptions {
  return { ...options };
}

export function session(name: string): Promise<ort.InferenceSession> {
  let s = sessions.get(name);
  if (!s) {
    s = createSession(name, options);
    sessions.set(name, s);
    // A failed load is not cached: a later call after `models:rebuild` may succeed.
    s.catch(() => sessions.delete(name));
  }
  return s;
}

/** A new, uncached session (benchmarks compare thread counts with it). */
export async function createSession(name: string, opts: InferenceOptions): Promise<ort.InferenceSession> {
  const entry = manifestEntry(name);
  return openVerified(modelPath(entry), entry.sha256, opts);
}

/** Loads `file` only if its sha256 matches; names the file and the rebuild command otherwise. */
export async function openVerified(file: string, sha256: string, opts: InferenceOptions): Promise<ort.InferenceSession> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw modelMissing(file);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== sha256) throw modelCorrupt(file, `sha256 ${digest.slice(0, 12)}… ≠ manifest ${sha256.slice(0, 12)}…`);
  const spin = opts.spinning ?? true;
  try {
    return await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: opts.threads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: {
        session: {
          intra_op: { allow_spinning: spin ? '1' : '0' },
          inter_op: { allow_spinning: spin ? '1' : '0' },
          force_spinning_stop: spin && opts.stopSpinningAfterRun !== false ? '1' : '0',
        },
      },
    });
  } catch (err) {
    throw modelCorrupt(file, (err as Error).message);
  }
}

/** Releases every cached session (tests and graceful shutdown). */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.allSettled(all.map(async (s) => (await s).release()));
}
