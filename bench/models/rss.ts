// Resident memory across many safety classifications: it must stay flat.
import type { RgbImage } from '../../src/inference/image.js';
import { classifyImageSafety } from '../../src/inference/safety.js';

export async function benchRss(images: RgbImage[], count: number): Promise<{ first: number; last: number }> {
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  const step = Math.max(1, Math.floor(count / 5));
  const marks: string[] = [];
  let first = 0;
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    await classifyImageSafety(images[i % images.length]!);
    if (i === Math.min(step, count)) first = mb();
    if (i % step === 0 || i === count) marks.push(`${i}: ${mb().toFixed(0)} MB`);
  }
  const last = mb();
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n## RSS over ${count} classifyImageSafety calls (${(count / seconds).toFixed(0)} images/s end to end)`);
  console.log(marks.join(' · '));
  console.log(`growth after the first ${step}: ${(last - first).toFixed(1)} MB`);
  return { first, last };
}
