// Face detection with BlazeFace (human-models variant, 256x256, 896 anchors): the
// image is letterboxed to a square with black bars (human's `square` option; squashing
// a non-square photo distorts faces), anchors are decoded, then non-max suppression.
import * as ort from 'onnxruntime-node';
import type { Box, RgbImage } from './image.js';
import { resample } from './image.js';
import { session } from './sessions.js';

export interface Point { x: number; y: number }

export interface DetectedFace {
  /** Tight face box in source pixels. */
  box: Box;
  /** sigmoid of the detector logit, 0..1. */
  score: number;
  /** Right eye, left eye, nose tip, mouth, right ear tragion, left ear tragion (subject's sides). */
  keypoints: Point[];
}

export interface DetectOptions {
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. */
  iouThreshold?: number;
  maxFaces?: number;
  /**
   * Also look at overlapping half-size tiles of a large image. The detector sees the whole
   * picture at 256 px, so faces under ~6.7% of the long side (80 px of a 1200-px photo) are
   * often missed; tiles halve that (see models/README.md, "Face inventory").
   */
  tiled?: boolean;
}

const SIZE = 256;
const ROW = 17;
const ANCHORS = anchorCentres();

/** Anchor centres in model pixels: 16x16 grid x2 (stride 16), then 8x8 grid x6 (stride 32). */
function anchorCentres(): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [[16, 2], [32, 6]] as const) {
    const cells = SIZE / stride;
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

/** The square around the image, centred, that the detector sees. */
export function letterbox(img: RgbImage): Box {
  const side = Math.max(img.width, img.height);
  return { x: (img.width - side) / 2, y: (img.height - side) / 2, width: side, height: side };
}

export function detectorInput(img: RgbImage, out = new Float32Array(SIZE * SIZE * 3), view = letterbox(img)): Float32Array {
  resample(img, view, SIZE, SIZE, { alignCorners: false, scale: 1 / 127.5, offset: -1 }, out);
  return out;
}

export async function detectFacesInImage(img: RgbImage, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const whole = await detectInView(img, letterbox(img), opts);
  if (!opts.tiled) return whole;
  const tiles = detectionTiles(img);
  const found = [...whole];
  for (const t of tiles) {
    for (const f of await detectInView(img, t, { ...opts, maxFaces: 100 })) {
      // A face cut by an inner tile edge is seen whole in the overlapping tile; its cut part would be a second, smaller box.
      // Larger faces are the whole view's: magnified, hair and lettering turned into faces (0.55–0.59 on faces-dev).
      if (!touchesInnerEdge(f.box, t, img) && Math.max(f.box.width, f.box.height) <= TILE_MAX_FACE * t.width) found.push(f);
    }
  }
  return nonMaxSuppression(found, opts.iouThreshold ?? 0.3, opts.maxFaces ?? 20);
}

async function detectInView(img: RgbImage, view: Box, opts: DetectOptions): Promise<DetectedFace[]> {
  const s = await session('blazeface');
  const out = await s.run({ input: new ort.Tensor('float32', detectorInput(img, undefined, view), [1, SIZE, SIZE, 3]) });
  return decodeDetections(out.regressors!.data as Float32Array, view, opts);
}

/**
 * Tiles add faces up to this fraction of their side (8% of the image's long side): smaller faces
 * are the ones the whole view misses (of 12 faces in a 1200-px picture: 11 found at 80 px, 8 at 64, 1 at 48).
 */
export const TILE_MAX_FACE = 0.16;

/** Below this long side the whole-image view already gives the detector at least half the pixels a tile would. */
export const TILE_MIN_SIDE = 2 * SIZE;

/**
 * Square tiles of half the long side, stepping by half a tile (so every face up to a quarter
 * of the long side lies whole inside one): 6 for a 4:3 photo, 9 for a square one.
 */
export function detectionTiles(img: { width: number; height: number }): Box[] {
  const long = Math.max(img.width, img.height);
  if (long < TILE_MIN_SIDE) return [];
  const side = Math.ceil(long / 2);
  const starts = (length: number) => {
    if (length <= side) return [(length - side) / 2];
    const out: number[] = [];
    for (let p = 0; p < length - side; p += side / 2) out.push(p);
    out.push(length - side);
    return out;
  };
  return starts(img.height).flatMap((y) => starts(img.width).map((x) => ({ x, y, width: side, height: side })));
}

function touchesInnerEdge(b: Box, t: Box, img: { width: number; height: number }): boolean {
  const m = 0.01 * t.width;
  return (b.x <= t.x + m && t.x > 0) || (b.y <= t.y + m && t.y > 0)
    || (b.x + b.width >= t.x + t.width - m && t.x + t.width < img.width)
    || (b.y + b.height >= t.y + t.height - m && t.y + t.height < img.height);
}

/** Decodes raw detector rows into faces in source pixels, given the square the detector saw. */
export function decodeDetections(raw: Float32Array, view: Box, opts: DetectOptions): DetectedFace[] {
  const k = view.width / SIZE;
  const px = (v: number) => view.x + v * k;
  const py = (v: number) => view.y + v * k;
  const minScore = opts.minScore ?? 0.5;
  const candidates: DetectedFace[] = [];
  for (let i = 0; i < raw.length / ROW; i++) {
    const r = raw.subarray(i * ROW, (i + 1) * ROW);
    const score = 1 / (1 + Math.exp(-r[0]!));
    if (score < minScore) continue;
    const ax = ANCHORS[2 * i]!, ay = ANCHORS[2 * i + 1]!;
    const cx = ax + r[1]!, cy = ay + r[2]!, w = r[3]!, h = r[4]!;
    const keypoints = Array.from({ length: 6 }, (_, j) => ({ x: px(ax + r[5 + 2 * j]!), y: py(ay + r[6 + 2 * j]!) }));
    candidates.push({ box: { x: px(cx - w / 2), y: py(cy - h / 2), width: w * k, height: h * k }, score, keypoints });
  }
  return nonMaxSuppression(candidates, opts.iouThreshold ?? 0.3, opts.maxFaces ?? 20);
}

export function nonMaxSuppression(faces: DetectedFace[], iouThreshold: number, maxFaces: number): DetectedFace[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  for (const f of sorted) {
    if (kept.length >= maxFaces) break;
    if (kept.every((k) => iou(k.box, f.box) <= iouThreshold)) kept.push(f);
  }
  return kept;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** The square face region the face models were fed in human: box enlarged by `factor` around its centre. */
export function faceRegion(face: DetectedFace, factor = 1.4): Box {
  const side = Math.max(face.box.width, face.box.height) * factor;
  const cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}
