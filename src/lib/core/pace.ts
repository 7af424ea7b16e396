/**
 * Pacing a long job that runs in a worker: progress reports no more often than the eye can follow,
 * and, when the job can be cancelled, regular returns to the event loop so the cancel message is
 * heard at all (a worker busy in one long loop never sees it).
 */

import { AbortError } from './errors';

/** Milliseconds between progress reports, and between yields to the event loop. */
export const PACE_INTERVAL_MS = 50;

/** Reports progress and honours an AbortSignal at the pace `step` is called. */
export class Pacer<Progress> {
  readonly #onProgress?: (progress: Progress) => void;
  readonly #signal?: AbortSignal;
  #lastReport = -Infinity;
  #lastYield = performance.now();

  constructor(onProgress?: (progress: Progress) => void, signal?: AbortSignal) {
    this.#onProgress = onProgress;
    this.#signal = signal;
  }

  /** @throws AbortError once the signal has fired. */
  check(): void {
    if (this.#signal?.aborted) throw new AbortError();
  }

  /**
   * A point where the job may report and be cancelled: reports `progress` when `PACE_INTERVAL_MS`
   * passed since the last report (always when `force`: a phase's first and last step), and yields
   * to the event loop as often when there is a signal to listen to.
   *
   * @throws AbortError once the signal has fired.
   */
  async step(progress: Progress, force = false): Promise<void> {
    this.check();
    const now = performance.now();
    if (this.#onProgress && (force || now - this.#lastReport >= PACE_INTERVAL_MS)) {
      this.#lastReport = now;
      this.#onProgress(progress);
    }
    if (this.#signal && now - this.#lastYield >= PACE_INTERVAL_MS) {
      await nextTask();
      this.#lastYield = performance.now();
      this.check();
    }
  }
}

/**
 * Resolves in a new task, after messages already waiting (a cancel among them). A message to
 * oneself rather than `setTimeout(0)`: browsers hold nested timeouts back 4 ms, every time.
 */
function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
