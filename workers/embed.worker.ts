/**
 * Runs CLIP off the main thread: one model session per worker, kept warm between calls. The worker
 * reads the folder itself (from a cloneable spec), decodes and preprocesses the next batch while the
 * model embeds the current one, and hands each batch back to be stored before the next runs.
 */
import * as Comlink from 'comlink';
import { env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortFactoryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { ClipEmbedder, type ModelSource } from '../src/lib/models/clip';
import { BitmapImageReader } from '../src/lib/models/bitmapReader';
import { runEmbedJob, type EmbedBatchResult, type EmbedJob } from '../src/lib/models/embedJob';
import { sourceFromSpec, type SourceSpec } from '../src/lib/storage/browserSources';

export type { EmbedBatchResult, EmbedJob } from '../src/lib/models/embedJob';

// Serve ONNX Runtime's WASM from this origin: the default points at a CDN, and nothing may leave the machine.
if (env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortFactoryUrl };

export interface ModelInfo {
  identity: string;
  /** The weights as a person reads them: the identity without its precision, e.g. `local:longtail-tiny-clip@4678…`. */
  name: string;
  dim: number;
  device: string;
  dtype: string;
  /** Images per model run that suits the device. */
  batchSize: number;
  /** Width and height of the model's input. */
  inputSize: { width: number; height: number };
}

/** Images per vision run: the GPU wants big batches; on WASM, bigger batches only delay the first result. */
const BATCH_SIZE = { webgpu: 32, other: 16 };

let model: ClipEmbedder | null = null;
let loaded: { key: string; info: ModelInfo } | null = null;
let controller = new AbortController();

/**
 * WebGPU needs an adapter, and a real one: a fallback adapter (SwiftShader, in software) runs CLIP
 * several times slower than the WASM backend, so it counts as none.
 */
async function hasWebGpu(): Promise<boolean> {
  type Adapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter !== null && !(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
  } catch {
    return false;
  }
}

function requireModel(): ClipEmbedder {
  if (!model) throw new Error('no model loaded: call load() first');
  return model;
}

const api = {
  /** Loads (or keeps) the model; `device: 'auto'` takes WebGPU when a hardware adapter exists, else WASM. */
  async load(source: ModelSource, device: 'auto' | 'webgpu' | 'wasm' = 'auto'): Promise<ModelInfo> {
    const chosen = device === 'auto' ? ((await hasWebGpu()) ? 'webgpu' : 'wasm') : device;
    // The same source on the same device keeps its session: a reload takes seconds.
    // Known shortcoming: a local model folder replaced on the server while the page is open keeps
    // being served from the old session (and under the old identity) until the page reloads.
    const key = JSON.stringify([source, chosen]);
    if (model && loaded?.key === key) return loaded.info;

    const batchSize = chosen === 'webgpu' ? BATCH_SIZE.webgpu : BATCH_SIZE.other;
    await model?.dispose();
    model = null;
    loaded = null;
    model = await ClipEmbedder.load(source, { device: chosen, dtype: 'fp32', imageBatchSize: batchSize });
    const info: ModelInfo = {
      identity: model.identity,
      name: model.identity.replace(/\/[^/]*$/, ''),
      dim: model.dim,
      device: model.device,
      dtype: 'fp32',
      batchSize,
      inputSize: model.inputSize,
    };
    loaded = { key, info };
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
