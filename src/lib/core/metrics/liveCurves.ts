/**
 * Precision-recall curves at one IoU threshold from Longtail's live matching (the one the gallery
 * filters use), so every point of a curve is a prediction: clicking it can list exactly the
 * predictions and ground truth behind it.
 *
 * Computed once per IoU threshold from a matching of every prediction (`scoreThreshold: -Infinity`);
 * the operating point of any score threshold is then a lookup (greedy matching by score makes the
 * matching at a threshold the prefix of the full one; see `withScoreThreshold`).
 */

import { MatchStatus, type DetectionMatches } from '../matching';
import { allPointAp } from './vocAp';

export interface ClassCurve {
  categoryId: number;
  /** Ground truth in scope (not crowd, with a box): the recall denominator. */
  gtCount: number;
  /** All-point AP of the curve (area under the precision envelope); NaN without ground truth. */
  ap: number;
  /** After each prediction of the class by descending score: recall, precision and its score. */
  recall: Float64Array;
  precision: Float64Array;
  scores: Float64Array;
}

/**
 * One curve per category, in `categoryIds` order. Predictions absorbed by crowd regions are left out
 * (neither TP nor FP); equal scores keep prediction index order, as the matching does.
 *
 * @param matches - class-aware matching of every prediction (`scoreThreshold: -Infinity`).
 */
export function curvesFromMatches(
  categoryIds: number[],
  gtCategory: Int32Array,
  predCategory: Int32Array,
  predScore: Float64Array,
  matches: DetectionMatches,
): ClassCurve[] {
  const position = new Map(categoryIds.map((id, k) => [id, k]));
  const gtCount = new Int32Array(categoryIds.length);
  matches.gtStatus.forEach((status, g) => {
    const k = position.get(gtCategory[g]);
    if (k !== undefined && (status === MatchStatus.Matched || status === MatchStatus.Unmatched)) gtCount[k]++;
  });

  const byClass: number[][] = categoryIds.map(() => []);
  matches.predStatus.forEach((status, p) => {
    const k = position.get(predCategory[p]);
    if (k !== undefined && (status === MatchStatus.Matched || status === MatchStatus.Unmatched))
      byClass[k].push(p);
  });

  return categoryIds.map((categoryId, k) => {
    const list = byClass[k].sort((a, b) => predScore[b] - predScore[a] || a - b);
    const recall = new Float64Array(list.length);
    const precision = new Float64Array(list.length);
    const scores = new Float64Array(list.length);
    let truePositives = 0;
    list.forEach((p, i) => {
      if (matches.predStatus[p] === MatchStatus.Matched) truePositives++;
      recall[i] = gtCount[k] > 0 ? truePositives / gtCount[k] : 0;
      precision[i] = truePositives / (i + 1);
      scores[i] = predScore[p];
    });
    return {
      categoryId,
      gtCount: gtCount[k],
      ap: gtCount[k] > 0 ? allPointAp(recall, precision) : NaN,
      recall,
      precision,
      scores,
    };
  });
}

/**
 * The curve's point at a score threshold: the last prediction scoring at least `threshold`.
 * @returns its index, or -1 when no prediction reaches the threshold (recall 0).
 */
export function operatingPoint(curve: ClassCurve, threshold: number): number {
  // Scores descend along the curve: binary search for the last one >= threshold.
  let low = 0;
  let high = curve.scores.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (curve.scores[middle] >= threshold) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
