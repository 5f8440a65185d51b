import fs from 'node:fs';
import path from 'node:path';

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
