import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { estimatedMinors } from '../../src/consent/face-rules';
import { inventoryOf } from '../../src/consent/faces';
import { classifyImageSafety, detectFaces, type Box, type DetectedFace } from '../../src/inference/index.js';
import { safetyToScores } from '../../src/moderation/image/safety-scores';
import { advertSvg } from './media';

/** Real photographs that ship inside an installed npm package (face-api's demo samples). */
const DIR = path.resolve('node_modules/@vladmandic/face-api/demo');

export function samplePhotos(): string[] {
  if (!fs.existsSync(DIR)) return [];
  return fs
    .readdirSync(DIR)
    .filter((f) => /^sample\d+\.jpg$/.test(f))
    .sort()
    .map((f) => path.join(DIR, f));
}

/*
 * Portraits with exactly one usable face, cut from those photos. The demo samples are group photos
 * (3 to 5 people each), and a portrait_image must show one person: two significant faces reject it
 * (consent.multiple_faces), none rejects it too (consent.face_not_found), and the stages after the
 * consent ones are then skipped (docs/consent.md, "Faces"). Nothing here reads ../shared/data.
 */

/** Part of b lying inside a, over b's own area. */
const inside = (a: Box, b: Box) => {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (b.width * b.height);
};

/**
 * The faces a face rule would count: every detection from `minScore` (tiled, as the consent stage's
 * inventory looks), less those lying half inside a better one (BlazeFace also fires on half a face).
 */
export async function facesIn(bytes: Buffer, minScore: number): Promise<DetectedFace[]> {
  const found = await detectFaces(new Uint8Array(bytes), { tiled: true, minScore, maxFaces: 20 });
  const kept: DetectedFace[] = [];
  for (const f of found.sort((a, b) => b.score - a.score)) if (kept.every((k) => inside(k.box, f.box) < 0.5)) kept.push(f);
  return kept;
}

/** Exactly one face for the detector's whole view (its default score) and for the tiled look down to `floor`. */
export async function seesOneFace(bytes: Buffer, floor: number): Promise<boolean> {
  return (await detectFaces(new Uint8Array(bytes))).length === 1 && (await facesIn(bytes, floor)).length === 1;
}

/**
 * What the consent stage itself will see (src/consent/faces.ts inventoryOf, the rules of
 * src/consent/face-rules.ts): one face and nothing fainter beside it, usable and significant,
 * not estimated under 18 (a `self` attestation would be refused consent.guardian_required).
 */
export async function oneUsableFace(bytes: Buffer): Promise<boolean> {
  const { faces } = await inventoryOf(new Uint8Array(bytes));
  return faces.length === 1 && faces[0]!.usable && faces[0]!.significant && estimatedMinors(faces, 'self').length === 0;
}

/** The image model's sexual score (0–1) for `bytes`, as the image stage reads it. */
export async function sexualScore(bytes: Buffer): Promise<number> {
  return safetyToScores(await classifyImageSafety(new Uint8Array(bytes))).scores.sexual;
}

/** A square around `face`, `k` times its size, the face in the upper part (an advert band covers the lower third). */
async function cropAround(bytes: Buffer, face: DetectedFace, k: number, above: number): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  const side = Math.round(Math.max(face.box.width, face.box.height) * k);
  const left = Math.max(0, Math.round(face.box.x + face.box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(face.box.y + face.box.height / 2 - side * above));
  const width = Math.min(meta.width! - left, side);
  const height = Math.min(meta.height! - top, side);
  return sharp(bytes).extract({ left, top, width, height }).resize(640, 640).jpeg({ quality: 92 }).toBuffer();
}

export interface FaceCrop {
  /** The group photo it was cut from, its bytes, and the face (from the detector's whole view). */
  file: string;
  bytes: Buffer;
  face: DetectedFace;
  /** 640×640 JPEG, 2.4 × the face, the face at 38 % of the height. */
  crop: Buffer;
}

/**
 * The faces of `files` (in that order; each photo's best detection first) whose generous crop
 * holds exactly that one face, down to the inventory's floor (0.3): a neighbour's cheek at the
 * edge of the crop would be a second face. Lazy: nothing is cut past what the caller takes.
 */
export async function* singleFaceCrops(files: readonly string[] = samplePhotos()): AsyncGenerator<FaceCrop> {
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const faces = (await detectFaces(new Uint8Array(bytes), { maxFaces: 20 })).sort((a, b) => b.score - a.score);
    for (const face of faces) {
      const crop = await cropAround(bytes, face, 2.4, 0.38);
      if (await seesOneFace(crop, 0.3)) yield { file, bytes, face, crop };
    }
  }
}

const portraitsOf = new Map<string, Promise<Buffer[]>>();

/**
 * The one-person portraits cut from `file` (a demo photo), in the order of singleFaceCrops, each
 * checked with the consent stage's own inventory (oneUsableFace). Cached per photo.
 */
