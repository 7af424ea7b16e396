/**
 * Runs CLIP off the main thread: one model session per worker, kept warm between calls. The worker
 * reads the folder itself (from a cloneable spec), decodes and preprocesses the next batch while the
 * model embeds the current one, and hands each batch back to be stored before the next runs.
 */
import * as Comlink from 'comlink';
import { env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortFactoryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { ClipEmbedder, type ClipDtype, type ModelSource } from '../src/lib/models/clip';
import { wasmThreadCount } from '../src/lib/models/runtime';
import { BitmapImageReader } from '../src/lib/models/bitmapReader';
import { runEmbedJob, type EmbedBatchResult, type EmbedJob } from '../src/lib/models/embedJob';
import { sourceFromSpec, type SourceSpec } from '../src/lib/storage/browserSources';

export type { EmbedBatchResult, EmbedJob } from '../src/lib/models/embedJob';

// Serve ONNX Runtime's WASM from this origin: the default points at a CDN, and nothing may leave the machine.
if (env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortFactoryUrl };

// Every core but one for inference when the page is cross-origin isolated, instead of ONNX Runtime's
// half (see runtime.ts). Read once: the runtime starts its thread pool with the first session.
const WASM_THREADS = wasmThreadCount(self.crossOriginIsolated, navigator.hardwareConcurrency);
if (env.backends.onnx.wasm) env.backends.onnx.wasm.numThreads = WASM_THREADS;

/** `auto` lets the worker choose (see `chooseDevice`); the others force a backend. */
export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

export interface ModelInfo {
  identity: string;
  /** The weights as a person reads them: the identity without its precision, e.g. `local:longtail-tiny-clip@4678…`. */
  name: string;
  dim: number;
  device: string;
  /** Why this device: shown beside it, e.g. that a software WebGPU adapter was declined. */
  deviceReason: string;
  dtype: string;
  /** ONNX Runtime WASM threads (unused on WebGPU, where the GPU does the work). */
  threads: number;
  /** Images per model run that suits the device. */
  batchSize: number;
  /** Width and height of the model's input. */
  inputSize: { width: number; height: number };
}

/** Images per vision run: the GPU wants big batches; on WASM, bigger batches only delay the first result. */
const BATCH_SIZE = { webgpu: 32, other: 16 };

let model: ClipEmbedder | null = null;
let loaded: { source: ModelSource; device: string; dtype: ClipDtype; info: ModelInfo } | null = null;
let controller = new AbortController();

/**
 * `auto` takes WebGPU only with a real adapter: a fallback adapter (SwiftShader, in software) runs
 * CLIP several times slower than the WASM backend, so it counts as none. The reason is shown to the
 * user beside the device.
 */
async function chooseDevice(device: DeviceChoice): Promise<{ device: 'webgpu' | 'wasm'; reason: string }> {
  if (device !== 'auto')
    return { device, reason: `${device === 'webgpu' ? 'WebGPU' : 'WASM'} chosen by hand` };
  type Adapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return { device: 'wasm', reason: 'WASM: this browser has no WebGPU' };
  let adapter: Adapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    adapter = null;
  }
  if (!adapter) return { device: 'wasm', reason: 'WASM: WebGPU offers no adapter here' };
  if (adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false)
    return {
      device: 'wasm',
      reason: 'WASM: the only WebGPU adapter is a software fallback, slower than WASM on the CPU',
    };
  return { device: 'webgpu', reason: 'WebGPU: a hardware adapter is available' };
}

/** Whether two sources name the same model files: a picked folder by its handle, others by value. */
async function sameSource(a: ModelSource, b: ModelSource): Promise<boolean> {
  if (a.kind === 'folder' && b.kind === 'folder')
    return (a.handle as unknown as FileSystemHandle).isSameEntry(b.handle as unknown as FileSystemHandle);
  return JSON.stringify(a) === JSON.stringify(b);
}

function requireModel(): ClipEmbedder {
  if (!model) throw new Error('no model loaded: call load() first');
  return model;
}

const api = {
  /**
   * Loads (or keeps) the model; `device: 'auto'` takes WebGPU when a hardware adapter exists, else
   * WASM. `dtype` picks the weight files (fp16 and q8 are smaller and, on WASM, q8 is faster, at
   * some cost in accuracy); each precision is its own model identity, so caches never mix.
   */
  async load(
    source: ModelSource,
    device: DeviceChoice = 'auto',
    dtype: ClipDtype = 'fp32',
  ): Promise<ModelInfo> {
    const chosen = await chooseDevice(device);
    // The same source on the same device keeps its session: a reload takes seconds.
    // Known shortcoming: a model folder changed (on the server or on disk) while the page is open
    // keeps being served from the old session, under the old identity, until the page reloads.
    if (
      model &&
      loaded &&
      loaded.device === chosen.device &&
      loaded.dtype === dtype &&
      (await sameSource(loaded.source, source))
    )
      return { ...loaded.info, deviceReason: chosen.reason };

    const batchSize = chosen.device === 'webgpu' ? BATCH_SIZE.webgpu : BATCH_SIZE.other;
    await model?.dispose();
    model = null;
    loaded = null;
    model = await ClipEmbedder.load(source, { device: chosen.device, dtype, imageBatchSize: batchSize });
    const info: ModelInfo = {
      identity: model.identity,
      name: model.identity.replace(/\/[^/]*$/, ''),
      dim: model.dim,
      device: model.device,
      deviceReason: chosen.reason,
      dtype,
      // Read back: ONNX Runtime drops to 1 thread (and says so only in the console) when it cannot start more.
      threads: chosen.device === 'wasm' ? Number(env.backends.onnx.wasm?.numThreads ?? 1) : 1,
      batchSize,
      inputSize: model.inputSize,
    };
    loaded = { source, device: chosen.device, dtype, info };
    return info;
  },

  /**
   * Embeds whole images or box crops of the folder `spec` names; `onBatch` receives each batch (its
   * vectors transferred) and the next batch runs once it returns. Undecodable images and boxes with
   * no pixels are reported in the batch's failures and skipped.
   */
  async embed(
    spec: SourceSpec,
    job: EmbedJob,
    onBatch: (result: EmbedBatchResult) => Promise<void>,
  ): Promise<void> {
    const embedder = requireModel();
    controller.abort();
    controller = new AbortController();
    const reader = new BitmapImageReader(sourceFromSpec(spec));
    await runEmbedJob(
      job,
      embedder,
      reader,
      (result) => onBatch(Comlink.transfer(result, [result.vectors.buffer])),
      controller.signal,
    );
  },

  /** Stops the job under way between batches; `embed` then rejects with an AbortError. */
  cancel(): void {
    controller.abort();
  },

  async embedText(text: string): Promise<Float32Array> {
    const vector = await requireModel().embedTexts([text]);
    return Comlink.transfer(vector, [vector.buffer]);
  },
};

export type EmbedWorkerApi = typeof api;
Comlink.expose(api);
