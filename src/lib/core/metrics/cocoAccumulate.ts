/**
 * COCO's accumulation (pycocotools `accumulate`): precision sampled at the recall thresholds and final
 * recall, per IoU threshold, class, area range and max-detections setting.
 *
 * Order of detections across images: score descending; equal scores go to the image that comes first
 * in `imageOrder` (COCO: ascending image id), then to the higher-ranked detection of that image. This is
 * what pycocotools' stable mergesort over per-image lists concatenated in image-id order produces.
 */

import type { DetectionColumns } from './columns';
import { IGNORED, MATCHED, type CocoImageMatches } from './cocoMatch';
import type { CocoParams } from './cocoParams';

/** numpy's `np.spacing(1)`, added to precision's denominator as pycocotools does. */
const EPSILON = 2.220446049250313e-16;

/** Accumulated curves. -1 marks a class without counted ground truth (COCO's "undefined"). */
export interface CocoCurves {
  /** Dimensions T × R × K × A × M, like `eval['precision']`; see `precisionIndex`. */
  precision: Float64Array;
  /** Score of the detection giving each precision sample, same layout; -1 where undefined, 0 past the curve. */
  scores: Float64Array;
  /** Dimensions T × K × A × M, like `eval['recall']`; see `recallIndex`. */
  recall: Float64Array;
  shape: { T: number; R: number; K: number; A: number; M: number };
}

/** Flat index of `precision[t, r, k, a, m]`. */
export function precisionIndex(curves: CocoCurves, t: number, r: number, k: number, a: number, m: number) {
  const { R, K, A, M } = curves.shape;
  return (((t * R + r) * K + k) * A + a) * M + m;
}

/** Flat index of `recall[t, k, a, m]`. */
export function recallIndex(curves: CocoCurves, t: number, k: number, a: number, m: number) {
  const { K, A, M } = curves.shape;
  return ((t * K + k) * A + a) * M + m;
}

/**
 * Per class, the evaluated predictions in COCO's accumulation order (see the module comment).
 * @returns CSR lists: class `k` owns `members[offsets[k] .. offsets[k + 1])`.
 */
export function sortPredictionsByClass(
  columns: DetectionColumns,
  matches: CocoImageMatches,
): { offsets: Int32Array; members: Int32Array } {
  const K = columns.categoryIds.length;
  const { predRank } = matches;
  const offsets = new Int32Array(K + 1);
  for (let p = 0; p < predRank.length; p++) if (predRank[p] >= 0) offsets[columns.predClass[p] + 1]++;
  for (let k = 0; k < K; k++) offsets[k + 1] += offsets[k];
  const members = new Int32Array(offsets[K]);
  const cursor = offsets.slice(0, K);
  for (let p = 0; p < predRank.length; p++) if (predRank[p] >= 0) members[cursor[columns.predClass[p]]++] = p;

  const { predScore, predImage, imageOrder } = columns;
  const order = (a: number, b: number) =>
    predScore[b] - predScore[a] ||
    imageOrder[predImage[a]] - imageOrder[predImage[b]] ||
    predRank[a] - predRank[b];
  for (let k = 0; k < K; k++) members.subarray(offsets[k], offsets[k + 1]).sort(order);
  return { offsets, members };
}

/** Builds the precision, score and recall arrays from the per-image matches. */
export function accumulateCoco(
  columns: DetectionColumns,
  matches: CocoImageMatches,
  params: CocoParams,
): CocoCurves {
  const shape = {
    T: params.iouThresholds.length,
    R: params.recallThresholds.length,
    K: columns.categoryIds.length,
    A: params.areaRanges.length,
    M: params.maxDetections.length,
  };
  const curves: CocoCurves = {
    precision: new Float64Array(shape.T * shape.R * shape.K * shape.A * shape.M).fill(-1),
    scores: new Float64Array(shape.T * shape.R * shape.K * shape.A * shape.M).fill(-1),
    recall: new Float64Array(shape.T * shape.K * shape.A * shape.M).fill(-1),
    shape,
  };
  const byClass = sortPredictionsByClass(columns, matches);
  const longest = Math.max(0, ...Array.from({ length: shape.K }, (_, k) => classLength(byClass, k)));
  const buffers: Buffers = {
    recall: new Float64Array(longest),
    precision: new Float64Array(longest),
    score: new Float64Array(longest),
    flags: new Uint8Array(longest * shape.A * shape.T),
    rank: new Int32Array(longest),
    sortedScore: new Float64Array(longest),
  };

  for (let k = 0; k < shape.K; k++) {
    const list = byClass.members.subarray(byClass.offsets[k], byClass.offsets[k + 1]);
    gatherClass(columns, matches, shape, list, buffers);
    for (let a = 0; a < shape.A; a++) {
      const counted = matches.gtCounted[k * shape.A + a];
      // No counted ground truth: precision and recall stay -1 and every mean skips them.
      if (counted === 0) continue;
      for (let m = 0; m < shape.M; m++) {
        // A larger max-detections setting that cuts nothing more gives the same curves: copy them.
        if (m > 0 && maxRank(buffers.rank, list.length) < params.maxDetections[m - 1]) {
          copyMaxDetections(curves, k, a, m);
          continue;
        }
        for (let t = 0; t < shape.T; t++) {
          accumulateOne(params, curves, buffers, list, counted, { t, k, a, m });
        }
      }
    }
  }
  return curves;
}