export function facePortraits(file: string): Promise<Buffer[]> {
  let got = portraitsOf.get(file);
  if (!got) {
    got = (async () => {
      const out: Buffer[] = [];
      for await (const { crop } of singleFaceCrops([file])) if (await oneUsableFace(crop)) out.push(crop);
      return out;
    })();
    portraitsOf.set(file, got);
  }
  return got;
}

/** The `nth` one-person portrait cut from `file` (see facePortraits); throws when the photo has fewer. */
export async function facePortrait(file: string, nth = 0): Promise<Buffer> {
  const all = await facePortraits(file);
  const got = all[nth];
  if (!got) throw new Error(`${path.basename(file)} gives ${all.length} portraits with exactly one usable face, not ${nth + 1}`);
  return got;
}

let chosen: Promise<{ photo: string; portrait: Buffer }> | undefined;

/**
 * One person's face, generously cropped from a face-api group photo (sample1's best face first):
 * `photo`, a file a consent ceremony can be recorded over, and `portrait`, an advert portrait's
 * picture of her: cropped tighter and mirrored, so that it is not the very picture of the
 * ceremony (that matches at 1.00; this at about 0.93, as a second photo of a person would).
 * A face is kept only when exactly one face is found in its crop, down to the inventory's floor
 * (0.3), and the portrait under an advert band (advertOver) still shows exactly one usable face
 * (0.5): a portrait with two significant faces or none is refused. The safety model must not find
 * the advert portrait suggestive either (it scores several of these party photos "sexy"): it would
 * then be a wellness item, and the advert portrait is about the gambling advert.
 */
export function consentingFace(): Promise<{ photo: string; portrait: Buffer }> {
  chosen ??= (async () => {
    const files = samplePhotos().sort((a, b) => Number(b.endsWith('sample1.jpg')) - Number(a.endsWith('sample1.jpg')));
    for await (const { file, bytes, face, crop } of singleFaceCrops(files)) {
      const portrait = await sharp(await cropAround(bytes, face, 2, 0.4)).flop().toBuffer();
      const advert = await advertOver(portrait);
      if (!(await seesOneFace(advert, 0.5))) continue;
      // Half the score from which the image stage reports it as sexual evidence (0.3): a margin for model builds.
      if ((await sexualScore(advert)) >= 0.15) continue;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-review-face-'));
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
      const photo = path.join(dir, `${path.basename(file, '.jpg')}-face.jpg`);
      fs.writeFileSync(photo, crop);
      return { photo, portrait };
    }
    throw new Error('no face-api sample gives a crop with exactly one face');
  })();
  return chosen;
}

/** `face` at 640×640 with a band of advert text (`line1`, `line2`) over its lower third (rows 420–640). */
export async function advertOver(face: Buffer, line1 = 'ONLINE CASINO', line2 = '线上赌场注册送88元'): Promise<Buffer> {
  const square = await sharp(face).resize(640, 640).toBuffer();
  const band = await sharp(advertSvg(line1, line2, 640, 220)).png().toBuffer();
  return sharp(square).composite([{ input: band, top: 420, left: 0 }]).jpeg({ quality: 90 }).toBuffer();
}

let sample1Face: Promise<ReturnType<typeof sharp>> | undefined;

/**
 * A large portrait of one face: face-api's sample1, its best face generously cropped, a tenth of
 * `side` across, on a flat background whose colour `variant` changes (so each has its own hash).
 * Compressible, so small on the wire however many pixels it declares: what the decode-budget
 * test and bench need to put big pictures through the whole image pass.
 */
export async function faceOnCanvas(side: number, variant: number): Promise<Buffer> {
  sample1Face ??= (async () => {
    const bytes = fs.readFileSync(path.join(DIR, 'sample1.jpg'));
    const [face] = (await detectFaces(new Uint8Array(bytes), { maxFaces: 20 })).sort((a, b) => b.score - a.score);
    if (!face) throw new Error('no face in face-api sample1.jpg');
    const meta = await sharp(bytes).metadata();
    const s = Math.round(Math.max(face.box.width, face.box.height) * 2.2);
    const left = Math.max(0, Math.round(face.box.x + face.box.width / 2 - s / 2));
    const top = Math.max(0, Math.round(face.box.y + face.box.height / 2 - s * 0.4));
    return sharp(bytes).extract({ left, top, width: Math.min(s, meta.width! - left), height: Math.min(s, meta.height! - top) });
  })();
  const facePng = await (await sample1Face).clone().resize(Math.round(side / 10), Math.round(side / 10)).png().toBuffer();
  return sharp({ create: { width: side, height: side, channels: 3, background: { r: 200 - 9 * variant, g: 190, b: 180 + 7 * variant } } })
    .composite([{ input: facePng, left: Math.round(side * 0.45), top: Math.round(side * 0.4) }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}
