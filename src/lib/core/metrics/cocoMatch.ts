/**
 * COCO's per-image evaluation (pycocotools `evaluateImg`), for every image, class, area range and IoU
 * threshold at once, over columns.
 *
 * Per (image, class), exactly as pycocotools does it:
 * - Predictions are ranked by score, highest first; equal scores keep prediction index order (file
 *   order, as pycocotools' stable mergesort keeps it). Only the first `max(maxDetections)` count.
 * - Ground truth is ignored when it is a crowd region or its area lies outside the range (bounds
 *   inclusive); ignored ground truth is visited after the rest.
 * - Each prediction takes the ground truth with the highest IoU at or above the threshold, among those
 *   not yet taken (a crowd region may be taken many times). Equal IoUs go to the one visited *last*:
 *   pycocotools compares with `<`, so a later equal IoU replaces the earlier one. Once a prediction has
 *   a counted candidate, ignored ones are not considered.
 * - A prediction matched to ignored ground truth is ignored; an unmatched one is ignored when its own
 *   area (`width * height`) is outside the range.
 * - IoU with a crowd region is intersection over the prediction's area.
 *
 * Deliberate difference: pycocotools records a match as the ground truth's annotation *id* and tests it
 * for truth, so a ground truth with id 0 can be matched but its prediction still counts as a false
 * positive (and the ground truth as a miss). Longtail records matches by position, so an annotation with
 * id 0 is an ordinary annotation. On files that use id 0 Longtail's numbers are the ones pycocotools
 * gives after renumbering the ids (see the voc_toy_cat reference case).
 */

import { groupByImageAndClass, type DetectionColumns } from './columns';
import type { CocoParams } from './cocoParams';

/** Bit of `predFlags`: the prediction matched ground truth. */
export const MATCHED = 1;
/** Bit of `predFlags`: the prediction is ignored (matched ignored ground truth, or out of area range). */
export const IGNORED = 2;

export interface CocoImageMatches {
  /**
   * Per prediction: its rank among its image's predictions of its class (0 = highest score), or -1 when
   * it is not evaluated (class -1, or ranked past `max(maxDetections)`).
   */
  predRank: Int32Array;
  /** Per (area range a, IoU threshold t, prediction p) at `(a * T + t) * predCount + p`: MATCHED | IGNORED bits. */
  predFlags: Uint8Array;
  /** Per (area range a, IoU threshold t, ground truth g) at `(a * T + t) * gtCount + g`: matched prediction or -1. */
  gtMatch: Int32Array;
  /** Per (class k, area range a) at `k * A + a`: ground truth not ignored (the recall denominator). */
  gtCounted: Int32Array;
}

/** Runs COCO's per-image matching over every (image, class) group. Cost: O(Σ D·G·(A·T + 1)). */
export function matchCocoImages(columns: DetectionColumns, params: CocoParams): CocoImageMatches {
  const K = columns.categoryIds.length;
  const A = params.areaRanges.length;
  const T = params.iouThresholds.length;
  const gtCount = columns.gtImage.length;
  const predCount = columns.predImage.length;
  const matches: CocoImageMatches = {
    predRank: new Int32Array(predCount).fill(-1),
    predFlags: new Uint8Array(A * T * predCount),
    gtMatch: new Int32Array(A * T * gtCount).fill(-1),
    gtCounted: new Int32Array(K * A),
  };

  const gt = groupByImageAndClass(columns.gtImage, columns.gtClass, K);
  const pred = groupByImageAndClass(columns.predImage, columns.predClass, K);
  const scratch = new Scratch();

  // Walk both group lists together, one (image, class) key at a time.
  let i = 0;
  let j = 0;
  while (i < gt.items.length || j < pred.items.length) {
    const key = Math.min(
      i < gt.items.length ? gt.keys[i] : Infinity,
      j < pred.items.length ? pred.keys[j] : Infinity,
    );
    const gtStart = i;
    while (i < gt.items.length && gt.keys[i] === key) i++;
    const predStart = j;
    while (j < pred.items.length && pred.keys[j] === key) j++;
    const group: Group = {
      classIndex: key % K,
      gts: gt.items.subarray(gtStart, i),
      preds: pred.items.subarray(predStart, j),
    };
    matchGroup(columns, params, matches, group, scratch);
  }
  return matches;
}

interface Group {
  classIndex: number;
  gts: Int32Array;
  preds: Int32Array;
}

/** Buffers reused across groups, grown on demand. */
class Scratch {
  ious = new Float64Array(64);
  order = new Int32Array(16);
  ignored = new Uint8Array(16);
  taken = new Int32Array(16);

  fit(predCount: number, gtCount: number): void {
    if (this.ious.length < predCount * gtCount) this.ious = new Float64Array(predCount * gtCount * 2);
    if (this.order.length < gtCount) {
      this.order = new Int32Array(gtCount * 2);
      this.ignored = new Uint8Array(gtCount * 2);
      this.taken = new Int32Array(gtCount * 2);
    }
  }
}