interface Buffers {
  recall: Float64Array;
  precision: Float64Array;
  score: Float64Array;
  /** The class's flags in sorted order, per (area, threshold): `(a * T + t) * n + i`. */
  flags: Uint8Array;
  rank: Int32Array;
  sortedScore: Float64Array;
}

/**
 * Copies one class's flags, ranks and scores into contiguous buffers in sorted order, so the
 * A × M × T passes below read memory in sequence instead of jumping around the per-prediction arrays.
 */
function gatherClass(
  columns: DetectionColumns,
  matches: CocoImageMatches,
  shape: CocoCurves['shape'],
  list: Int32Array,
  buffers: Buffers,
): void {
  const n = list.length;
  const predCount = columns.predImage.length;
  for (let i = 0; i < n; i++) {
    buffers.rank[i] = matches.predRank[list[i]];
    buffers.sortedScore[i] = columns.predScore[list[i]];
  }
  for (let at = 0; at < shape.A * shape.T; at++) {
    const from = at * predCount;
    const to = at * n;
    for (let i = 0; i < n; i++) buffers.flags[to + i] = matches.predFlags[from + list[i]];
  }
}

function maxRank(rank: Int32Array, n: number): number {
  let max = -1;
  for (let i = 0; i < n; i++) if (rank[i] > max) max = rank[i];
  return max;
}

/** Copies every (t, r) entry of max-detections setting m - 1 to m, for class k and area range a. */
function copyMaxDetections(curves: CocoCurves, k: number, a: number, m: number): void {
  for (let t = 0; t < curves.shape.T; t++) {
    curves.recall[recallIndex(curves, t, k, a, m)] = curves.recall[recallIndex(curves, t, k, a, m - 1)];
    for (let r = 0; r < curves.shape.R; r++) {
      const to = precisionIndex(curves, t, r, k, a, m);
      const from = precisionIndex(curves, t, r, k, a, m - 1);
      curves.precision[to] = curves.precision[from];
      curves.scores[to] = curves.scores[from];
    }
  }
}

function classLength(byClass: { offsets: Int32Array }, k: number): number {
  return byClass.offsets[k + 1] - byClass.offsets[k];
}

interface Cell {
  t: number;
  k: number;
  a: number;
  m: number;
}

/** One (t, k, a, m) entry: cumulative TP/FP over the sorted list, precision envelope, sampling. */
function accumulateOne(
  params: CocoParams,
  curves: CocoCurves,
  buffers: Buffers,
  list: Int32Array,
  counted: number,
  { t, k, a, m }: Cell,
): void {
  const { T, R } = curves.shape;
  const flagBase = (a * T + t) * list.length;
  const maxDetections = params.maxDetections[m];
  const { recall, precision, score, flags: sortedFlags, rank, sortedScore } = buffers;

  // Ignored detections stay in the sequence (adding neither TP nor FP), as in pycocotools.
  let truePositives = 0;
  let falsePositives = 0;
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    if (rank[i] >= maxDetections) continue;
    const flags = sortedFlags[flagBase + i];
    if (!(flags & IGNORED)) {
      if (flags & MATCHED) truePositives++;
      else falsePositives++;
    }
    recall[n] = truePositives / counted;
    precision[n] = truePositives / (falsePositives + truePositives + EPSILON);
    score[n] = sortedScore[i];
    n++;
  }
  curves.recall[recallIndex(curves, t, k, a, m)] = n > 0 ? recall[n - 1] : 0;

  // Precision envelope: the best precision at this recall or any higher one.
  for (let i = n - 1; i > 0; i--) if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];

  // Sample at each recall threshold: the first point reaching it (numpy searchsorted, side 'left').
  let i = 0;
  for (let r = 0; r < R; r++) {
    while (i < n && recall[i] < params.recallThresholds[r]) i++;
    const index = precisionIndex(curves, t, r, k, a, m);
    curves.precision[index] = i < n ? precision[i] : 0;
    curves.scores[index] = i < n ? score[i] : 0;
  }
}
