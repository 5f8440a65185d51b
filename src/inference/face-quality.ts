// Quality hints for a detected face from what the detector already gives: its size, how sharp
// its pixels are, and its pose from the six keypoints. No model of its own: these are cheap
// signals a person reading the evidence can weigh, and the consent rules may gate on.
import type { DetectedFace } from './faces.js';
import { resample, type Box, type RgbImage } from './image.js';

export interface FaceQuality {
  /** Long side of the detector box, in source pixels. */
  size: number;
  /**
   * Variance of the Laplacian of the face's grey pixels at 64×64 (per 255²·10⁻³): low for a
   * blurred or upscaled face. The crop is fixed-size, so a face smaller than 64 px reads as blurry.
   */
  sharpness: number;
  /** Nose offset from the eyes' midpoint along the eye line, in eye distances: 0 frontal, ±0.5 and beyond turned away. */
  yaw: number;
  /** Angle of the eye line in degrees (0 upright). */
  roll: number;
}

const CROP = 64;

export function faceQuality(img: RgbImage, face: DetectedFace): FaceQuality {
  return { size: Math.max(face.box.width, face.box.height), sharpness: sharpness(img, face.box), ...pose(face) };
}

export function sharpness(img: RgbImage, box: Box): number {
  const rgb = new Float32Array(CROP * CROP * 3);
  resample(img, box, CROP, CROP, { alignCorners: true, scale: 1 / 255, offset: 0 }, rgb);
  const grey = new Float32Array(CROP * CROP);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  let sum = 0, sq = 0, n = 0;
  for (let y = 1; y < CROP - 1; y++) {
    for (let x = 1; x < CROP - 1; x++) {
      const i = y * CROP + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - CROP]! + grey[i + CROP]! - 4 * grey[i]!;
      sum += l; sq += l * l; n++;
    }
  }
  const mean = sum / n;
  return (sq / n - mean * mean) * 1000;
}

/** Pose from keypoints 0–2 (right eye, left eye, nose tip; the subject's sides). */
export function pose(face: Pick<DetectedFace, 'keypoints'>): { yaw: number; roll: number } {
  const [r, l, nose] = face.keypoints;
  if (!r || !l || !nose) return { yaw: 0, roll: 0 };
  const dx = l.x - r.x, dy = l.y - r.y;
  const dist = Math.hypot(dx, dy);
  if (dist === 0) return { yaw: 0, roll: 0 };
  const mx = (r.x + l.x) / 2, my = (r.y + l.y) / 2;
  // Component of the nose offset along the eye line: sideways, whatever the roll.
  const along = ((nose.x - mx) * dx + (nose.y - my) * dy) / dist;
  return { yaw: along / dist, roll: (Math.atan2(dy, dx) * 180) / Math.PI };
}