function matchGroup(
  columns: DetectionColumns,
  params: CocoParams,
  matches: CocoImageMatches,
  group: Group,
  scratch: Scratch,
): void {
  const { gtArea, gtCrowd, predBoxes, gtBoxes } = columns;
  const { iouThresholds, areaRanges } = params;
  const T = iouThresholds.length;
  const gtTotal = columns.gtImage.length;
  const predTotal = columns.predImage.length;

  // Rank predictions by score (stable), keep the first max(maxDetections).
  const preds = rankPredictions(group.preds, columns.predScore, params);
  preds.forEach((p, rank) => (matches.predRank[p] = rank));
  const { gts } = group;
  const D = preds.length;
  const G = gts.length;
  scratch.fit(D, G);
  const { ious, order, ignored, taken } = scratch;

  // IoUs once; every area range and threshold reuses them.
  for (let d = 0; d < D; d++) {
    for (let g = 0; g < G; g++)
      ious[d * G + g] = cocoIou(predBoxes, preds[d], gtBoxes, gts[g], gtCrowd[gts[g]]);
  }

  for (let a = 0; a < areaRanges.length; a++) {
    const { min, max } = areaRanges[a];

    // Counted ground truth first, ignored after, each in index order (pycocotools' stable argsort).
    let counted = 0;
    for (let g = 0; g < G; g++) {
      const area = gtArea[gts[g]];
      ignored[g] = gtCrowd[gts[g]] || area < min || area > max ? 1 : 0;
      if (!ignored[g]) order[counted++] = g;
    }
    let next = counted;
    for (let g = 0; g < G; g++) if (ignored[g]) order[next++] = g;
    matches.gtCounted[group.classIndex * areaRanges.length + a] += counted;

    for (let t = 0; t < T; t++) {
      const flagBase = (a * T + t) * predTotal;
      const matchBase = (a * T + t) * gtTotal;
      taken.fill(-1, 0, G);
      for (let d = 0; d < D; d++) {
        const m = bestGroundTruth(ious, d, G, order, ignored, taken, gtCrowd, gts, iouThresholds[t]);
        const p = preds[d];
        if (m >= 0) {
          taken[m] = d;
          matches.gtMatch[matchBase + gts[m]] = p;
          matches.predFlags[flagBase + p] = MATCHED | (ignored[m] ? IGNORED : 0);
        } else {
          const area = predBoxes[p * 4 + 2] * predBoxes[p * 4 + 3];
          matches.predFlags[flagBase + p] = area < min || area > max ? IGNORED : 0;
        }
      }
    }
  }
}

/** pycocotools' inner loop: the ground truth (position in the group) prediction `d` takes, or -1. */
function bestGroundTruth(
  ious: Float64Array,
  d: number,
  G: number,
  order: Int32Array,
  ignored: Uint8Array,
  taken: Int32Array,
  crowd: Uint8Array,
  gts: Int32Array,
  threshold: number,
): number {
  let best = Math.min(threshold, 1 - 1e-10);
  let m = -1;
  for (let o = 0; o < G; o++) {
    const g = order[o];
    if (taken[g] >= 0 && !crowd[gts[g]]) continue;
    // Counted ground truth comes first: once one is found, ignored ones cannot replace it.
    if (m > -1 && !ignored[m] && ignored[g]) break;
    const overlap = ious[d * G + g];
    if (overlap < best) continue;
    best = overlap;
    m = g;
  }
  return m;
}

/** A group's predictions by score descending, ties by index, cut to `max(maxDetections)`. */
function rankPredictions(preds: Int32Array, scores: Float64Array, params: CocoParams): Int32Array {
  const ranked = Int32Array.from(preds);
  // Groups are small: insertion sort is stable and avoids comparator overhead on tiny arrays.
  for (let i = 1; i < ranked.length; i++) {
    const item = ranked[i];
    let j = i - 1;
    for (; j >= 0 && scores[ranked[j]] < scores[item]; j--) ranked[j + 1] = ranked[j];
    ranked[j + 1] = item;
  }
  return ranked.subarray(0, Math.min(ranked.length, params.maxDetections[params.maxDetections.length - 1]));
}

/**
 * IoU of prediction box `p` with ground-truth box `g` (packed xywh), in pycocotools' `bbIou` operation
 * order so the doubles agree bit for bit; for a crowd region the union is the prediction's area.
 */
export function cocoIou(
  predBoxes: Float64Array,
  p: number,
  gtBoxes: Float64Array,
  g: number,
  crowd: number,
): number {
  const dx = predBoxes[p * 4];
  const dy = predBoxes[p * 4 + 1];
  const dw = predBoxes[p * 4 + 2];
  const dh = predBoxes[p * 4 + 3];
  const gx = gtBoxes[g * 4];
  const gy = gtBoxes[g * 4 + 1];
  const gw = gtBoxes[g * 4 + 2];
  const gh = gtBoxes[g * 4 + 3];
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const intersection = w * h;
  const union = crowd ? dw * dh : dw * dh + gw * gh - intersection;
  return intersection / union;
}
