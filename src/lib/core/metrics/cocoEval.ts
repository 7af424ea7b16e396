/**
 * COCO detection metrics that agree with pycocotools' `COCOeval` (iouType 'bbox', default params) to
 * rounding: the 12 summary numbers, per-class AP and AR, and precision-recall curves at 101 recall
 * points per IoU threshold.
 *
 * Three stages, each its own module so a benchmark can time them: per-image matching (`cocoMatch.ts`),
 * accumulation (`cocoAccumulate.ts`) and the summary here. Tie orders and the one deliberate
 * difference from pycocotools (ground truth with id 0) are documented in those modules.
 */

import { checkColumns, type DetectionColumns } from './columns';
import { accumulateCoco, precisionIndex, recallIndex, type CocoCurves } from './cocoAccumulate';
import { matchCocoImages, type CocoImageMatches } from './cocoMatch';
import { checkCocoParams, defaultCocoParams, type CocoParams } from './cocoParams';

export { defaultCocoParams, type CocoParams } from './cocoParams';
export type { CocoCurves } from './cocoAccumulate';
export type { CocoImageMatches } from './cocoMatch';

/** Names of the 12 summary numbers, in pycocotools' `stats` order. */
export const COCO_STAT_NAMES = [
  'AP',
  'AP50',
  'AP75',
  'APsmall',
  'APmedium',
  'APlarge',
  'AR1',
  'AR10',
  'AR100',
  'ARsmall',
  'ARmedium',
  'ARlarge',
] as const;
export type CocoStatName = (typeof COCO_STAT_NAMES)[number];

/** Per-class numbers at area "all" and the largest max-detections; -1 where the class has no ground truth. */
export interface CocoClassResult {
  categoryId: number;
  /** AP averaged over IoU thresholds (.50:.95). */
  ap: number;
  ap50: number;
  ap75: number;
  /** Recall averaged over IoU thresholds. */
  ar: number;
  /** Ground truth counted (not crowd). */
  gtCount: number;
  /** Ground-truth boxes including crowd regions. */
  gtCountWithCrowd: number;
  /** Predictions of the class (all, before the max-detections cut). */
  predCount: number;
}

export interface CocoEvaluation {
  params: CocoParams;
  categoryIds: number[];
  /** The 12 numbers in `COCO_STAT_NAMES` order; -1 where undefined (pycocotools' convention). */
  stats: number[];
  perClass: CocoClassResult[];
  curves: CocoCurves;
  matches: CocoImageMatches;
  /** Milliseconds spent in each stage. */
  timings: { matching: number; accumulation: number; summary: number };
}

/**
 * Evaluates detections the way pycocotools' COCOeval does (see the module comments for the rules).
 *
 * @param columns - boxes in pixel xywh; `gtArea` in square pixels drives the area ranges.
 * @param params - defaults to pycocotools' bbox defaults.
 * @throws RangeError for inconsistent columns or invalid parameters.
 */
export function evaluateCoco(
  columns: DetectionColumns,
  params: CocoParams = defaultCocoParams(),
): CocoEvaluation {
  checkColumns(columns);
  checkCocoParams(params);

  const start = performance.now();
  const matches = matchCocoImages(columns, params);
  const matched = performance.now();
  const curves = accumulateCoco(columns, matches, params);
  const accumulated = performance.now();
  const stats = summarizeCoco(curves, params);
  const perClass = perClassResults(columns, curves, matches, params);
  const done = performance.now();

  return {
    params,
    categoryIds: columns.categoryIds,
    stats,
    perClass,
    curves,
    matches,
    timings: { matching: matched - start, accumulation: accumulated - matched, summary: done - accumulated },
  };
}

/**
 * pycocotools' `summarize()`: the 12 numbers, each the mean of the defined (> -1) entries of the
 * precision or recall array over its slice; -1 when none is defined. Numbers whose IoU threshold,
 * area range or max-detections setting is not in `params` are -1.
 */
