/**
 * CLIP image and text embeddings through transformers.js, in Node (onnxruntime-node: tests and
 * benchmarks) and in a browser worker (onnxruntime-web). One embedder holds one vision session and
 * one text session; a worker owns at most one embedder at a time.
 */
import {
  AutoConfig,
  AutoImageProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
  type RawImage,
  Tensor,
} from '@huggingface/transformers';
import { AbortError } from '../core/errors';
import {
  outputSize,
  parsePreprocessConfig,
  preprocessImage,
  type PixelImage,
  type PreprocessConfig,
} from '../core/preprocess';
import { FOLDER_MODEL_ROOT, ModelFolderReader } from './folderModel';
import { identifyModel } from './identity';
import { applySource, ModelLoadError, type ModelSource, type TransformersEnvironment } from './modelSource';

export { ModelLoadError, type ModelSource } from './modelSource';

export type ClipDevice = 'webgpu' | 'wasm' | 'cpu';
export type ClipDtype = 'fp32' | 'fp16' | 'q8';

export interface ClipEmbedderOptions {
  /** Execution device; defaults to transformers.js's choice ('cpu' in Node, 'wasm' in the browser). */
  device?: ClipDevice;
  /** Weight precision, selecting `onnx/<part>_model{,_fp16,_quantized}.onnx`. Defaults to 'fp32'. */
  dtype?: ClipDtype;
  /** Images per vision session run; bounds peak memory (one 224x224 image is 600 kB of float32 input). */
  imageBatchSize?: number;
  /** Texts per session run. */
  textBatchSize?: number;
  /** Receives transformers.js's per-file loading progress. */
  onProgress?: (info: ProgressInfo) => void;
  /** Last chance to adjust transformers.js's `env` before loading, e.g. ONNX runtime wasm paths. */
  configureEnvironment?: (environment: TransformersEnvironment) => void;
}

/** Per-call options of the embed methods. */
export interface EmbedOptions {
  /** Checked between batches; an aborted call rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** The model produced something other than `[batch, dim]` float32 rows. */
export class ClipOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClipOutputError';
  }
}

const DEVICES: readonly ClipDevice[] = ['webgpu', 'wasm', 'cpu'];
const DTYPES: readonly ClipDtype[] = ['fp32', 'fp16', 'q8'];
const DEFAULT_IMAGE_BATCH = 8;
const DEFAULT_TEXT_BATCH = 64;

/** transformers.js reads its global `env` while loading, so loads take turns. */
let loadQueue: Promise<unknown> = Promise.resolve();

/** The fetch transformers.js started with; a picked folder's load swaps in its own and puts this back. */
const DEFAULT_FETCH = env.fetch;

type ImageProcessor = Awaited<ReturnType<typeof AutoImageProcessor.from_pretrained>>;
type CallableModel = PreTrainedModel & ((inputs: Record<string, Tensor>) => Promise<Record<string, Tensor>>);

interface ClipParts {
  config: Record<string, unknown>;
  tokenizer: PreTrainedTokenizer;
  processor: ImageProcessor;
  vision: CallableModel;
  text: CallableModel;
  /** For a picked folder: the hash of every file the load read (see `ModelFolderReader.fingerprint`). */
  filesHash?: string;
}

/**
 * Embeds images and texts into CLIP's shared space. Every returned row is L2-normalised, so a dot
 * product of two rows is their cosine similarity.
 */
export class ClipEmbedder {
  /** Length of one embedding row. */
  readonly dim: number;
  /**
   * Stable name of the weights and precision that produced the embeddings, e.g.
   * `local:longtail-tiny-clip@467898776d51edab/fp32`. Use it as the embedding cache key.
   */
  readonly identity: string;
  /** The device the sessions actually run on. */
  readonly device: string;
  readonly source: ModelSource;
  /** The model's preprocessor_config.json, read: what `preprocessImage` needs to feed `embedPixels`. */
  readonly preprocessing: PreprocessConfig;

  readonly #parts: ClipParts;
  readonly #imageBatchSize: number;
  readonly #textBatchSize: number;
  #disposed = false;

  private constructor(
    source: ModelSource,
    parts: ClipParts,
    dim: number,
    identity: string,
    preprocessing: PreprocessConfig,
    options: ClipEmbedderOptions,
  ) {
    this.source = source;
    this.#parts = parts;
    this.preprocessing = preprocessing;
    this.dim = dim;
    this.identity = identity;
    this.device = String(parts.vision.sessions.model?.config?.device ?? options.device ?? 'unknown');
    this.#imageBatchSize = options.imageBatchSize ?? DEFAULT_IMAGE_BATCH;
    this.#textBatchSize = options.textBatchSize ?? DEFAULT_TEXT_BATCH;
  }

