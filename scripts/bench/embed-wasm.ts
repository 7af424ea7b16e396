/**
 * A benchmark worker thread: everything that runs on onnxruntime-web's WASM backend, as the app's
 * embedding worker does. The benchmark starts two, one with the app's thread count and one with
 * onnxruntime-web's default; within one worker a single session serves every stage, so the stages
 * differ only in what surrounds `session.run`:
 *
 * - pipeline: Longtail's `runEmbedJob` (planning, reading, core preprocessing, batching), fed by a
 *   Node stand-in for the worker's bitmap reader and a vision tower that does what
 *   `ClipEmbedder.embedPixels` does;
 * - bare: `session.run` on the same images' tensors, preprocessed beforehand, in the same batches;
 * - naive: transformers.js's own image loading and processor, one image per run.
 *
 * transformers.js 4 in Node binds its model classes to onnxruntime-node (handing it onnxruntime-web
 * through `globalThis[Symbol.for('onnxruntime')]` leaves its Node device list empty, and every device
 * is then refused), so neither ClipEmbedder nor `CLIPVisionModelWithProjection` can drive the WASM
 * session here; both only check the input and forward it to `session.run`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import jpeg from 'jpeg-js';
import * as ort from 'onnxruntime-web';
import { AutoProcessor, env, RawImage } from '@huggingface/transformers';
import type { PixelRect } from '../../src/lib/core/embedPlan';
import {
  outputSize,
  parsePreprocessConfig,
  resizeImage,
  type PixelImage,
  type PreprocessConfig,
} from '../../src/lib/core/preprocess';
import { normaliseRows } from '../../src/lib/models/clip';
import {
  runEmbedJob,
  type ImageReader,
  type OpenedImage,
  type PixelEmbedder,
} from '../../src/lib/models/embedJob';
import { applySource, type LocalModelSource } from '../../src/lib/models/modelSource';

/** The embedding worker's batch on WASM (`BATCH_SIZE.other` in workers/embed.worker.ts). */
const BATCH_SIZE = 16;

export interface WasmSetup {
  model: LocalModelSource;
  /** Absolute path of the model folder. */
  dir: string;
  /** Absolute paths of the JPEG files, in benchmark order. */
  imagePaths: string[];
  /** onnxruntime-web threads; undefined keeps its default (half the cores, at most 4). */
  threads?: number;
}

/** Seconds spent in each step of the pipeline stage. */
export interface PipelineSteps {
  decode: number;
  inference: number;
}

export interface StageTiming {
  seconds: number;
  /** `images * dim` floats, row i for image `start + i`; L2-normalised by every stage, for comparison. */
  embeddings: Float32Array;
  /** Where the pipeline stage spent its time; absent for the other stages. */
  steps?: PipelineSteps;
}

/**
 * Node's stand-in for the worker's `BitmapImageReader`: jpeg-js decodes where the browser's
 * createImageBitmap would, and Pillow-exact bicubic (core's `resizeImage`) stands in for the browser's
 * shrinking of large photos. Known shortcoming: EXIF orientation is not applied, so a rotated JPEG
 * embeds unrotated here; the benchmark's VOC images carry none.
 */
class NodeJpegReader implements ImageReader {
  /**
   * Seconds spent decoding, summed over every image opened. Only the synchronous decode is timed: file
   * reads overlap each other (the job opens several images at once), so their wall times would not add.
   */
  seconds = 0;

  async open(path: string): Promise<OpenedImage> {
    const bytes = await readFile(path);
    const began = performance.now();
    const { data, width, height } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    this.seconds += (performance.now() - began) / 1000;
    const image: PixelImage = { data, width, height, channels: 4 };
    return {
      width,
      height,
      read: async (region, size) => this.#read(image, region, size),
      close: () => undefined,
    };
  }

  #read(image: PixelImage, region: PixelRect, size: { width: number; height: number }): PixelImage {
    const whole =
      region.x === 0 && region.y === 0 && region.width === image.width && region.height === image.height;
    const cropped = whole ? image : crop(image, region);
    if (size.width === region.width && size.height === region.height) return cropped;
    return {
      data: resizeImage(cropped, size.width, size.height),
      width: size.width,
      height: size.height,
      channels: 3,
    };
  }
}

function crop(image: PixelImage, region: PixelRect): PixelImage {
  const { channels } = image;
  const data = new Uint8Array(region.width * region.height * channels);
  for (let row = 0; row < region.height; row++) {
    const from = ((region.y + row) * image.width + region.x) * channels;
    data.set(image.data.subarray(from, from + region.width * channels), row * region.width * channels);
  }
  return { data, width: region.width, height: region.height, channels };
}

/**
 * The vision tower on onnxruntime-web, doing what `ClipEmbedder.embedPixels` does: runs of
 * `BATCH_SIZE` images, then L2-normalised rows.
 */
class WasmVisionTower implements PixelEmbedder {
  /** Seconds spent in `session.run`, summed. */
  seconds = 0;

  constructor(
    readonly session: ort.InferenceSession,
    readonly preprocessing: PreprocessConfig,
  ) {}

  get floatsPerImage(): number {
    const { width, height } = outputSize(this.preprocessing);
    return 3 * width * height;
  }

  /** One `session.run` on `count` images; the embeddings as the model returns them. */
  async run(pixels: Float32Array, count: number): Promise<Float32Array> {
    const { width, height } = outputSize(this.preprocessing);
    const began = performance.now();
    const input = new ort.Tensor('float32', pixels, [count, 3, height, width]);
    const { image_embeds } = await this.session.run({ pixel_values: input });
    this.seconds += (performance.now() - began) / 1000;
    return image_embeds.data as Float32Array;
  }

