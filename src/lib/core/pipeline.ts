/**
 * Small scheduling helpers for long batched jobs in a worker: a two-stage pipeline that prepares the
 * next batch while the current one runs, a bounded-concurrency map, and a throughput meter that
 * leaves paused time out.
 */
import { AbortError } from './errors';

export interface PipelineStages<Prepared, Result> {
  /** Reads and preprocesses batch `batch`; runs while the previous batch is in `run` and `deliver`. */
  prepare(batch: number): Promise<Prepared>;
  /** The expensive step (model inference). One at a time, in batch order. */
  run(prepared: Prepared, batch: number): Promise<Result>;
  /** Hands a result over; the next batch runs only once this settles. */
  deliver(result: Result, batch: number): Promise<void> | void;
}

/**
 * Runs `count` batches through prepare → run → deliver, preparing batch i + 1 while batch i runs and
 * is delivered, never more than one ahead (so at most two batches are in memory). A consumer that
 * stores each delivery before returning loses at most the batch in flight if the page dies.
 * @throws AbortError when `signal` fires, checked between batches; the first error of any stage
 */
export async function runPipeline<Prepared, Result>(
  count: number,
  stages: PipelineStages<Prepared, Result>,
  signal?: AbortSignal,
): Promise<void> {
  if (count <= 0) return;
  let next = stages.prepare(0);

  for (let batch = 0; batch < count; batch++) {
    const prepared = await next;
    if (signal?.aborted) throw new AbortError();

    // Start on the following batch now, so that reading and decoding overlap inference.
    if (batch + 1 < count) {
      next = stages.prepare(batch + 1);
      // Its failure surfaces when awaited; until then it must not count as unhandled.
      next.catch(() => undefined);
    }
    const result = await stages.run(prepared, batch);
    await stages.deliver(result, batch);
  }
}

/**
 * `Promise.allSettled(items.map(work))` with at most `limit` calls under way at once: decoding a
 * batch of 12-megapixel photos all at once would hold every full-size bitmap in memory together.
 */
export async function settleWithLimit<Item, Value>(
  items: readonly Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Value>,
): Promise<PromiseSettledResult<Value>[]> {
  const results: PromiseSettledResult<Value>[] = new Array(items.length);
  let nextIndex = 0;
  const lane = async () => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/** Items per second over the time a job actually ran (pauses left out), and the time left at that pace. */
export class RateMeter {
  readonly #now: () => number;
  #activeMs = 0;
  #since: number | null = null;
  #done = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Starts (or resumes) the clock. */
  start(): void {
    this.#since ??= this.#now();
  }

  /** Stops the clock (a pause); `start` resumes it. */
  stop(): void {
    if (this.#since === null) return;
    this.#activeMs += this.#now() - this.#since;
    this.#since = null;
  }

  /** Counts finished items. */
  add(count: number): void {
    this.#done += count;
  }

  /** Finished items per second of running time; 0 before anything finished. */
  get perSecond(): number {
    const ms = this.#activeMs + (this.#since === null ? 0 : this.#now() - this.#since);
    return this.#done > 0 && ms > 0 ? (this.#done * 1000) / ms : 0;
  }

  /** Seconds until `remaining` more items are done at the current pace; NaN while unknown. */
  secondsLeft(remaining: number): number {
    const rate = this.perSecond;
    return rate > 0 ? remaining / rate : NaN;
  }
}