  /**
   * Loads the tokenizer, image processor and both ONNX sessions of a CLIP model.
   * @throws {ModelLoadError} when options are invalid, a file is missing or a session fails to start
   */
  static async load(source: ModelSource, options: ClipEmbedderOptions = {}): Promise<ClipEmbedder> {
    validateOptions(source, options);
    const turn = loadQueue.then(() => loadParts(source, options));
    loadQueue = turn.catch(() => undefined);
    const parts = await turn;

    const dim = Number(parts.config.projection_dim);
    if (!Number.isInteger(dim) || dim <= 0) {
      await disposeParts(parts);
      throw new ModelLoadError(
        source,
        `invalid projection_dim ${JSON.stringify(parts.config.projection_dim)} in config.json: expected a positive integer`,
      );
    }

    let preprocessing: PreprocessConfig;
    try {
      preprocessing = parsePreprocessConfig(parts.processor.config);
    } catch (error) {
      await disposeParts(parts);
      throw new ModelLoadError(source, errorMessage(error), { cause: error });
    }
    return new ClipEmbedder(
      source,
      parts,
      dim,
      identifyModel(source, parts.config, parts.filesHash, options.dtype ?? 'fp32'),
      preprocessing,
      options,
    );
  }

  /** Width and height of one image of `pixel_values`, e.g. 224 x 224. */
  get inputSize(): { width: number; height: number } {
    return outputSize(this.preprocessing);
  }

