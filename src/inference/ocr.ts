// Text in images (Chinese + English) with PP-OCRv4, run in a worker thread.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { modelCorrupt, modelMissing } from './errors.js';
import { manifestEntry, modelPath } from './manifest.js';
import { currentOptions } from './sessions.js';
import { WorkerPool } from './worker-pool.js';

export interface OcrLine {
  text: string;
  /** Mean per-character confidence, 0..1. */
  score: number;
  /** Four corners [x, y] in the detector's resized image. */
  box: number[][];
}

export interface OcrResult {
  lines: OcrLine[];
  /** All lines joined without whitespace: PP-OCR often drops English spaces, so match keywords on this. */
  compact: string;
}

let pool: Promise<WorkerPool> | undefined;

/** Verifies the pinned OCR files once, then starts the worker with their paths. */
async function ocrPool(): Promise<WorkerPool> {
  const [detectionPath, recognitionPath, dictionaryPath] = await Promise.all(['ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-v4-dict'].map(verifiedPath));
  return new WorkerPool(new URL('./ocr-worker.mjs', import.meta.url), {
    models: { detectionPath, recognitionPath, dictionaryPath },
    threads: currentOptions().threads,
  });
}

async function verifiedPath(name: string): Promise<string> {
  const entry = manifestEntry(name);
  const file = modelPath(entry);
  const bytes = await readFile(file).catch(() => { throw modelMissing(file); });
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== entry.sha256) throw modelCorrupt(file, `sha256 ${digest.slice(0, 12)}… ≠ manifest ${entry.sha256.slice(0, 12)}…`);
  return file;
}

/** Reads text from encoded image bytes (any format sharp decodes). */
export async function ocr(image: Uint8Array): Promise<OcrResult> {
  pool ??= ocrPool();
  pool.catch(() => { pool = undefined; });
  // A copy the worker may take over: Buffer#slice shares memory, so transferring it would empty the caller's buffer.
  const copy = new Uint8Array(image);
  const lines = await (await pool).call<OcrLine[]>({ image: copy }, [copy.buffer]);
  return { lines, compact: lines.map((l) => l.text).join('').replace(/\s+/g, '') };
}

export async function closeOcr(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await (await p).close();
}
