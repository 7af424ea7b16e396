/**
 * Two prediction runs on the same ground truth, class by class: AP and counts side by side with deltas,
 * so a model change shows which classes it helped and which it hurt.
 */

import type { CocoEvaluation } from './cocoEval';

export interface RunComparisonRow {
  categoryId: number;
  gtCount: number;
  /** AP .50:.95 of each run; -1 where the class has no ground truth. */
  apA: number;
  apB: number;
  /** apB - apA; NaN where either is undefined. */
  apDelta: number;
  ap50A: number;
  ap50B: number;
  ap50Delta: number;
  predCountA: number;
  predCountB: number;
  predCountDelta: number;
}

export interface RunComparison {
  rows: RunComparisonRow[];
  /** AP .50:.95 of each run and the delta (stats[0]). */
  overall: { apA: number; apB: number; apDelta: number };
}

/**
 * Compares two COCO evaluations of the same dataset, row per category in A's order.
 * @throws RangeError when the two were made for different category lists.
 */
export function compareRuns(a: CocoEvaluation, b: CocoEvaluation): RunComparison {
  if (
    a.categoryIds.length !== b.categoryIds.length ||
    a.categoryIds.some((id, k) => id !== b.categoryIds[k])
  ) {
    throw new RangeError(
      `invalid comparison: categories ${JSON.stringify(b.categoryIds)} (expected the same list as the first run, ${JSON.stringify(a.categoryIds)})`,
    );
  }
  const delta = (x: number, y: number) => (x < 0 || y < 0 ? NaN : y - x);
  const rows = a.perClass.map((ca, k) => {
    const cb = b.perClass[k];
    return {
      categoryId: ca.categoryId,
      gtCount: ca.gtCount,
      apA: ca.ap,
      apB: cb.ap,
      apDelta: delta(ca.ap, cb.ap),
      ap50A: ca.ap50,
      ap50B: cb.ap50,
      ap50Delta: delta(ca.ap50, cb.ap50),
      predCountA: ca.predCount,
      predCountB: cb.predCount,
      predCountDelta: cb.predCount - ca.predCount,
    };
  });
  return { rows, overall: { apA: a.stats[0], apB: b.stats[0], apDelta: delta(a.stats[0], b.stats[0]) } };
}
