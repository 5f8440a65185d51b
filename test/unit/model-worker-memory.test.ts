import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyImageSafetyOffThread, closeModelWorkers } from '../../src/inference/model-workers';

/** This thread's full collection, without starting vitest with --expose-gc. */
function gcNow(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (own) return own;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  return gc;
}

describe('model workers free the shared images they were sent', () => {
  afterAll(closeModelWorkers);

  it('five 18 MB images one after another: the pixels of at most one are still held, not of all five', async () => {
    const gc = gcNow();
    const width = 3000;
    const height = 2000;
    const bytes = width * height * 3;
    // The worker started and warm, so its own start-up allocations are not counted.
    await classifyImageSafetyOffThread([{ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 }]);
    const settle = async () => {
      await new Promise((r) => setTimeout(r, 200));
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    const before = await settle();
    for (let i = 0; i < 5; i++) {
      // The safety model allocates little in its worker (the image is resampled to 224 px), so
      // nothing there would trigger a collection: the pixels travel as a SharedArrayBuffer.
      await classifyImageSafetyOffThread([{ data: new Uint8Array(bytes).fill(40 * i), width, height }]);
    }
    const after = await settle();
    // Without the worker's collection after large jobs all five stayed (measured: 90 MB), until
    // the worker happened to collect; a main-thread collection cannot free what a worker holds.
    expect(after - before).toBeLessThan(1.5 * bytes);
  }, 60_000);
});
