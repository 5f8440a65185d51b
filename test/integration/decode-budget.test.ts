import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBudget } from '../../src/worker/decode-budget';
import { verifiedConsent } from '../support/consent';
import { startService, upload, waitDecided, type Service } from '../support/harness';
import { faceOnCanvas } from '../support/photos';

const SIDE = 6000;
const PIXELS = SIDE * SIDE;
/** Room for two of the four 36-Mpx portraits at once, not three. */
const BUDGET = 80_000_000;

/**
 * Four portraits of 6000×6000 (36 Mpx: under MAX_IMAGE_PIXELS, ~0.6 MB each on the wire): one
 * face cut from face-api's installed demo photo, composed into a flat background, so the probe,
 * the face pass and the whole image pass each decode the full picture.
 */
const largePortraits = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => faceOnCanvas(SIDE, i)));

describe('the decode budget bounds the pixels decoded at once (real pipeline, WORKER_CONCURRENCY=4)', () => {
  let svc: Service;
  let images: Buffer[];
  beforeAll(async () => {
    [svc, images] = await Promise.all([
      startService('pglite', { env: { MAX_DECODE_PIXELS: String(BUDGET), WORKER_CONCURRENCY: '4' } }),
      largePortraits(4),
    ]);
    svc.defaultConsent = await verifiedConsent(svc);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('four 36-Mpx portraits at once: never more than the budget in flight, some wait, all four decided', async () => {
    const budget = decodeBudget(svc.ctx);
    expect(budget.limit).toBe(BUDGET);
    for (const img of images) expect(img.length).toBeLessThan(2 * 1024 * 1024);
    // Sampled all along as well as the budget's own peak: in flight at any moment, never above the limit.
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(budget.stats().inFlightPixels), 5);
    let items: Record<string, any>[];
    try {
      const ups = await Promise.all(images.map((img) => upload(svc, 'portrait_image', img)));
      for (const up of ups) expect(up.status, JSON.stringify(up.body)).toBe(202);
      items = await Promise.all(ups.map((up) => waitDecided(svc, up.body.id as string, 240_000)));
    } finally {
      clearInterval(sampler);
    }
    const stats = budget.stats();
    expect(Math.max(...samples)).toBeLessThanOrEqual(BUDGET);
    expect(stats.peakPixels).toBeLessThanOrEqual(BUDGET);
    // Each portrait held its full declared pixels, two at a time at most; the others waited their turn.
    expect(stats.peakPixels).toBeGreaterThanOrEqual(PIXELS);
    expect(stats.peakPixels % PIXELS).toBe(0);
    expect(stats.admitted).toBe(4);
    expect(stats.queued).toBeGreaterThanOrEqual(1);
    expect(stats.peakWaiting).toBeGreaterThanOrEqual(1);
    // Everything released once decided.
    expect(stats).toMatchObject({ inFlightPixels: 0, holders: 0, waiting: 0 });
    for (const item of items!) {
      // A decision on the image itself, never a failure of the run (a wait is no stage's time).
      expect(item.decision).toBeTruthy();
      expect(['pipeline.failed', 'pipeline.stage_timeout']).not.toContain(item.reason);
      const stages = item.stages as { stage: string; status: string; evidence?: Record<string, unknown> }[];
      expect(stages.find((s) => s.stage === 'probe.image')).toMatchObject({ status: 'pass', evidence: { width: SIDE, height: SIDE } });
      // The one face is found, so the whole image pass ran on the full picture too.
      expect(stages.find((s) => s.stage === 'moderate.image')?.status).not.toBe('skipped');
    }
  }, 300_000);
});
