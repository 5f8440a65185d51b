import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import type { Config } from '../core/config';
import { isMediaKind, KINDS, type MediaKind } from '../media/kinds';
import { moderateLocal, summarize, type LocalItem, type OnlySelection, type ResultSummary } from './moderate-item';
import { TextLinePool, type TextLineResult } from './text-lines';

/**
 * `likeness moderate -`: JSON Lines in, one result line out per input line, in input order.
 * Items run with bounded concurrency inside one process, so every model session is
 * created once (the inference layer caches them per process) and shared by all lines.
 */

export const DEFAULT_CONCURRENCY = 4;

const LineSchema = z.object({
  id: z.union([z.string(), z.number()]),
  kind: z.string().optional(),
  text: z.string().optional(),
  path: z.string().min(1).optional(),
});

export interface BatchOptions {
  config: Config;
  /** Kind for lines that name none (`--kind`). */
  defaultKind?: MediaKind;
  only?: OnlySelection;
  concurrency?: number;
  /** Relative `path` values resolve against this folder (the working directory). */
  cwd?: string;
  /** Worker threads for text lines (`--text-threads`); 0 moderates them on this thread. Default DEFAULT_TEXT_THREADS. */
  textThreads?: number;
}

export interface BatchResult extends ResultSummary {
  /** 1-based line number in the input, so even a line without a usable id can be traced. */
  line: number;
  id: string | number | null;
  kind: string | null;
}

export interface BatchStats {
  lines: number;
  /** Of them, text lines moderated on worker threads. */
  onTextThreads: number;
  decisions: Record<BatchResult['decision'], number>;
}

