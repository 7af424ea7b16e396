/**
 * COCO run-length masks, read only as far as the import needs them: the bounding box and pixel
 * count of a crowd region, to fill in a missing `bbox` and to flag a `bbox` that disagrees with
 * its own mask. The arithmetic follows pycocotools' maskApi.c (`rleFrString`, `rleToBbox`,
 * `rleArea`) so the numbers agree with the tool that made the files.
 */

import type { BoxXYWH } from '../dataset';

/** A run-length mask: alternating runs of 0s and 1s (starting with 0s), column-major, on `height × width`. */
export interface RunLengthMask {
  height: number;
  width: number;
  counts: number[];
}

/**
 * Reads a COCO segmentation that is a run-length mask: `{size: [height, width], counts}` with
 * `counts` an array of run lengths (uncompressed) or pycocotools' compressed string.
 *
 * @returns the mask, or null when `segmentation` is a polygon list or malformed.
 */
export function readRunLengthMask(segmentation: unknown): RunLengthMask | null {
  if (typeof segmentation !== 'object' || segmentation === null || Array.isArray(segmentation)) return null;
  const { size, counts } = segmentation as { size?: unknown; counts?: unknown };

  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 0))
    return null;
  const [height, width] = size as [number, number];

  if (typeof counts === 'string') return { height, width, counts: decodeCompressedCounts(counts) };
  if (Array.isArray(counts) && counts.every((n) => Number.isInteger(n) && n >= 0)) {
    return { height, width, counts: counts as number[] };
  }
  return null;
}

/**
 * pycocotools' compressed counts: each run length is written in 5-bit groups, one character each
 * (offset by 48), with bit 0x20 meaning "more groups follow"; from the fourth run on, each value is
 * stored as the difference from the run two places earlier.
 */
export function decodeCompressedCounts(text: string): number[] {
  const counts: number[] = [];
  let position = 0;

  while (position < text.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    while (more && position < text.length) {
      const group = text.charCodeAt(position) - 48;
      value |= (group & 0x1f) << shift;
      more = (group & 0x20) !== 0;
      position++;
      shift += 5;
      // The last group's 0x10 bit is a sign bit: the value is negative, so extend the sign.
      if (!more && group & 0x10) value |= -1 << shift;
    }

    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(value);
  }
  return counts;
}

/**
 * Bounding box of the mask's foreground in pixels, `[x, y, width, height]`, as pycocotools'
 * `toBbox` gives it (an empty mask gives `[0, 0, 0, 0]`).
 */
export function runLengthBoundingBox({ height, width, counts }: RunLengthMask): BoxXYWH {
  // A trailing run of 0s adds no foreground, so pycocotools drops an odd last run.
  const runs = counts.length - (counts.length % 2);
  if (runs === 0 || height === 0) return [0, 0, 0, 0];

  let xStart = width;
  let yStart = height;
  let xEnd = 0;
  let yEnd = 0;
  let covered = 0;
  let previousX = 0;

  for (let j = 0; j < runs; j++) {
    covered += counts[j];
    // Start of a 1-run (j even) or last pixel of that run (j odd), as a column-major position.
    const at = Math.max(0, covered - (j % 2));
    const y = at % height;
    const x = (at - y) / height;

    // A run of 1s that wraps into a later column covers that column's full height.
    if (j % 2 === 0) previousX = x;
    else if (previousX < x) {
      yStart = 0;
      yEnd = height - 1;
    }
    xStart = Math.min(xStart, x);
    xEnd = Math.max(xEnd, x);
    yStart = Math.min(yStart, y);
    yEnd = Math.max(yEnd, y);
  }

  return [xStart, yStart, xEnd - xStart + 1, yEnd - yStart + 1];
}

/** Number of foreground pixels of the mask. */
export function runLengthArea({ counts }: RunLengthMask): number {
  let area = 0;
  for (let j = 1; j < counts.length; j += 2) area += counts[j];
  return area;
}
