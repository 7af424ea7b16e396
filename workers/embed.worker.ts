/**
 * Runs CLIP off the main thread: one model session per worker, kept warm between calls. Images
 * arrive as Blobs and are decoded here, so neither decoding nor inference ever blocks the page.
 */
import * as Comlink from 'comlink';
import { env, RawImage } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortFactoryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { ClipEmbedder, type ModelSource } from '../src/lib/models/clip';

// Serve ONNX Runtime's WASM from this origin: the default points at a CDN, and nothing may leave the machine.
if (env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortFactoryUrl };

export interface ModelInfo {
  identity: string;
  dim: number;
  device: string;
  dtype: string;
}

export interface ImageBatchResult {
  /** Rows of `dim` floats, L2-normalised, one per image that decoded, in input order. */
  vectors: Float32Array;
  /** Per input image: its row in `vectors`, or -1 when it failed. */
  rows: Int32Array;
  /** Per failed input image: why. */
  failures: { position: number; message: string }[];
}

let model: ClipEmbedder | null = null;

/** WebGPU needs an adapter; SwiftShader and old GPUs may offer none, then WASM it is. */
async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function decode(blob: Blob): Promise<RawImage> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return new RawImage(pixels.data, canvas.width, canvas.height, 4);
}

const api = {
  /** Loads (or keeps) the model; `device: 'auto'` takes WebGPU when an adapter exists, else WASM. */
  async load(source: ModelSource, device: 'auto' | 'webgpu' | 'wasm' = 'auto'): Promise<ModelInfo> {
    const chosen = device === 'auto' ? ((await hasWebGpu()) ? 'webgpu' : 'wasm') : device;
    await model?.dispose();
    model = null;
    model = await ClipEmbedder.load(source, { device: chosen, dtype: 'fp32' });
    return { identity: model.identity, dim: model.dim, device: model.device, dtype: 'fp32' };
  },

  async embedImages(blobs: Blob[]): Promise<ImageBatchResult> {
    if (!model) throw new Error('no model loaded: call load() first');

    // Decode all first: a file that fails is reported and skipped, never fatal for the batch.
    const decoded = await Promise.allSettled(blobs.map(decode));
    const images: RawImage[] = [];
    const rows = new Int32Array(blobs.length).fill(-1);
    const failures: ImageBatchResult['failures'] = [];
    decoded.forEach((outcome, position) => {
      if (outcome.status === 'fulfilled') {
        rows[position] = images.length;
        images.push(outcome.value);
      } else {
        failures.push({ position, message: String((outcome.reason as Error)?.message ?? outcome.reason) });
      }
    });

    const vectors = images.length > 0 ? await model.embedImages(images) : new Float32Array(0);
    return Comlink.transfer({ vectors, rows, failures }, [vectors.buffer]);
  },

  async embedText(text: string): Promise<Float32Array> {
    if (!model) throw new Error('no model loaded: call load() first');
    const vector = await model.embedTexts([text]);
    return Comlink.transfer(vector, [vector.buffer]);
  },
};

export type EmbedWorkerApi = typeof api;
Comlink.expose(api);
