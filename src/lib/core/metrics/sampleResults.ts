/**
 * Per-sample evaluation results as columns — every ground truth and prediction with its match status,
 * partner, IoU and confusion cell — and the box queries of the filter language over them
 * (`match:fp pred:car iou<0.5 score>=0.8`).
 */

import type { SampleQuery, SampleTerm, TagComparison } from '../filter';
import { MatchStatus, type DetectionMatches } from '../matching';

/** What the gallery needs to know about each box under the current evaluation settings. */
export interface SampleColumns {
  gtImage: Int32Array;
  gtCategory: Int32Array;
  /** `MatchStatus` of the class-aware matching: Matched = TP, Unmatched = FN. */
  gtStatus: Uint8Array;
  /** Matched prediction, or -1. */
  gtMatch: Int32Array;
  gtIou: Float64Array;
  /** Flat confusion-matrix cell (class-agnostic matching), or -1. */
  gtCell: Int32Array;
  predImage: Int32Array;
  predCategory: Int32Array;
  predScore: Float64Array;
  /** `MatchStatus` of the class-aware matching: Matched = TP, Unmatched = FP. */
  predStatus: Uint8Array;
  /** Matched ground truth, or -1. */
  predMatch: Int32Array;
  /** IoU with the matched ground truth, or, unmatched, the best IoU with any ground truth of the image. */
  predIou: Float64Array;
  predCell: Int32Array;
}

/** Per-image TP, FP and FN counts from the per-sample statuses. */
export function imageCounts(
  samples: SampleColumns,
  imageCount: number,
): { truePositives: Int32Array; falsePositives: Int32Array; falseNegatives: Int32Array } {
  const counts = {
    truePositives: new Int32Array(imageCount),
    falsePositives: new Int32Array(imageCount),
    falseNegatives: new Int32Array(imageCount),
  };
  samples.predStatus.forEach((status, p) => {
    if (status === MatchStatus.Matched) counts.truePositives[samples.predImage[p]]++;
    else if (status === MatchStatus.Unmatched) counts.falsePositives[samples.predImage[p]]++;
  });
  samples.gtStatus.forEach((status, g) => {
    if (status === MatchStatus.Unmatched) counts.falseNegatives[samples.gtImage[g]]++;
  });
  return counts;
}

/** Builds sample columns from a class-aware matching and the class-agnostic confusion cells. */
export function sampleColumns(
  base: {
    gtImage: Int32Array;
    gtCategory: Int32Array;
    predImage: Int32Array;
    predCategory: Int32Array;
    predScore: Float64Array;
  },
  matches: DetectionMatches,
  cells: { gtCell: Int32Array; predCell: Int32Array },
): SampleColumns {
  const predIou = new Float64Array(matches.predIou.length);
  for (let p = 0; p < predIou.length; p++) {
    predIou[p] = matches.predStatus[p] === MatchStatus.Matched ? matches.predIou[p] : matches.predBestIou[p];
  }
  return {
    ...base,
    gtStatus: matches.gtStatus,
    gtMatch: matches.gtMatch,
    gtIou: matches.gtIou,
    gtCell: cells.gtCell,
    predStatus: matches.predStatus,
    predMatch: matches.predMatch,
    predIou,
    predCell: cells.predCell,
  };
}

/** The boxes passing a query, and their images. */
export interface SelectedSamples {
  images: Set<number>;
  groundTruth: Set<number>;
  predictions: Set<number>;
}

/**
 * Boxes passing every term of a box query (see `sampleQuery` in filter.ts). Rules:
 * - `match:tp` takes matched ground truth and matched predictions; `fp` unmatched predictions; `fn`
 *   missed ground truth. Predictions below the score threshold or absorbed by a crowd region are never
 *   selected, nor is ground truth left out of matching (crowd, image-level).
 * - `score` bounds only predictions (ground truth has no score).
 * - `iou` bounds `gtIou` / `predIou` as defined in `SampleColumns`.
 * - The class term: `class:` either side, `gt:` ground truth only, `pred:` predictions only; a class
 *   name that is not in the dataset (`categoryId` null) selects nothing.
 *
 * @param categoryId - the id of the class term's name, resolved by the caller.
 */
export function selectSamples(
  samples: SampleColumns,
  query: SampleQuery,
  categoryId: number | null,
): SelectedSamples {
  const selected: SelectedSamples = { images: new Set(), groundTruth: new Set(), predictions: new Set() };
  const side = query.classTerm?.kind ?? 'class';
  if (query.classTerm && categoryId === null) return selected;
  const statuses = query.terms.filter((t) => t.kind === 'match').map((t) => t.status);
  const iouBounds = query.terms.filter((t): t is Bound => t.kind === 'iou');
  const scoreBounds = query.terms.filter((t): t is Bound => t.kind === 'score');

  const gtAllowed = side !== 'pred' && scoreBounds.length === 0 && statuses.every((s) => s !== 'fp');
  if (gtAllowed) {
    for (let g = 0; g < samples.gtStatus.length; g++) {
      const status = samples.gtStatus[g];
      if (status !== MatchStatus.Matched && status !== MatchStatus.Unmatched) continue;
      if (categoryId !== null && samples.gtCategory[g] !== categoryId) continue;
      const name = status === MatchStatus.Matched ? 'tp' : 'fn';
      if (!statuses.every((s) => s === name)) continue;
      if (!passesAll(iouBounds, samples.gtIou[g])) continue;
      selected.groundTruth.add(g);
      selected.images.add(samples.gtImage[g]);
    }
  }

  const predAllowed = side !== 'gt' && statuses.every((s) => s !== 'fn');
  if (predAllowed) {
    for (let p = 0; p < samples.predStatus.length; p++) {
      const status = samples.predStatus[p];
      if (status !== MatchStatus.Matched && status !== MatchStatus.Unmatched) continue;
      if (categoryId !== null && samples.predCategory[p] !== categoryId) continue;
      const name = status === MatchStatus.Matched ? 'tp' : 'fp';
      if (!statuses.every((s) => s === name)) continue;
      if (!passesAll(iouBounds, samples.predIou[p]) || !passesAll(scoreBounds, samples.predScore[p]))
        continue;
      selected.predictions.add(p);
      selected.images.add(samples.predImage[p]);
    }
  }
  return selected;
}

type Bound = Extract<SampleTerm, { op: TagComparison }>;

function passesAll(bounds: Bound[], value: number): boolean {
  return bounds.every((bound) => compare(value, bound.op, bound.value));
}

function compare(value: number, op: TagComparison, bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '>':
      return value > bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
  }
}

/**
 * Per-image confidence of the model where it disagrees with the ground truth: the highest score among
 * the image's predictions that the class-aware matching left unmatched (a false positive: nothing
 * there, or something of another class). High values are where a confident model contradicts the
 * labels — a wrong label as often as a wrong model. Predictions below the score threshold
 * (`Ignored`) do not count.
 *
 * @returns one score in [0, 1] per image; NaN where the model contradicts nothing (sorted last).
 */
export function disagreementConfidence(samples: SampleColumns, imageCount: number): Float64Array {
  const confidence = new Float64Array(imageCount).fill(Number.NaN);
  samples.predStatus.forEach((status, p) => {
    if (status !== MatchStatus.Unmatched) return;
    const image = samples.predImage[p];
    const score = samples.predScore[p];
    if (!(confidence[image] >= score)) confidence[image] = score;
  });
  return confidence;
}
