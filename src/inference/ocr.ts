// Text in images (Chinese + English) with PP-OCRv4, run in a worker thread.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { modelCorrupt, modelMissing } from './errors.js';
import type { RgbImage } from './image.js';
import { manifestEntry, modelPath } from './manifest.js';
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

/**
 * One onnxruntime thread for OCR whatever the other models use: OCR runs in its own worker
 * beside the main thread's models (and the speech recogniser), and on this 2-core machine a
 * 448×256 detection took 29–33 ms on one thread against 64–68 ms (and as much CPU) on two
 * while the other core was busy (bench/video.ts profiling).
 */
const OCR_THREADS = 1;
/**
 * Two OCR workers where there are two cores: a video's frames are read in parallel while the
 * model workers scan QR codes and run the safety model (measured when both still ran in the
 * main thread). bench:video with a tone track, 30 s at
 * 640x360 / 1280x720: 0.077–0.082 / 0.093–0.096 of the duration against 0.087–0.091 / 0.107–0.108
 * with one; with speech the recogniser is the longer path and both measured the same.
 */
const OCR_WORKERS = Math.min(2, availableParallelism());

/** Verifies the pinned OCR files once, then starts the workers with their paths. */
async function ocrPool(): Promise<WorkerPool> {
  const [detectionPath, recognitionPath, dictionaryPath] = await Promise.all(['ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-v4-dict'].map(verifiedPath));
  return new WorkerPool(new URL('./ocr-worker.mjs', import.meta.url), {
    models: { detectionPath, recognitionPath, dictionaryPath },
    threads: OCR_THREADS,
  }, OCR_WORKERS);
}

async function verifiedPath(name: string): Promise<string> {
  const entry = manifestEntry(name);
  const file = modelPath(entry);
  const bytes = await readFile(file).catch(() => { throw modelMissing(file); });
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== entry.sha256) throw modelCorrupt(file, `sha256 ${digest.slice(0, 12)}… ≠ manifest ${entry.sha256.slice(0, 12)}…`);
  return file;
}

/**
 * Reads text from encoded image bytes (any format sharp decodes) or from RGB pixels (video
 * frames: handed over as they are, no PNG round trip).
 */
export async function ocr(image: Uint8Array | RgbImage): Promise<OcrResult> {
  pool ??= ocrPool();
  pool.catch(() => { pool = undefined; });
  // A copy the worker may take over: Buffer#slice shares memory, so transferring it would empty the caller's buffer.
  const copy = new Uint8Array(image instanceof Uint8Array ? image : image.data);
  const raw = image instanceof Uint8Array ? undefined : { width: image.width, height: image.height, channels: 3 };
  const lines = await (await pool).call<OcrLine[]>({ image: copy, raw }, [copy.buffer]);
  return { lines, compact: lines.map((l) => l.text).join('').replace(/\s+/g, '') };
}

/** Waits for the reads in flight, then stops the workers. */
export async function closeOcr(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await (await p.catch(() => undefined))?.close();
}
