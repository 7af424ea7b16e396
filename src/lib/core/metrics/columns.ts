/**
 * Detection inputs as columns, the form every metric in this folder reads: typed arrays indexed like
 * `dataset.groundTruth` and `run.predictions`, so 100k boxes cost a few megabytes and no objects.
 *
 * Classes are *positions* in `categoryIds` (0 .. K - 1); -1 marks an item no metric looks at (an
 * image-level label, a box of a category outside the evaluated list).
 */

import type { Dataset, PredictionRun } from '../dataset';
import { categoryIndex } from '../dataset';

export interface DetectionColumns {
  imageCount: number;
  /**
   * Per image: its place in the order that breaks score ties between images (lower first). COCO sorts
   * images by id; `detectionColumns` uses the numeric COCO id when every image has one, else the index.
   */
  imageOrder: Int32Array;
  /** The evaluated category ids; class position `k` is `categoryIds[k]`. */
  categoryIds: number[];
  gtImage: Int32Array;
  /** Class position of each ground truth, or -1 to leave it out. */
  gtClass: Int32Array;
  /** Packed pixel xywh, 4 numbers per ground truth. */
  gtBoxes: Float64Array;
  /** Area in square pixels used for COCO's area ranges (COCO: the annotation's `area` field). */
  gtArea: Float64Array;
  /** 1 for a COCO crowd region (`iscrowd`). */
  gtCrowd: Uint8Array;
  /** 1 for a Pascal VOC `difficult` object. */
  gtDifficult: Uint8Array;
  predImage: Int32Array;
  /** Class position of each prediction, or -1 to leave it out. */
  predClass: Int32Array;
  /** Packed pixel xywh, 4 numbers per prediction. */
  predBoxes: Float64Array;
  predScore: Float64Array;
}

/**
 * Columns of a dataset's ground truth and one run's predictions, for every category of the dataset.
 *
 * Known shortcoming: the dataset model does not keep COCO's annotation `area` (the segmentation's
 * area), so area ranges use the box area `width * height`; on COCO files whose `area` differs from the
 * box area, APsmall/medium/large and ARsmall/medium/large can differ slightly from pycocotools. Tests
 * and tools that have the `area` field can overwrite `gtArea`.
 */
export function detectionColumns(dataset: Dataset, run: PredictionRun): DetectionColumns {
  const positions = categoryIndex(dataset.categories);
  const { groundTruth } = dataset;
  const { predictions } = run;
  const columns: DetectionColumns = {
    imageCount: dataset.images.length,
    imageOrder: imageOrderOf(dataset),
    categoryIds: dataset.categories.map((category) => category.id),
    gtImage: new Int32Array(groundTruth.length),
    gtClass: new Int32Array(groundTruth.length),
    gtBoxes: new Float64Array(groundTruth.length * 4),
    gtArea: new Float64Array(groundTruth.length),
    gtCrowd: new Uint8Array(groundTruth.length),
    gtDifficult: new Uint8Array(groundTruth.length),
    predImage: new Int32Array(predictions.length),
    predClass: new Int32Array(predictions.length),
    predBoxes: new Float64Array(predictions.length * 4),
    predScore: new Float64Array(predictions.length),
  };

  for (let g = 0; g < groundTruth.length; g++) {
    const gt = groundTruth[g];
    columns.gtImage[g] = gt.imageIndex;
    columns.gtClass[g] = gt.box ? (positions.get(gt.categoryId) ?? -1) : -1;
    if (gt.box) {
      columns.gtBoxes.set(gt.box, g * 4);
      columns.gtArea[g] = gt.box[2] * gt.box[3];
    }
    columns.gtCrowd[g] = gt.crowd ? 1 : 0;
    columns.gtDifficult[g] = gt.difficult ? 1 : 0;
  }
  for (let p = 0; p < predictions.length; p++) {
    const prediction = predictions[p];
    columns.predImage[p] = prediction.imageIndex;
    columns.predClass[p] = prediction.box ? (positions.get(prediction.categoryId) ?? -1) : -1;
    if (prediction.box) columns.predBoxes.set(prediction.box, p * 4);
    columns.predScore[p] = prediction.score;
  }
  return columns;
}

/** COCO's image order (ascending numeric id) when every image has one, else the image index order. */
function imageOrderOf(dataset: Dataset): Int32Array {
  const order = new Int32Array(dataset.images.length);
  // The COCO importer keeps the image id as `cocoImageId`; test readers and older data use `id`.
  const ids = dataset.images.map((image) => image.meta?.cocoImageId ?? image.meta?.id);
  if (!ids.every((id) => typeof id === 'number' && Number.isFinite(id))) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order;
  }
  const sorted = ids.map((_, i) => i).sort((a, b) => (ids[a] as number) - (ids[b] as number) || a - b);
  sorted.forEach((image, rank) => (order[image] = rank));
  return order;
}

/**
 * Checks that every column has the length its counterpart implies and every image index is in range.
 * @throws RangeError naming the column, the bad value and the expectation.
 */
export function checkColumns(columns: DetectionColumns): void {
  const gtCount = columns.gtImage.length;
  const predCount = columns.predImage.length;
  const expect = (name: string, actual: number, wanted: number) => {
    if (actual !== wanted) throw new RangeError(`invalid ${name}: length ${actual} (expected ${wanted})`);
  };
  expect('gtClass', columns.gtClass.length, gtCount);
  expect('gtBoxes', columns.gtBoxes.length, gtCount * 4);
  expect('gtArea', columns.gtArea.length, gtCount);
  expect('gtCrowd', columns.gtCrowd.length, gtCount);
  expect('gtDifficult', columns.gtDifficult.length, gtCount);
  expect('predClass', columns.predClass.length, predCount);
  expect('predBoxes', columns.predBoxes.length, predCount * 4);
  expect('predScore', columns.predScore.length, predCount);
  expect('imageOrder', columns.imageOrder.length, columns.imageCount);
  for (const [name, images] of [
    ['gtImage', columns.gtImage],
    ['predImage', columns.predImage],
  ] as const) {
    for (let i = 0; i < images.length; i++) {
      if (images[i] < 0 || images[i] >= columns.imageCount) {
        throw new RangeError(
          `invalid ${name}[${i}]: ${images[i]} (expected an image index in [0, ${columns.imageCount}))`,
        );
      }
    }
  }
}

/**
 * Item indices grouped by (image, class) key `image * K + class`, ascending key then ascending item
 * index; items with class -1 are left out. One numeric sort of packed keys: no comparator calls.
 *
 * @returns `items` in group order and `keys`, the group key of each listed item.
 */
export function groupByImageAndClass(
  image: Int32Array,
  classOf: Int32Array,
  classCount: number,
): { items: Int32Array; keys: Float64Array } {
  const n = image.length;
  const packed = new Float64Array(n);
  let kept = 0;
  // key * n + index fits a double exactly for any realistic size (keys < 2^32, n < 2^21).
  for (let i = 0; i < n; i++) {
    if (classOf[i] < 0) continue;
    packed[kept++] = (image[i] * classCount + classOf[i]) * n + i;
  }
  const sorted = packed.subarray(0, kept).sort();
  const items = new Int32Array(kept);
  const keys = new Float64Array(kept);
  for (let j = 0; j < kept; j++) {
    const index = sorted[j] % n;
    items[j] = index;
    keys[j] = (sorted[j] - index) / n;
  }
  return { items, keys };
}