  /**
   * Embeds images after the model's preprocessing (for CLIP: shortest edge to 224 with Pillow's
   * bicubic, centre crop, normalise), done by `preprocessImage` so that Node and the browser give the
   * same vectors (except that the app's worker lets the browser shrink photos over twice the input
   * size first: see bitmapReader.ts). Any channel count works; alpha is dropped.
   * @returns `images.length * dim` floats, row i belonging to `images[i]`
   */
  async embedImages(images: RawImage[], options: EmbedOptions = {}): Promise<Float32Array> {
    this.#assertUsable();
    const { width, height } = this.inputSize;
    const floats = 3 * width * height;
    const output = new Float32Array(images.length * this.dim);

    // Preprocess one batch at a time, so a long list never holds every tensor at once.
    for (let start = 0; start < images.length; start += this.#imageBatchSize) {
      throwIfAborted(options.signal);
      const batch = images.slice(start, start + this.#imageBatchSize);
      const pixels = new Float32Array(batch.length * floats);
      batch.forEach((image, i) =>
        preprocessImage(asPixelImage(image), this.preprocessing, pixels, i * floats),
      );
      output.set(await this.embedPixels(pixels, batch.length, options), start * this.dim);
    }
    return output;
  }

  /**
   * Embeds preprocessed images: `count` rows of `pixel_values` (3 planes of `inputSize`, as
   * `preprocessImage` writes them) in one float array, run through the vision tower
   * `imageBatchSize` at a time.
   * @returns `count * dim` floats, L2-normalised, row i belonging to image i
   */
  async embedPixels(
    pixels: Float32Array,
    count: number,
    { signal }: EmbedOptions = {},
  ): Promise<Float32Array> {
    this.#assertUsable();
    const { width, height } = this.inputSize;
    const floats = 3 * width * height;
    if (!Number.isInteger(count) || count < 0 || pixels.length < count * floats)
      throw new RangeError(
        `invalid pixel_values: ${pixels.length} floats for ${count} images of 3x${height}x${width}`,
      );
    const output = new Float32Array(count * this.dim);

    for (let start = 0; start < count; start += this.#imageBatchSize) {
      throwIfAborted(signal);
      const size = Math.min(this.#imageBatchSize, count - start);
      const data = pixels.subarray(start * floats, (start + size) * floats);
      const pixel_values = new Tensor('float32', data, [size, 3, height, width]);
      const { image_embeds } = await this.#parts.vision({ pixel_values });
      output.set(this.#rows(image_embeds, 'image_embeds', size), start * this.dim);
    }
    return normaliseRows(output, this.dim);
  }

  /**
   * Embeds texts, each truncated to the tokenizer's context length (77 tokens for CLIP).
   * @returns `texts.length * dim` floats, row i belonging to `texts[i]`
   */
  async embedTexts(texts: string[], { signal }: EmbedOptions = {}): Promise<Float32Array> {
    this.#assertUsable();
    const output = new Float32Array(texts.length * this.dim);

    for (let start = 0; start < texts.length; start += this.#textBatchSize) {
      throwIfAborted(signal);
      const batch = texts.slice(start, start + this.#textBatchSize);
      const encoded = this.#parts.tokenizer(batch, { padding: true, truncation: true });
      // The session picks the inputs it declares; real CLIP exports take no attention_mask.
      const { text_embeds } = await this.#parts.text(encoded as unknown as Record<string, Tensor>);
      output.set(this.#rows(text_embeds, 'text_embeds', batch.length), start * this.dim);
    }
    return normaliseRows(output, this.dim);
  }

  /** Releases both ONNX sessions; the embedder cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await disposeParts(this.#parts);
  }

  #assertUsable(): void {
    if (this.#disposed) throw new Error(`${this.identity}: embedder used after dispose()`);
  }

  #rows(tensor: Tensor | undefined, name: string, count: number): Float32Array {
    const dims = tensor?.dims ?? [];
    if (
      !tensor ||
      !(tensor.data instanceof Float32Array) ||
      dims.length !== 2 ||
      dims[0] !== count ||
      dims[1] !== this.dim
    ) {
      throw new ClipOutputError(
        `${this.identity}: invalid ${name}: expected float32 [${count}, ${this.dim}], got ${tensor ? `${tensor.type} [${dims.join(', ')}]` : 'no such output'}`,
      );
    }
    return tensor.data;
  }
}

/**
 * Scales each row of a row-major matrix to unit L2 norm, in place. An all-zero row stays zero.
 * @returns the same array
 */
export function normaliseRows(matrix: Float32Array, dim: number): Float32Array {
  for (let offset = 0; offset < matrix.length; offset += dim) {
    let squares = 0;
    for (let i = offset; i < offset + dim; i++) squares += matrix[i] * matrix[i];
    if (squares === 0) continue;
    const scale = 1 / Math.sqrt(squares);
    for (let i = offset; i < offset + dim; i++) matrix[i] *= scale;
  }
  return matrix;
}

function validateOptions(source: ModelSource, options: ClipEmbedderOptions): void {
  const { device, dtype, imageBatchSize, textBatchSize } = options;
  if (device !== undefined && !DEVICES.includes(device)) {
    throw new ModelLoadError(
      source,
      `invalid device ${JSON.stringify(device)}: expected one of ${DEVICES.join(', ')}`,
    );
  }
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    throw new ModelLoadError(
      source,
      `invalid dtype ${JSON.stringify(dtype)}: expected one of ${DTYPES.join(', ')}`,
    );
  }
  for (const [name, value] of Object.entries({ imageBatchSize, textBatchSize })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ModelLoadError(
        source,
        `invalid ${name} ${JSON.stringify(value)}: expected a positive integer`,
      );
    }
  }
}

async function loadParts(source: ModelSource, options: ClipEmbedderOptions): Promise<ClipParts> {
  const modelId = applySource(env, source);
  // A picked folder is read through its handle; every other source through the ordinary fetch.
  const folder =
    source.kind === 'folder'
      ? new ModelFolderReader(source.handle, `${FOLDER_MODEL_ROOT}${modelId}/`, DEFAULT_FETCH)
      : null;
  env.fetch = folder?.fetch ?? DEFAULT_FETCH;
  options.configureEnvironment?.(env);

  // Hub options are shared by every file; a local source must never fall through to the network.
  const pretrained = {
    revision: source.kind === 'hub' ? (source.revision ?? 'main') : 'main',
    local_files_only: source.kind !== 'hub',
    progress_callback: options.onProgress,
  };
  const modelOptions = { ...pretrained, dtype: options.dtype ?? 'fp32', device: options.device };

  let config;
  try {
    config = await AutoConfig.from_pretrained(modelId, pretrained);
  } catch (error) {
    throw new ModelLoadError(source, `cannot read config.json${localHint(source)}`, { cause: error });
  }

  // Loaded together so a failure in one does not leave the other's session running.
  const loads = [
    AutoTokenizer.from_pretrained(modelId, pretrained),
    AutoImageProcessor.from_pretrained(modelId, pretrained),
    CLIPVisionModelWithProjection.from_pretrained(modelId, { ...modelOptions, config }),
    CLIPTextModelWithProjection.from_pretrained(modelId, { ...modelOptions, config }),
  ] as const;
  const settled = await Promise.allSettled(loads);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(
      settled
        .slice(2)
        .map((result) =>
          result.status === 'fulfilled' ? (result.value as PreTrainedModel).dispose() : undefined,
        ),
    );
    throw new ModelLoadError(
      source,
      `cannot load model files: ${errorMessage(failure.reason)}${localHint(source)}`,
      {
        cause: failure.reason,
      },
    );
  }

  const [tokenizer, processor, vision, text] = (settled as PromiseFulfilledResult<unknown>[]).map(
    (result) => result.value,
  );
  return {
    config: config as unknown as Record<string, unknown>,
    tokenizer: tokenizer as PreTrainedTokenizer,
    processor: processor as ImageProcessor,
    vision: vision as CallableModel,
    text: text as CallableModel,
    filesHash: await folder?.fingerprint(),
  };
}

async function disposeParts(parts: ClipParts): Promise<void> {
  await Promise.all([parts.vision.dispose(), parts.text.dispose()]);
}

/** A transformers.js image as the plain pixels `preprocessImage` reads. */
function asPixelImage(image: RawImage): PixelImage {
  const channels = image.channels;
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4)
    throw new RangeError(`invalid channel count ${channels}: expected 1 to 4`);
  return { data: image.data as Uint8ClampedArray, width: image.width, height: image.height, channels };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

function localHint(source: ModelSource): string {
  if (source.kind !== 'local-path' || source.name !== 'longtail-tiny-clip') return '';
  return ' (run `npm run model:test` to generate it)';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
