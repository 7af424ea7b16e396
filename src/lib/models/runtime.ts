/**
 * How many threads ONNX Runtime's WASM backend gets. Its own default is `min(4, ceil(cores / 2))`,
 * which leaves half of a 4- or 8-core machine idle while the embedding worker is the only heavy
 * thing running. Longtail takes every core but one, capped: the spare core keeps the page's main
 * thread, the browser's image decoders and the worker's own preprocessing from waiting behind the
 * thread pool. On a 2-core machine that is one thread, as ONNX Runtime would choose: measured on a
 * shared 2-core machine (`npm run bench:embed`), two threads ran bare inference at 0.43x to 1.63x the
 * speed of one, slower in three runs of four, because a pool thread that loses its core stalls the
 * others.
 */

/** Beyond this, ViT-B/32 at batch 16 gains little per extra thread and the pool's memory grows. */
export const MAX_WASM_THREADS = 8;

/**
 * Threads for ONNX Runtime's WASM backend.
 * @param isolated whether the page is cross-origin isolated (`self.crossOriginIsolated`): without it
 *   there is no SharedArrayBuffer, so no WebAssembly threads
 * @param cores logical cores (`navigator.hardwareConcurrency`); 0 or undefined when unknown
 * @returns a thread count from 1 to {@link MAX_WASM_THREADS}
 */
export function wasmThreadCount(isolated: boolean, cores: number | undefined): number {
  if (!isolated) return 1;
  const known = Number.isInteger(cores) && (cores as number) > 0 ? (cores as number) : 1;
  return Math.max(1, Math.min(MAX_WASM_THREADS, known - 1));
}

/** ONNX Runtime Web's own default for the same machine, for comparison in the UI and benchmarks. */
export function defaultWasmThreadCount(isolated: boolean, cores: number | undefined): number {
  if (!isolated) return 1;
  return Math.min(4, Math.ceil((cores || 1) / 2));
}