  async embedPixels(pixels: Float32Array, count: number): Promise<Float32Array> {
    const floats = this.floatsPerImage;
    const rows: Float32Array[] = [];
    for (let start = 0; start < count; start += BATCH_SIZE) {
      const size = Math.min(BATCH_SIZE, count - start);
      rows.push(await this.run(pixels.subarray(start * floats, (start + size) * floats), size));
    }
    const output = concatenate(rows);
    return normaliseRows(output, output.length / count);
  }
}

function concatenate(parts: Float32Array[]): Float32Array<ArrayBuffer> {
  const joined = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

type NaiveProcessor = Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;

let tower: WasmVisionTower;
let naiveProcessor: NaiveProcessor;
let imagePaths: string[] = [];
/** Every image as the pipeline preprocesses it: the input of the bare stages. */
let pixels: Float32Array = new Float32Array(0);

/** Longtail's job runner on images `[start, start + count)`: whole images, no boxes. */
async function runJob(start: number, count: number, reader: ImageReader, embedder: PixelEmbedder) {
  const vectors: Float32Array[] = [];
  const job = {
    paths: imagePaths.slice(start, start + count),
    boxes: null,
    margin: 0,
    batchSize: BATCH_SIZE,
  };
  await runEmbedJob(job, embedder, reader, (result) => {
    if (result.failures.length > 0) throw new Error(`cannot embed: ${result.failures[0].message}`);
    vectors.push(result.vectors);
  });
  return concatenate(vectors);
}

const api = {
  /**
   * Opens the session and the processor, and preprocesses every image once, through the pipeline's
   * own reader and preprocessing, for the bare stages.
   * @returns the preprocessed tensors (copied out, for the native baseline), the thread count in use
   *   and the pipeline's batch size
   */
  async setup(setup: WasmSetup): Promise<{ pixels: Float32Array; threads: number; batch: number }> {
    if (setup.threads !== undefined) ort.env.wasm.numThreads = setup.threads;
    const session = await ort.InferenceSession.create(join(setup.dir, 'onnx', 'vision_model.onnx'), {
      executionProviders: ['wasm'],
    });
    const config = JSON.parse(await readFile(join(setup.dir, 'preprocessor_config.json'), 'utf8'));
    tower = new WasmVisionTower(session, parsePreprocessConfig(config));
    naiveProcessor = await AutoProcessor.from_pretrained(applySource(env, setup.model), {
      local_files_only: true,
    });
    imagePaths = setup.imagePaths;

    // An embedder that only keeps what the job hands it: exactly the tensors the pipeline would run.
    const captured: Float32Array[] = [];
    const capture: PixelEmbedder = {
      preprocessing: tower.preprocessing,
      embedPixels: async (batch, count) => {
        captured.push(batch.slice());
        return new Float32Array(count);
      },
    };
    await runJob(0, imagePaths.length, new NodeJpegReader(), capture);
    pixels = concatenate(captured);

    const copy = pixels.slice();
    const threads = Number(ort.env.wasm.numThreads);
    return Comlink.transfer({ pixels: copy, threads, batch: BATCH_SIZE }, [copy.buffer]);
  },

  /** (b) Longtail's pipeline on images `[start, start + count)`, from the files. */
  async pipeline(start: number, count: number): Promise<StageTiming> {
    const reader = new NodeJpegReader();
    tower.seconds = 0;
    const began = performance.now();
    const embeddings = await runJob(start, count, reader, tower);
    const seconds = (performance.now() - began) / 1000;
    const steps = { decode: reader.seconds, inference: tower.seconds };
    return Comlink.transfer({ seconds, embeddings, steps }, [embeddings.buffer]);
  },

  /** Bare inference on the same images' preprocessed tensors, same batches: the pipeline's floor. */
  async bare(start: number, count: number): Promise<StageTiming> {
    const floats = tower.floatsPerImage;
    const rows: Float32Array[] = [];
    const began = performance.now();
    for (let first = start; first < start + count; first += BATCH_SIZE) {
      const size = Math.min(BATCH_SIZE, start + count - first);
      rows.push(await tower.run(pixels.subarray(first * floats, (first + size) * floats), size));
    }
    const seconds = (performance.now() - began) / 1000;
    const embeddings = concatenate(rows);
    normaliseRows(embeddings, embeddings.length / count);
    return Comlink.transfer({ seconds, embeddings }, [embeddings.buffer]);
  },

  /** (c) What a first transformers.js app does: RawImage.read, the processor, one image per run. */
  async naive(start: number, count: number): Promise<StageTiming> {
    const rows: Float32Array[] = [];
    const began = performance.now();
    for (const path of imagePaths.slice(start, start + count)) {
      const image = await RawImage.read(path);
      const { pixel_values } = await naiveProcessor(image);
      rows.push(await tower.run(pixel_values.data as Float32Array, 1));
    }
    const seconds = (performance.now() - began) / 1000;
    const embeddings = concatenate(rows);
    normaliseRows(embeddings, embeddings.length / count);
    return Comlink.transfer({ seconds, embeddings }, [embeddings.buffer]);
  },

  async close(): Promise<void> {
    await tower?.session.release();
  },
};

export type WasmBenchApi = typeof api;
Comlink.expose(api, nodeEndpoint(parentPort!));