export function summarizeCoco(curves: CocoCurves, params: CocoParams): number[] {
  const all = params.iouThresholds.map((_, t) => t);
  const at = (value: number) => {
    const t = params.iouThresholds.indexOf(value);
    return t < 0 ? [] : [t];
  };
  const area = (label: string) => params.areaRanges.findIndex((range) => range.label === label);
  const maxDets = (value: number) => params.maxDetections.indexOf(value);
  const top = params.maxDetections.length - 1;

  return [
    meanPrecision(curves, all, area('all'), top),
    meanPrecision(curves, at(0.5), area('all'), top),
    meanPrecision(curves, at(0.75), area('all'), top),
    meanPrecision(curves, all, area('small'), top),
    meanPrecision(curves, all, area('medium'), top),
    meanPrecision(curves, all, area('large'), top),
    meanRecall(curves, all, area('all'), maxDets(1)),
    meanRecall(curves, all, area('all'), maxDets(10)),
    meanRecall(curves, all, area('all'), maxDets(100)),
    meanRecall(curves, all, area('small'), top),
    meanRecall(curves, all, area('medium'), top),
    meanRecall(curves, all, area('large'), top),
  ];
}

/** Mean of defined precision samples over thresholds `ts`, every recall point and the classes `ks`. */
export function meanPrecision(curves: CocoCurves, ts: number[], a: number, m: number, ks?: number[]): number {
  if (a < 0 || m < 0) return -1;
  const classes = ks ?? Array.from({ length: curves.shape.K }, (_, k) => k);
  let sum = 0;
  let count = 0;
  for (const t of ts) {
    for (let r = 0; r < curves.shape.R; r++) {
      for (const k of classes) {
        const value = curves.precision[precisionIndex(curves, t, r, k, a, m)];
        if (value > -1) {
          sum += value;
          count++;
        }
      }
    }
  }
  return count === 0 ? -1 : sum / count;
}

/** Mean of defined recall values over thresholds `ts` and the classes `ks`. */
export function meanRecall(curves: CocoCurves, ts: number[], a: number, m: number, ks?: number[]): number {
  if (a < 0 || m < 0) return -1;
  const classes = ks ?? Array.from({ length: curves.shape.K }, (_, k) => k);
  let sum = 0;
  let count = 0;
  for (const t of ts) {
    for (const k of classes) {
      const value = curves.recall[recallIndex(curves, t, k, a, m)];
      if (value > -1) {
        sum += value;
        count++;
      }
    }
  }
  return count === 0 ? -1 : sum / count;
}

function perClassResults(
  columns: DetectionColumns,
  curves: CocoCurves,
  matches: CocoImageMatches,
  params: CocoParams,
): CocoClassResult[] {
  const all = params.iouThresholds.map((_, t) => t);
  const t50 = params.iouThresholds.indexOf(0.5);
  const t75 = params.iouThresholds.indexOf(0.75);
  const top = params.maxDetections.length - 1;
  const K = columns.categoryIds.length;
  const A = params.areaRanges.length;

  const withCrowd = new Int32Array(K);
  const predictions = new Int32Array(K);
  columns.gtClass.forEach((k) => k >= 0 && withCrowd[k]++);
  columns.predClass.forEach((k) => k >= 0 && predictions[k]++);

  return columns.categoryIds.map((categoryId, k) => ({
    categoryId,
    ap: meanPrecision(curves, all, 0, top, [k]),
    ap50: t50 < 0 ? -1 : meanPrecision(curves, [t50], 0, top, [k]),
    ap75: t75 < 0 ? -1 : meanPrecision(curves, [t75], 0, top, [k]),
    ar: meanRecall(curves, all, 0, top, [k]),
    gtCount: matches.gtCounted[k * A],
    gtCountWithCrowd: withCrowd[k],
    predCount: predictions[k],
  }));
}

/** One class's precision-recall curve at one IoU threshold (area "all", largest max-detections). */
export interface PrCurve {
  categoryId: number;
  iouThreshold: number;
  /** The recall thresholds (x). */
  recall: number[];
  /** Interpolated precision at each recall threshold (y); empty when the class has no ground truth. */
  precision: number[];
  /** Score of the detection reaching each recall threshold (0 past the curve's end). */
  scores: number[];
}

/** The PR curve of class position `k` at IoU threshold index `t`, as pycocotools samples it. */
export function prCurve(evaluation: CocoEvaluation, k: number, t: number): PrCurve {
  const { curves, params } = evaluation;
  const m = curves.shape.M - 1;
  const defined = curves.precision[precisionIndex(curves, t, 0, k, 0, m)] > -1;
  const recall = defined ? params.recallThresholds : [];
  return {
    categoryId: evaluation.categoryIds[k],
    iouThreshold: params.iouThresholds[t],
    recall,
    precision: recall.map((_, r) => curves.precision[precisionIndex(curves, t, r, k, 0, m)]),
    scores: recall.map((_, r) => curves.scores[precisionIndex(curves, t, r, k, 0, m)]),
  };
}
