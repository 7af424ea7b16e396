import { describe, expect, it } from 'vitest';
import { defaultWasmThreadCount, MAX_WASM_THREADS, wasmThreadCount } from '../../../src/lib/models/runtime';

describe('WASM thread count', () => {
  it('is 1 without cross-origin isolation, where WebAssembly threads cannot exist', () => {
    expect(wasmThreadCount(false, 16)).toBe(1);
    expect(defaultWasmThreadCount(false, 16)).toBe(1);
  });

  it('takes every core but one when isolated, up to the cap, where ONNX Runtime would take half', () => {
    const cores = [1, 2, 4, 6, 8, 32];
    expect(cores.map((count) => wasmThreadCount(true, count))).toEqual([1, 1, 3, 5, 7, MAX_WASM_THREADS]);
    // onnxruntime-web's own rule, min(4, ceil(cores / 2)): 1 thread on a 2-core machine.
    expect([1, 2, 4, 6, 8, 32].map((cores) => defaultWasmThreadCount(true, cores))).toEqual([
      1, 1, 2, 3, 4, 4,
    ]);
  });

  it('falls back to one thread when the core count is unknown or nonsense', () => {
    for (const cores of [undefined, 0, -2, 2.5, Number.NaN]) expect(wasmThreadCount(true, cores)).toBe(1);
  });
});
