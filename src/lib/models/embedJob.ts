/**
 * One embedding job: whole images or box crops, read and preprocessed batch by batch while the model
 * embeds the batch before, each batch handed over (and stored by the caller) before the next runs.
 * Where pixels come from is an `ImageReader`: `createImageBitmap` in the worker, plain arrays in Node.
 */
import { AbortError } from '../core/errors';
import type { BoxXYWH } from '../core/dataset';
import { cropRegion, planBatches, prescaledSize, type EmbedBatch, type PixelRect } from '../core/embedPlan';
import { runPipeline, settleWithLimit } from '../core/pipeline';
import { outputSize, preprocessImage, type PixelImage, type PreprocessConfig } from '../core/preprocess';

/** A decoded image, open until `close`. Sizes are displayed pixels (EXIF orientation applied). */
export interface OpenedImage {
  width: number;
  height: number;
  /** The pixels of `region`, scaled (only ever down) to `size` by the reader's own filter. */
  read(region: PixelRect, size: { width: number; height: number }): Promise<PixelImage>;
  close(): void;
}

export interface ImageReader {
  /** Decodes the image at `path`; rejects when it cannot. */
  open(path: string): Promise<OpenedImage>;
}

/** What to embed: per item the image it reads and, for objects, the box to crop. */
export interface EmbedJob {
  paths: string[];
  /** 4 numbers (pixel xywh) per item, or null to embed whole images. */
  boxes: Float64Array | null;
  /** Context around each box, as a fraction of its size per side. */
  margin: number;
  /** Items per model run. */
  batchSize: number;
}

/** Why an item has no vector: its image did not decode, or its box has no pixels in the image. */
export interface EmbedFailure {
  item: number;
  kind: 'decode' | 'box';
  message: string;
}

/** The outcome of items `[start, end)` of the job. */
export interface EmbedBatchResult {
  start: number;
  end: number;
  /** L2-normalised rows of `dim` floats, one per item that succeeded, in item order. */
  vectors: Float32Array;
  /** Per item of the batch: its row in `vectors`, or -1. */
  rows: Int32Array;
  failures: EmbedFailure[];
}

/** The model side of a job: its preprocessing, and a vision tower taking `pixel_values` rows. */
export interface PixelEmbedder {
  readonly preprocessing: PreprocessConfig;
  embedPixels(pixels: Float32Array, count: number, options?: { signal?: AbortSignal }): Promise<Float32Array>;
}

/** Images decoded at once per batch: full-size photos are tens of megabytes each. */
const DECODE_CONCURRENCY = 4;

interface PreparedBatch {
  batch: EmbedBatch;
  pixels: Float32Array;
  /** Per item of the batch: its row in `pixels`, or -1. */
  rows: Int32Array;
  count: number;
  failures: EmbedFailure[];
}

/**
 * Runs a job to the end, calling `onBatch` once per batch in order and waiting for it before the
 * next batch runs (while the batch after is already being read).
 * @throws AbortError when `signal` fires (between batches, or between images while reading)
 */
export async function runEmbedJob(
  job: EmbedJob,
  embedder: PixelEmbedder,
  reader: ImageReader,
  onBatch: (result: EmbedBatchResult) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  if (job.boxes && job.boxes.length !== job.paths.length * 4)
    throw new RangeError(
      `invalid boxes: ${job.boxes.length} numbers for ${job.paths.length} items, expected 4 each`,
    );
  const batches = planBatches(job.paths, job.batchSize);
  const { width, height } = outputSize(embedder.preprocessing);
  const floats = 3 * width * height;

  await runPipeline<PreparedBatch, EmbedBatchResult>(
    batches.length,
    {
      prepare: (index) => prepareBatch(job, batches[index], embedder.preprocessing, floats, reader, signal),
      run: async ({ batch, pixels, rows, count, failures }) => {
        const vectors =
          count > 0
            ? await embedder.embedPixels(pixels.subarray(0, count * floats), count, { signal })
            : new Float32Array(0);
        return { start: batch.start, end: batch.end, vectors, rows, failures };
      },
      deliver: onBatch,
    },
    signal,
  );
}

/** Reads, crops and preprocesses one batch into packed `pixel_values` rows (failed items leave no gap). */
async function prepareBatch(
  job: EmbedJob,
  batch: EmbedBatch,
  config: PreprocessConfig,
  floats: number,
  reader: ImageReader,
  signal: AbortSignal | undefined,
): Promise<PreparedBatch> {
  const size = batch.end - batch.start;
  const pixels = new Float32Array(size * floats);
  const done = new Uint8Array(size);
  const failures: EmbedFailure[] = [];

  // Each image is decoded once for all its items, each item written at its own slot.
  const outcomes = await settleWithLimit(batch.images, DECODE_CONCURRENCY, async ({ path, items }) => {
    if (signal?.aborted) throw new AbortError();
    const image = await reader.open(path);
    try {
      for (const item of items) {
        const region = regionOf(job, item, image);
        if (!region) {
          failures.push({
            item,
            kind: 'box',
            message: `${path}: box ${describeBox(job, item)} has no pixels in the ${image.width}x${image.height} image`,
          });
          continue;
        }
        const scaled = prescaledSize(region.width, region.height, config) ?? region;
        const read = await image.read(region, { width: scaled.width, height: scaled.height });
        preprocessImage(read, config, pixels, (item - batch.start) * floats);
        done[item - batch.start] = 1;
      }
    } finally {
      image.close();
    }
  });
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    if (outcome.reason instanceof AbortError) throw outcome.reason;
    const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    for (const item of batch.images[i].items)
      if (!done[item - batch.start]) failures.push({ item, kind: 'decode', message });
  });

  // Pack the rows that succeeded to the front, in item order, for the model.
  const rows = new Int32Array(size).fill(-1);
  let count = 0;
  for (let slot = 0; slot < size; slot++) {
    if (!done[slot]) continue;
    if (slot !== count) pixels.copyWithin(count * floats, slot * floats, (slot + 1) * floats);
    rows[slot] = count++;
  }
  failures.sort((a, b) => a.item - b.item);
  return { batch, pixels, rows, count, failures };
}

/** The pixels an item reads: the whole image, or its box grown by the margin and clipped. */
function regionOf(job: EmbedJob, item: number, image: OpenedImage): PixelRect | null {
  if (!job.boxes) return { x: 0, y: 0, width: image.width, height: image.height };
  const box = Array.from(job.boxes.subarray(item * 4, item * 4 + 4)) as BoxXYWH;
  return cropRegion(box, image.width, image.height, job.margin);
}

function describeBox(job: EmbedJob, item: number): string {
  return `[${Array.from(job.boxes!.subarray(item * 4, item * 4 + 4)).join(', ')}]`;
}
