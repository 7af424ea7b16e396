import { describe, expect, it } from 'vitest';
import { RateMeter, runPipeline, settleWithLimit } from '../../../src/lib/core/pipeline';

/** A promise with its resolve handle, to step a pipeline by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('runPipeline', () => {
  it('prepares batch i + 1 while batch i runs, and runs i + 1 only after i was delivered', async () => {
    const events: string[] = [];
    const runs = [deferred(), deferred(), deferred()];
    const pipeline = runPipeline(
      3,
      {
        prepare: async (i) => {
          events.push(`prepare ${i}`);
          return i;
        },
        run: async (i) => {
          events.push(`run ${i}`);
          await runs[i].promise;
          return i * 10;
        },
        deliver: async (result, i) => {
          events.push(`deliver ${i}:${result}`);
        },
      },
      undefined,
    );

    await tick();
    expect(events).toEqual(['prepare 0', 'prepare 1', 'run 0']);
    runs[0].resolve();
    await tick();
    expect(events).toEqual(['prepare 0', 'prepare 1', 'run 0', 'deliver 0:0', 'prepare 2', 'run 1']);
    runs[1].resolve();
    runs[2].resolve();
    await pipeline;
    expect(events.slice(6)).toEqual(['deliver 1:10', 'run 2', 'deliver 2:20']);
  });

  it('never prepares more than one batch ahead while a delivery is held', async () => {
    const delivered = deferred();
    let prepared = 0;
    const pipeline = runPipeline(5, {
      prepare: async () => void prepared++,
      run: async () => undefined,
      deliver: async (_, i) => {
        if (i === 0) await delivered.promise;
      },
    });
    await tick();
    expect(prepared).toBe(2);
    delivered.resolve();
    await pipeline;
    expect(prepared).toBe(5);
  });

  it('stops between batches once aborted, and delivers nothing after', async () => {
    const controller = new AbortController();
    const delivered: number[] = [];
    const pipeline = runPipeline(
      4,
      {
        prepare: async (i) => i,
        run: async (i) => i,
        deliver: (i) => {
          delivered.push(i);
          if (i === 1) controller.abort();
        },
      },
      controller.signal,
    );
    await expect(pipeline).rejects.toMatchObject({ name: 'AbortError' });
    expect(delivered).toEqual([0, 1]);
  });

  it('passes on the first failure, including one of a batch prepared ahead', async () => {
    await expect(
      runPipeline(3, {
        prepare: async (i) => {
          if (i === 1) throw new Error('cannot read batch 1');
          return i;
        },
        run: async (i) => i,
        deliver: () => undefined,
      }),
    ).rejects.toThrow('cannot read batch 1');

    await expect(
      runPipeline(3, {
        prepare: async (i) => i,
        run: async (i) => {
          if (i === 0) throw new Error('model failed');
          return i;
        },
        deliver: () => undefined,
      }),
    ).rejects.toThrow('model failed');
  });

  it('does nothing for zero batches', async () => {
    let calls = 0;
    await runPipeline(0, {
      prepare: async () => void calls++,
      run: async () => void calls++,
      deliver: () => void calls++,
    });
    expect(calls).toBe(0);
  });
});

describe('settleWithLimit', () => {
  it('keeps at most `limit` calls under way and settles each in its place', async () => {
    let running = 0;
    let most = 0;
    const results = await settleWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (value) => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      if (value === 4) throw new Error('four');
      return value * 2;
    });
    expect(most).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      2,
      4,
      6,
      'four',
      10,
      12,
      14,
    ]);
    expect(await settleWithLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('RateMeter', () => {
  it('counts items per second of running time, leaving pauses out', () => {
    let now = 0;
    const meter = new RateMeter(() => now);
    expect(meter.perSecond).toBe(0);
    expect(meter.secondsLeft(10)).toBeNaN();

    meter.start();
    now = 2000;
    meter.add(10);
    expect(meter.perSecond).toBe(5);
    meter.stop();
    now = 60_000;
    expect(meter.perSecond).toBe(5);
    meter.start();
    now = 62_000;
    meter.add(10);
    expect(meter.perSecond).toBe(5);
    expect(meter.secondsLeft(25)).toBe(5);
  });
});
