import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config';
import { PixelBudget } from '../../src/media/pixel-budget';

const tick = () => new Promise((r) => setImmediate(r));

/** A request whose grant is observable: `granted` is set once acquire resolves. */
function request(budget: PixelBudget, pixels: number, signal?: AbortSignal) {
  const r = { granted: false, error: undefined as unknown, release: () => {} };
  const p = budget.acquire(pixels, signal).then(
    (release) => {
      r.granted = true;
      r.release = release;
    },
    (e) => {
      r.error = e;
    },
  );
  return Object.assign(r, { settled: p });
}

describe('PixelBudget', () => {
  it('admits requests while they fit and holds the rest back', async () => {
    const b = new PixelBudget(100);
    const a = request(b, 60);
    const c = request(b, 40);
    const d = request(b, 1);
    await tick();
    expect([a.granted, c.granted, d.granted]).toEqual([true, true, false]);
    expect(b.stats()).toMatchObject({ inFlightPixels: 100, holders: 2, waiting: 1 });
    a.release();
    await tick();
    expect(d.granted).toBe(true);
    expect(b.stats()).toMatchObject({ inFlightPixels: 41, holders: 2, waiting: 0, peakPixels: 100, peakWaiting: 1, admitted: 3, queued: 1 });
  });

  it('is first come, first served: a small request does not pass a large one waiting before it', async () => {
    const b = new PixelBudget(100);
    const first = request(b, 70);
    const large = request(b, 60);
    const small = request(b, 10); // would fit beside `first`, but `large` waits before it
    await tick();
    expect([first.granted, large.granted, small.granted]).toEqual([true, false, false]);
    first.release();
    await tick();
    expect([large.granted, small.granted]).toEqual([true, true]);
  });

  it('grants in arrival order', async () => {
    const b = new PixelBudget(10);
    const order: number[] = [];
    const holder = await b.acquire(10);
    const waits = [3, 9, 2, 10, 1].map((px, i) => b.acquire(px).then((release) => (order.push(i), release)));
    await tick();
    expect(order).toEqual([]);
    holder();
    // Each released as soon as granted: the order of grants is the order of arrival.
    for (const w of waits) (await w)();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs a request larger than the whole budget alone, and nothing beside it', async () => {
    const b = new PixelBudget(100);
    const small = request(b, 30);
    const huge = request(b, 250);
    const after = request(b, 1);
    await tick();
    expect([small.granted, huge.granted, after.granted]).toEqual([true, false, false]);
    small.release();
    await tick();
    expect([huge.granted, after.granted]).toEqual([true, false]);
    expect(b.stats()).toMatchObject({ inFlightPixels: 250, holders: 1, peakPixels: 250 });
    huge.release();
    await tick();
    expect(after.granted).toBe(true);
    // Alone on an empty budget it passes at once.
    const alone = new PixelBudget(5);
    (await alone.acquire(1_000))();
  });

  it('lets requests of 0 pixels pass at once, even with others waiting', async () => {
    const b = new PixelBudget(10);
    const held = await b.acquire(10);
    const waiting = request(b, 5);
    const none = request(b, 0);
    await tick();
    expect([waiting.granted, none.granted]).toEqual([false, true]);
    expect(b.stats().admitted).toBe(1);
    held();
  });

  it('releases when the work throws, and a release twice counts once', async () => {
    const b = new PixelBudget(10);
    await expect(b.run(8, async () => { throw new Error('decoder failed'); })).rejects.toThrow('decoder failed');
    expect(b.stats()).toMatchObject({ inFlightPixels: 0, holders: 0 });
    const r1 = await b.acquire(6);
    const r2 = await b.acquire(4);
    r1();
    r1();
    expect(b.stats()).toMatchObject({ inFlightPixels: 4, holders: 1 });
    r2();
    expect(await b.run(10, async () => 'ok')).toBe('ok');
    expect(b.stats()).toMatchObject({ inFlightPixels: 0, holders: 0 });
  });

  it('an aborted wait rejects with the reason, leaves the queue, and lets those behind it move up', async () => {
    const b = new PixelBudget(100);
    const held = await b.acquire(50);
    const abort = new AbortController();
    const big = request(b, 80, abort.signal); // blocks `small` (FIFO) until it leaves
    const small = request(b, 20);
    await tick();
    expect([big.granted, small.granted]).toEqual([false, false]);
    abort.abort(new Error('lease lost'));
    await big.settled;
    await tick();
    expect(big.granted).toBe(false);
    expect((big.error as Error).message).toBe('lease lost');
    expect(small.granted).toBe(true);
    expect(b.stats()).toMatchObject({ inFlightPixels: 70, waiting: 0 });
    held();
    small.release();
    expect(b.stats()).toMatchObject({ inFlightPixels: 0, holders: 0 });
    // A signal aborted before the call: refused without queueing.
    await expect(b.acquire(1, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    // run() with an aborted wait never calls the work.
    const again = new AbortController();
    const hold = await b.acquire(100);
    let called = false;
    const run = b.run(10, async () => { called = true; }, again.signal);
    again.abort(new Error('stop'));
    await expect(run).rejects.toThrow('stop');
    expect(called).toBe(false);
    hold();
    expect(b.stats()).toMatchObject({ inFlightPixels: 0, holders: 0, waiting: 0 });
  });

  it('refuses a budget or a request that is not a number of pixels', async () => {
    expect(() => new PixelBudget(0)).toThrow(RangeError);
    expect(() => new PixelBudget(1.5)).toThrow(RangeError);
    const b = new PixelBudget(10);
    return Promise.all([expect(b.acquire(-1)).rejects.toThrow(RangeError), expect(b.acquire(Number.NaN)).rejects.toThrow(RangeError)]);
  });

  it('never has more than the budget in flight (or one oversize request alone), serves in order, and ends empty: random workloads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.record({ pixels: fc.integer({ min: 0, max: 150 }), work: fc.integer({ min: 0, max: 3 }), fails: fc.boolean(), abortAfter: fc.option(fc.integer({ min: 0, max: 3 })) }), { minLength: 1, maxLength: 30 }),
        async (limit, jobs) => {
          const b = new PixelBudget(limit);
          // What the work itself has in flight (the decoding), and every moment it broke the rule.
          let inFlight = 0;
          let holders = 0;
          const broken: string[] = [];
          const grants: number[] = [];
          const check = (when: string) => {
            const st = b.stats();
            if (st.inFlightPixels > limit && st.holders > 1) broken.push(`${when}: budget ${st.inFlightPixels} px in ${st.holders} holders`);
            if (inFlight > limit && holders > 1) broken.push(`${when}: work ${inFlight} px in ${holders} runs`);
            if (inFlight > st.inFlightPixels) broken.push(`${when}: work ${inFlight} px beyond the ${st.inFlightPixels} admitted`);
          };
          const runs = jobs.map(async (job, i) => {
            const abort = new AbortController();
            if (job.abortAfter !== null) void Promise.resolve().then(async () => { for (let t = 0; t < job.abortAfter!; t++) await tick(); abort.abort(new Error('aborted')); });
            const counted = job.pixels > 0;
            try {
              await b.run(job.pixels, async () => {
                if (counted) {
                  inFlight += job.pixels;
                  holders++;
                  grants.push(i);
                }
                check(`job ${i} started`);
                for (let t = 0; t < job.work; t++) {
                  await tick();
                  check(`job ${i} working`);
                }
                if (counted) {
                  inFlight -= job.pixels;
                  holders--;
                }
                if (job.fails) throw new Error('work failed');
              }, abort.signal);
            } catch (e) {
              // Failed work or an aborted wait: released either way (checked below).
              if (!['work failed', 'aborted'].includes((e as Error).message)) broken.push(`job ${i}: ${(e as Error).message}`);
            }
          });
          await Promise.all(runs);
          expect(broken).toEqual([]);
          // Granted in the order they arrived (requests of 0 pixels wait for nothing and are not counted).
          expect(grants).toEqual([...grants].sort((x, y) => x - y));
          const st = b.stats();
          expect(st).toMatchObject({ inFlightPixels: 0, holders: 0, waiting: 0, admitted: grants.length });
          expect(st.peakPixels).toBeLessThanOrEqual(Math.max(limit, ...jobs.map((j) => j.pixels)));
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });
});

describe('MAX_DECODE_PIXELS', () => {
  it('defaults to twice MAX_IMAGE_PIXELS, is read as set, and is refused when not a positive integer', () => {
    expect(loadConfig({}).limits.maxDecodePixels).toBe(80_000_000);
    expect(loadConfig({ MAX_IMAGE_PIXELS: '1000' }).limits.maxDecodePixels).toBe(2000);
    expect(loadConfig({ MAX_DECODE_PIXELS: '' }).limits.maxDecodePixels).toBe(80_000_000);
    expect(loadConfig({ MAX_DECODE_PIXELS: '50000000' }).limits.maxDecodePixels).toBe(50_000_000);
    for (const bad of ['0', '-5', '1.5', 'lots', '1e300']) expect(() => loadConfig({ MAX_DECODE_PIXELS: bad })).toThrow(/MAX_DECODE_PIXELS/);
  });
});
