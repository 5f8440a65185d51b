// The photos the evaluations read: every JPEG below a folder, in a stable order.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function jpgsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.jpe?g$/i.test(f))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}
