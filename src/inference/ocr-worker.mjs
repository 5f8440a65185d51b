// Worker thread running PP-OCRv4 (detection + recognition) on onnxruntime. Plain JavaScript so
// it starts the same under tsx, vitest and plain node. The box finding (OpenCV contours) comes
// from @gutenye/ocr-node's pipeline, whose OpenCV build installs process-wide error handlers:
// that is why OCR lives in a worker.
//
// The steps are those of @gutenye/ocr-node's `detect` (same resizing, normalisation, threshold,
// boxes, decoding and line grouping: on 128 rendered adverts, captions and video frames, odd
// sizes included, both read identical lines, scores and boxes), written with typed arrays: its
// per-pixel array pushes and spreads cost ~20 ms of a 448×252 video frame's ~60 ms, and it only
// takes encoded images, so every frame was PNG-encoded and decoded again.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
// Importing ocr-node registers its sharp-backed image class, which the line crops below are made of.
import '@gutenye/ocr-node';
import { splitIntoLineImages } from '@gutenye/ocr-common/splitIntoLineImages';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

/** Detector input sides are multiples of this (the network downsamples by 32). */
const BASE = 32;
/** A detector pixel above this probability is text (ocr-node's value). */
const TEXT_PROBABILITY = 0.03;
/** Recognition reads each line scaled to this height. */
const LINE_HEIGHT = 48;
/** Lines read with a lower mean character confidence are dropped (ocr-node's value). */
const MIN_LINE_SCORE = 0.5;

const { models, threads } = workerData;
const options = { intraOpNumThreads: threads, interOpNumThreads: 1 };
const [detector, recogniser, dictionary] = await Promise.all([
  ort.InferenceSession.create(models.detectionPath, options),
  ort.InferenceSession.create(models.recognitionPath, options),
  readFile(models.dictionaryPath, 'utf8').then((t) => [...t.split('\n'), ' ']),
]);

parentPort.on('message', async ({ id, image, raw }) => {
  try {
    parentPort.postMessage({ id, result: await read(raw ? sharp(image, { raw }) : sharp(image)) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});

async function read(input) {
  const { width, height } = await input.metadata();
  if (!width || !height) throw new Error('unreadable image');
  // Padded (and, when not already a multiple of 32, scaled) to the detector's grid, RGBA.
  const { data, info } = await input
    .toColourspace('srgb')
    .ensureAlpha(1)
    .resize({ width: Math.max(Math.ceil(width / BASE) * BASE, BASE), height: Math.max(Math.ceil(height / BASE) * BASE, BASE), fit: 'contain' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const page = { data, width: info.width, height: info.height };
  const [probability] = Object.values(await detector.run({ [detector.inputNames[0]]: planarBgr(page) }));
  const mask = new Uint8Array(page.width * page.height * 4);
  const p = probability.data;
  for (let i = 0; i < p.length; i++) {
    const v = p[i] > TEXT_PROBABILITY ? 255 : 0;
    mask[i * 4] = mask[i * 4 + 1] = mask[i * 4 + 2] = v;
    mask[i * 4 + 3] = 255;
  }
  const crops = await splitIntoLineImages({ data: mask, width: page.width, height: page.height }, page);
  const lines = [];
  for (const crop of crops) {
    const line = await crop.image.resize({ height: LINE_HEIGHT });
    const [scores] = Object.values(await recogniser.run({ [recogniser.inputNames[0]]: planarBgr(line) }));
    lines.push({ ...decode(scores), box: crop.box });
  }
  // Last crop first, as ocr-node orders them before grouping (the grouping depends on the order).
  return groupLines(lines.reverse().filter((l) => l.score >= MIN_LINE_SCORE));
}

/** RGBA bytes as the models take them: float planes in B, G, R order, scaled to 0..1. */
function planarBgr({ data, width, height }) {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i] = data[j + 2] / 255;
    out[n + i] = data[j + 1] / 255;
    out[2 * n + i] = data[j] / 255;
  }
  return new ort.Tensor('float32', out, [1, 3, height, width]);
}

/** Greedy CTC: the best class per step, blanks (0) and repeats dropped; score = mean probability of the kept characters. */
function decode(output) {
  const [, steps, classes] = output.dims;
  const d = output.data;
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = d[t * classes + c];
      if (v > max) {
        max = v;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += dictionary[best - 1];
      sum += max;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept ? sum / kept : 0 };
}

/**
 * Boxes on one text line (midlines closer than half the mean box height) joined left to right
 * with a space, lines top to bottom; a joined line spans its first and last box.
 */
function groupLines(lines) {
  if (!lines.length) return [];
  const top = (b) => b[0][1];
  const mid = (b) => (b[0][1] + b[2][1]) / 2;
  const halfHeight = lines.reduce((s, l) => s + (l.box[2][1] - l.box[0][1]), 0) / lines.length / 2;
  const groups = [];
  for (const l of lines) {
    const g = groups.find((g) => Math.abs(mid(g[0].box) - mid(l.box)) < halfHeight);
    if (g) g.push(l);
    else groups.push([l]);
  }
  for (const g of groups) g.sort((a, b) => a.box[0][0] - b.box[0][0]);
  groups.sort((a, b) => top(a[0].box) - top(b[0].box));
  return groups.map((g) => ({
    text: g.map((l) => l.text).join(' '),
    score: g.reduce((s, l) => s + l.score, 0) / g.length,
    box: [g[0].box[0], g.at(-1).box[1], g.at(-1).box[2], g[0].box[3]],
  }));
}