/** In a `u` regex a surrogate range matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

class LineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A request line as an item, or the stable code of what is wrong with it. */
function parseLine(json: unknown, line: number, opts: BatchOptions): { id: string | number; kind: MediaKind; item: LocalItem } {
  const parsed = LineSchema.safeParse(json);
  if (!parsed.success) {
    throw new LineError('request.invalid', parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; '));
  }
  const { id, text, path: file } = parsed.data;
  const kind = parsed.data.kind ?? opts.defaultKind;
  if (kind === undefined) throw new LineError('request.invalid', 'kind: required (in the line or as --kind)');
  if (!isMediaKind(kind)) throw new LineError('media.unknown_kind', `unknown kind ${JSON.stringify(kind)}`);
  if ((text === undefined) === (file === undefined)) throw new LineError('request.invalid', 'exactly one of text and path is required');
  if (text !== undefined) {
    // A string is text: binary kinds must come as files, never as bytes guessed from a string.
    if (KINDS[kind].modality !== 'text') throw new LineError('request.invalid', `text lines are for text kinds; give a path for ${kind}`);
    // JSON may carry lone surrogates (`\ud800`), which UTF-8 cannot encode: refuse rather than substitute U+FFFD.
    if (LONE_SURROGATE.test(text)) throw new LineError('media.invalid_text', 'the text has unpaired UTF-16 surrogates');
    return { id, kind, item: { kind, file: `stdin:${line}`, bytes: Buffer.from(text, 'utf8') } };
  }
  return { id, kind, item: { kind, file: path.resolve(opts.cwd ?? process.cwd(), file!) } };
}

/** Never throws for one line: a bad line is a reject with its code, a broken run a fail-closed review. */
export function moderateLine(raw: string, line: number, opts: BatchOptions): Promise<BatchResult> {
  return moderateParsed(parseJson(raw), line, opts);
}

type ParsedJson = { ok: true; json: unknown } | { ok: false; error: LineError };

function parseJson(raw: string): ParsedJson {
  try {
    return { ok: true, json: JSON.parse(raw) };
  } catch (e) {
    return { ok: false, error: new LineError('request.invalid', `the line is not JSON: ${(e as Error).message}`) };
  }
}

async function moderateParsed(parsed: ParsedJson, line: number, opts: BatchOptions): Promise<BatchResult> {
  if (!parsed.ok) return failed(line, null, opts, parsed.error);
  try {
    const { id, kind, item } = parseLine(parsed.json, line, opts);
    const run = await moderateLocal(item, opts.config, opts.only);
    return { line, id, kind, ...summarize(run) };
  } catch (e) {
    return failed(line, parsed.json, opts, e);
  }
}

/** Whether a line names a file (bounded by `concurrency`); text and unusable lines cost no tool. */
const namesFile = (p: ParsedJson) => p.ok && typeof p.json === 'object' && p.json !== null && 'path' in p.json;

function failed(line: number, json: unknown, opts: BatchOptions, e: unknown): BatchResult {
  // The id and kind as far as they can be read, so the result can still be matched up.
  const v = (json && typeof json === 'object' ? json : {}) as { id?: unknown; kind?: unknown };
  const id = typeof v.id === 'string' || typeof v.id === 'number' ? v.id : null;
  const kind = typeof v.kind === 'string' ? v.kind : (opts.defaultKind ?? null);
  const empty = { scores: null, evidence: [], stages: [] };
  if (e instanceof LineError) return { line, id, kind, decision: 'reject', reason: e.code, ...empty, detail: e.message };
  // Not the line's fault (a tool crashed, a bug): never a pass, the item needs a person.
  return { line, id, kind, decision: 'review', reason: 'pipeline.failed', ...empty, detail: e instanceof Error ? e.message : String(e) };
}

/**
 * Text lines held in flight at once, whatever `concurrency` says: they are already in memory
 * and cost no tool, and the text classifier scores the lines that reach it in the same turn
 * in one ONNX run (one run over 64 short texts costs about a third per text of one per text).
 */
export const TEXT_WINDOW = 64;

/** Results written to the output in one chunk: one write per line was a system call per line. */
const WRITE_CHUNK = 64 * 1024;

/** Text lines read before text workers start. */
const WORKERS_AFTER = 4 * TEXT_WINDOW;

/** Text worker threads by default: one per core besides the main thread's, at most three. */
export const DEFAULT_TEXT_THREADS = Math.max(0, Math.min(3, availableParallelism() - 1));

/**
 * Reads lines, keeps at most `concurrency` file items (and at most TEXT_WINDOW items of any
 * kind, more once text threads are up) between the oldest unwritten one and
 * the newest started one, and writes results strictly in input order. Blank lines are skipped.
 * After WORKERS_AFTER text lines, `textThreads` worker threads start; once one has loaded,
 * text lines go to them while they have room and are moderated here when they have none.
 */
export async function moderateBatch(input: Readable, output: Writable, opts: BatchOptions): Promise<BatchStats> {
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const threads = Math.max(0, opts.textThreads ?? DEFAULT_TEXT_THREADS);
  let workers: TextLinePool | null = null;
  let textLines = 0;
  const stats: BatchStats = { lines: 0, onTextThreads: 0, decisions: { pass: 0, review: 0, block: 0, reject: 0 } };
  const pending: { result: Promise<TextLineResult>; file: boolean; threaded: boolean; settled: boolean }[] = [];
  let filesInFlight = 0;
  let out = '';
  const flush = async () => {
    const chunk = out;
    out = '';
    if (chunk && !output.write(chunk)) await once(output, 'drain');
  };
  const writeOldest = async () => {
    const { result, file, threaded } = pending.shift()!;
    if (file) filesInFlight--;
    const r = await result;
    stats.lines++;
    if (threaded) stats.onTextThreads++;
    stats.decisions[r.decision]++;
    out += `${r.json}\n`;
    // Held back only while the next result is already there to join the chunk.
    if (out.length >= WRITE_CHUNK || !pending[0]?.settled) await flush();
  };
  const here = (parsed: ParsedJson, line: number) => moderateParsed(parsed, line, opts).then(serialised);
  try {
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let line = 0;
    for await (const raw of rl) {
      line++;
      const body = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!body.trim()) continue;
      const parsed = parseJson(body);
      const file = namesFile(parsed);
      // Once workers are up, room for their two batches each and for this thread to keep
      // going while one batch is slow (results leave in order, so a late one holds the rest).
      const window = Math.max(concurrency, workers?.ready ? TEXT_WINDOW * (2 + 4 * threads) : TEXT_WINDOW);
      while (pending.length >= window || (file && filesInFlight >= concurrency)) await writeOldest();
      const n = line;
      const text = parsed.ok && !file;
      // Workers cost a second or so of CPU each to start: only a long input is worth them.
      if (text && threads && ++textLines === WORKERS_AFTER) workers = new TextLinePool(opts, threads, TEXT_WINDOW);
      const threaded = text && !!workers?.hasRoom();
      const result = threaded
        ? workers!.moderate({ line: n, raw: body }).catch((e: unknown) => serialised(failed(n, parsed.json, opts, e)))
        : here(parsed, n);
      const entry = { result, file, threaded, settled: false };
      void result.then(() => (entry.settled = true));
      pending.push(entry);
      if (file) filesInFlight++;
    }
    while (pending.length) await writeOldest();
    await flush();
  } finally {
    await workers?.close();
  }
  return stats;
}

const serialised = (r: BatchResult): TextLineResult => ({ decision: r.decision, json: JSON.stringify(r) });
