/** Pixel boxes as COCO writes them: `[x, y, width, height]`, origin at the top-left corner. */

/** @param {number[]} a @param {number[]} b */
function intersection(a, b) {
  const width = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return width > 0 && height > 0 ? width * height : 0;
}

/** Intersection over union of two xywh boxes; 0 when either is empty. */
export function iou(a, b) {
  const shared = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - shared;
  return union > 0 ? shared / union : 0;
}

/** Share of the smaller box covered by the other: 1 when one box sits inside the other. */
export function overlapOfSmaller(a, b) {
  const smaller = Math.min(a[2] * a[3], b[2] * b[3]);
  return smaller > 0 ? intersection(a, b) / smaller : 0;
}

/** Largest IoU between `box` and any of `others`; 0 when there are none. */
export function maxIou(box, others) {
  return others.reduce((best, other) => Math.max(best, iou(box, other)), 0);
}

/**
 * Cuts a box given by its edges to the image and returns it as xywh, or null when less than
 * `minimum` pixels of width or height remain.
 */
export function clipEdges(left, top, right, bottom, width, height, minimum = 2) {
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(width, right);
  const y1 = Math.min(height, bottom);
  return x1 - x0 >= minimum && y1 - y0 >= minimum ? [x0, y0, x1 - x0, y1 - y0] : null;
}

/** Rounds every coordinate to `decimals` places, so JSON stays short and exact. */
export function roundBox(box, decimals) {
  return box.map((value) => roundTo(value, decimals));
}

/** Rounds half away from zero at `decimals` places; only `* / Math.round`, so exact everywhere. */
export function roundTo(value, decimals) {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
