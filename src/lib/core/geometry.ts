/**
 * Box geometry: areas, overlaps and IoU of pixel xywh boxes.
 *
 * Every box here is `[x, y, width, height]` in continuous pixel coordinates of the displayed image
 * (see `dataset.ts`): a box covers `[x, x + width) × [y, y + height)`, so its area is `width * height`
 * with no VOC-style "+1". A box with a non-positive width or height has zero area and overlaps nothing.
 *
 * For bulk work, boxes are *packed*: a `Float64Array` of `4 * n` numbers, box `i` at `[4i, 4i + 4)`.
 */

import type { BoxXYWH } from './dataset';

/** Area of a pixel xywh box, in square pixels; 0 for an empty or inverted box. */
export function boxArea(box: Readonly<BoxXYWH>): number {
  return positiveArea(box[2], box[3]);
}

/**
 * Intersection over union of two pixel xywh boxes.
 *
 * @returns a number in [0, 1]; 0 when either box is empty or they do not overlap.
 */
export function iou(a: Readonly<BoxXYWH>, b: Readonly<BoxXYWH>): number {
  return overlapRatio(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3], false);
}

/**
 * Intersection of `box` with `region`, divided by the area of `box`: how much of `box` lies inside.
 *
 * COCO uses this instead of IoU against crowd regions, because one crowd region covers many objects
 * and a correct single-object box inside it has a small IoU with the whole region.
 *
 * @returns a number in [0, 1]; 0 when `box` is empty.
 */
export function intersectionOverArea(box: Readonly<BoxXYWH>, region: Readonly<BoxXYWH>): number {
  return overlapRatio(box[0], box[1], box[2], box[3], region[0], region[1], region[2], region[3], true);
}

/**
 * Packs boxes into one `Float64Array` of `4 * boxes.length` numbers (xywh, pixels).
 *
 * A missing box (`undefined`, e.g. an image-level label) is packed as four zeros, an empty box that
 * overlaps nothing.
 */
export function packBoxes(boxes: readonly (Readonly<BoxXYWH> | undefined)[]): Float64Array {
  const packed = new Float64Array(boxes.length * 4);
  for (let i = 0; i < boxes.length; i++) {
    const box = boxes[i];
    if (box) packed.set(box, i * 4);
  }
  return packed;
}

/**
 * IoU of box `i` of packed array `a` with box `j` of packed array `b` (pixel xywh, see `packBoxes`).
 */
export function packedIou(a: Float64Array, i: number, b: Float64Array, j: number): number {
  const p = i * 4;
  const q = j * 4;
  return overlapRatio(a[p], a[p + 1], a[p + 2], a[p + 3], b[q], b[q + 1], b[q + 2], b[q + 3], false);
}

/**
 * Like `intersectionOverArea`, for box `i` of packed `boxes` inside box `j` of packed `regions`.
 */
export function packedIntersectionOverArea(
  boxes: Float64Array,
  i: number,
  regions: Float64Array,
  j: number,
): number {
  const p = i * 4;
  const q = j * 4;
  return overlapRatio(
    boxes[p],
    boxes[p + 1],
    boxes[p + 2],
    boxes[p + 3],
    regions[q],
    regions[q + 1],
    regions[q + 2],
    regions[q + 3],
    true,
  );
}

/**
 * IoU of every box of `a` (m boxes) with every box of `b` (n boxes), both packed pixel xywh.
 *
 * @param out - optional buffer of at least `m * n` numbers to write into (reused across images to
 *   avoid garbage); a new one is allocated when absent.
 * @returns row-major m×n matrix: entry `i * n + j` is the IoU of `a`'s box `i` with `b`'s box `j`.
 */
export function iouMatrix(a: Float64Array, b: Float64Array, out?: Float64Array): Float64Array {
  const m = boxCount(a, 'a');
  const n = boxCount(b, 'b');
  if (out && out.length < m * n) {
    throw new RangeError(`invalid out buffer: length ${out.length} (expected at least ${m * n})`);
  }
  const matrix = out ?? new Float64Array(m * n);

  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) matrix[i * n + j] = packedIou(a, i, b, j);
  }
  return matrix;
}

/** Converts corner form `[x1, y1, x2, y2]` (pixels) to pixel xywh. */
export function xyxyToXywh(x1: number, y1: number, x2: number, y2: number): BoxXYWH {
  return [x1, y1, x2 - x1, y2 - y1];
}

function boxCount(packed: Float64Array, name: string): number {
  if (packed.length % 4 !== 0) {
    throw new RangeError(`invalid packed boxes ${name}: length ${packed.length} (expected a multiple of 4)`);
  }
  return packed.length / 4;
}

function positiveArea(width: number, height: number): number {
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * Shared core of IoU and intersection-over-area, on scalars so the packed paths allocate nothing.
 * `overFirst` divides by the first box's area instead of the union.
 */
function overlapRatio(
  ax: number,
  ay: number,
  aw: number,
  ah: number,
  bx: number,
  by: number,
  bw: number,
  bh: number,
  overFirst: boolean,
): number {
  const areaA = positiveArea(aw, ah);
  const areaB = positiveArea(bw, bh);
  if (areaA === 0 || areaB === 0) return 0;

  const width = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const height = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  const intersection = positiveArea(width, height);
  if (intersection === 0) return 0;

  const denominator = overFirst ? areaA : areaA + areaB - intersection;
  // Rounding can push the ratio a hair past 1 for near-identical boxes; 1 is the true bound.
  return Math.min(1, intersection / denominator);
}
