/**
 * The worker-independent half of embedding: which items go into which model batch, which image each
 * batch must decode, what pixel region a box crop reads (with its context margin), and how far the
 * browser may shrink an image before the exact resize takes over.
 */
import type { BoxXYWH, Dataset } from './dataset';
import type { PreprocessConfig } from './preprocess';

/** One model batch: items `[start, end)` of the job, and each image to decode with the items it feeds. */
export interface EmbedBatch {
  start: number;
  end: number;
  images: { path: string; items: number[] }[];
}

/** Integer pixel rectangle in displayed-image coordinates: `[x, x + width)` by `[y, y + height)`. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Boxes as columns: row i is box `indices[i]` of `sources[i]` ('gt' or the run's name; `runs[i]` is
 * -1 for ground truth, else the run's position), on image `paths[i]`, at `boxes[4i..4i+4]` (pixel xywh).
 */
export interface BoxColumns {
  paths: string[];
  sources: string[];
  runs: Int32Array;
  indices: Int32Array;
  boxes: Float64Array;
}

/**
 * Every box of a dataset (ground truth and each run's predictions) ordered by image, so that the
 * crops of a batch share decodes; within an image, ground truth first, then the runs in order.
 * Image-level labels (no box) are left out.
 */
export function listBoxes(dataset: Dataset): BoxColumns {
  const found: { image: number; run: number; index: number; box: BoxXYWH }[] = [];
  for (const annotation of dataset.groundTruth) {
    if (annotation.box)
      found.push({ image: annotation.imageIndex, run: -1, index: annotation.index, box: annotation.box });
  }
  dataset.runs.forEach((run, position) => {
    for (const prediction of run.predictions) {
      if (prediction.box)
        found.push({
          image: prediction.imageIndex,
          run: position,
          index: prediction.index,
          box: prediction.box,
        });
    }
  });
  // Array.prototype.sort is stable, which keeps the order within an image.
  found.sort((a, b) => a.image - b.image);

  const columns: BoxColumns = {
    paths: found.map((entry) => dataset.images[entry.image].path),
    sources: found.map((entry) => (entry.run < 0 ? 'gt' : dataset.runs[entry.run].name)),
    runs: Int32Array.from(found, (entry) => entry.run),
    indices: Int32Array.from(found, (entry) => entry.index),
    boxes: new Float64Array(found.length * 4),
  };
  found.forEach((entry, row) => columns.boxes.set(entry.box, row * 4));
  return columns;
}

/** Context kept around a box on each side, as a fraction of its width (left, right) and height. */
export const DEFAULT_CROP_MARGIN = 0.1;

/** How far above the model's input size the browser may shrink before the exact resize (2: twice). */
export const PRESCALE_FACTOR = 2;

/**
 * Splits the job's items (given by the image path each reads) into consecutive batches of at most
 * `batchSize`, grouping a batch's items by image so that each image is decoded once per batch.
 * Items stay in job order, so item `start + i` is the batch's row `i`.
 */
export function planBatches(paths: readonly string[], batchSize: number): EmbedBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`invalid batch size ${batchSize}: expected a positive integer`);

  const batches: EmbedBatch[] = [];
  for (let start = 0; start < paths.length; start += batchSize) {
    const end = Math.min(paths.length, start + batchSize);
    const byPath = new Map<string, number[]>();
    for (let item = start; item < end; item++) {
      const items = byPath.get(paths[item]);
      if (items) items.push(item);
      else byPath.set(paths[item], [item]);
    }
    batches.push({ start, end, images: [...byPath].map(([path, items]) => ({ path, items })) });
  }
  return batches;
}

/**
 * The pixels a box crop reads: the box grown by `margin` of its width on the left and right and of
 * its height above and below, clipped to the image, then widened to whole pixels (floor the start,
 * ceil the end).
 * @param box pixel xywh in displayed-image coordinates
 * @returns the rectangle, or null when the box is degenerate (not finite, zero or negative size) or
 *   lies wholly outside the image
 */
export function cropRegion(
  box: BoxXYWH,
  imageWidth: number,
  imageHeight: number,
  margin = DEFAULT_CROP_MARGIN,
): PixelRect | null {
  const [x, y, width, height] = box;
  if (![x, y, width, height].every(Number.isFinite) || width <= 0 || height <= 0) return null;

  const left = Math.max(0, Math.floor(x - margin * width));
  const top = Math.max(0, Math.floor(y - margin * height));
  const right = Math.min(imageWidth, Math.ceil(x + width + margin * width));
  const bottom = Math.min(imageHeight, Math.ceil(y + height + margin * height));
  if (right <= left || bottom <= top) return null;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/**
 * The size the browser should shrink a `width` x `height` region to before the exact resize, or null
 * when it is small enough already. Shrinking in the browser's decoder is much faster than resampling
 * a 12-megapixel photo in JavaScript; stopping at `factor` times the model's size leaves the last,
 * visible step to the exact filter (see the worker for what this costs in exactness).
 */
export function prescaledSize(
  width: number,
  height: number,
  config: PreprocessConfig,
  factor = PRESCALE_FACTOR,
): { width: number; height: number } | null {
  const resize = config.resize;
  if (!resize) return null;

  if ('width' in resize) {
    const targetWidth = Math.min(width, factor * resize.width);
    const targetHeight = Math.min(height, factor * resize.height);
    return targetWidth < width || targetHeight < height ? { width: targetWidth, height: targetHeight } : null;
  }

  const short = Math.min(width, height);
  const targetShort = factor * resize.shortestEdge;
  if (short <= targetShort) return null;
  // The short side lands exactly on its target; the long side keeps the aspect, rounded.
  const scale = targetShort / short;
  return width <= height
    ? { width: targetShort, height: Math.max(targetShort, Math.round(height * scale)) }
    : { width: Math.max(targetShort, Math.round(width * scale)), height: targetShort };
}
