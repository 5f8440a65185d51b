// The fixed inputs golden outputs are recorded on: the sample photos shipped in
// @vladmandic/face-api, and synthetic images rendered here from a seeded generator.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { packageDir } from './recipes/recipe.js';

export interface GoldenImage {
  id: string;
  width: number;
  height: number;
  data: Uint8Array;
}

export const SAMPLE_PHOTOS = [1, 2, 3, 4, 5, 6].map((i) => `demo/sample${i}.jpg`);

export async function samplePhoto(path: string): Promise<GoldenImage> {
  const bytes = readFileSync(join(packageDir('@vladmandic/face-api'), path));
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { id: `face-api/${path}`, width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Deterministic synthetic images covering resize edge cases: exact 224², odd sizes, extreme aspect. */
export function renderedImages(): GoldenImage[] {
  return [
    render('gradient-224', 224, 224, (x, y) => [x, y, (x + y) >> 1]),
    render('checker-301x177', 301, 177, (x, y) => (((x >> 3) + (y >> 3)) & 1 ? [250, 240, 10] : [5, 20, 200])),
    render('noise-97x640', 97, 640, noise(7)),
    render('skin-blobs-512', 512, 512, (x, y) => {
      const d = Math.hypot(x - 256, y - 230) / 256;
      return d < 0.6 ? [224 - 60 * d, 172 - 50 * d, 140 - 40 * d] : [30, 60 + (y >> 3), 90];
    }),
  ];
}

function render(id: string, width: number, height: number, pixel: (x: number, y: number) => number[]): GoldenImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = (y * width + x) * 3;
      data[o] = r!; data[o + 1] = g!; data[o + 2] = b!;
    }
  return { id: `rendered/${id}`, width, height, data };
}

function noise(seed: number): () => number[] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  return () => [next(), next(), next()];
}

export const pixelHash = (img: GoldenImage): string => createHash('sha256').update(img.data).digest('hex');

export async function allGoldenImages(): Promise<GoldenImage[]> {
  return [...(await Promise.all(SAMPLE_PHOTOS.map(samplePhoto))), ...renderedImages()];
}

/** How the model-level goldens feed each human-models network: whole image resized, then v*scale+offset. */
export interface FaceModelInput {
  model: string;
  source: string;
  size: number;
  scale: number;
  offset: number;
  /** TF output tensors recorded, in the order of the ONNX model's outputs. */
  tfOutputs: string[];
}

export const FACE_MODEL_INPUTS: FaceModelInput[] = [
  { model: 'blazeface', source: 'blazeface', size: 256, scale: 1 / 127.5, offset: -1, tfOutputs: ['Identity', 'Identity_2', 'Identity_1', 'Identity_3'] },
  { model: 'faceres', source: 'faceres', size: 224, scale: 1, offset: 0, tfOutputs: ['global_pooling/Mean', 'age_pred/Softmax', 'gender_pred/Sigmoid'] },
  { model: 'mobilefacenet', source: 'mobilefacenet', size: 112, scale: 1 / 255, offset: 0, tfOutputs: ['embeddings'] },
  { model: 'antispoof', source: 'antispoof', size: 128, scale: 1 / 255, offset: 0, tfOutputs: ['Identity'] },
  { model: 'liveness', source: 'liveness', size: 32, scale: 1 / 255, offset: 0, tfOutputs: ['Identity'] },
  { model: 'age-ssrnet', source: 'age', size: 64, scale: 1, offset: 0, tfOutputs: ['Identity'] },
  { model: 'gear', source: 'gear', size: 198, scale: 1 / 255, offset: 0, tfOutputs: ['Identity', 'Identity_1', 'Identity_2'] },
];

/**
 * face-api's recogniser has no TF graph (its network is code), so its golden is face-api's own
 * `computeFaceDescriptor` on the whole image resized to 150x150; `source` is face-api's weights manifest.
 */
export const FACE_API_RECOGNITION_INPUT: FaceModelInput = {
  model: 'face-api-recognition', source: 'model/face_recognition_model-weights_manifest.json', size: 150, scale: 1, offset: 0, tfOutputs: ['computeFaceDescriptor'],
};
