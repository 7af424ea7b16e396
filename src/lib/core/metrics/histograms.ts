/**
 * Histograms behind the evaluation charts, each bin carrying its bounds so a click can become the
 * filter terms that list exactly its samples.
 */

import { MatchStatus } from '../matching';
import type { ClassCurve } from './liveCurves';
import type { SampleColumns } from './sampleResults';

export interface Bin {
  /** Lower bound, inclusive. */
  x0: number;
  /** Upper bound: exclusive, except for the last bin, which includes it. */
  x1: number;
  last: boolean;
  counts: Record<string, number>;
}

/**
 * Index of the bin holding `value`, -1 outside. The first guess is arithmetic; it is then checked against
 * the bins' own bounds, so a value on an edge lands where the filter terms `>= x0` and `< x1` put it.
 */
function binOf(bins: Bin[], value: number): number {
  const from = bins[0].x0;
  const to = bins[bins.length - 1].x1;
  if (!(value >= from && value <= to)) return -1;
  let i = Math.min(bins.length - 1, Math.floor(((value - from) / (to - from)) * bins.length));
  while (i > 0 && value < bins[i].x0) i--;
  while (i < bins.length - 1 && value >= bins[i].x1) i++;
  return i;
}

function emptyBins(from: number, to: number, count: number, series: string[]): Bin[] {
  return Array.from({ length: count }, (_, i) => ({
    x0: from + ((to - from) * i) / count,
    x1: from + ((to - from) * (i + 1)) / count,
    last: i === count - 1,
    counts: Object.fromEntries(series.map((name) => [name, 0])),
  }));
}

/** IoU of matched predictions (class-aware, at the current thresholds) in `count` bins over [from, 1]. */
export function iouHistogram(samples: SampleColumns, from: number, count = 20): Bin[] {
  const bins = emptyBins(from, 1, count, ['tp']);
  samples.predStatus.forEach((status, p) => {
    if (status !== MatchStatus.Matched) return;
    const i = binOf(bins, samples.predIou[p]);
    if (i >= 0) bins[i].counts.tp++;
  });
  return bins;
}

/**
 * Scores of every prediction (whatever the score threshold), split into TP and FP at the curves' IoU
 * threshold: a prediction is a TP when its point on its class's curve adds recall.
 */
export function scoreHistogram(curves: ClassCurve[], count = 20): Bin[] {
  const bins = emptyBins(0, 1, count, ['tp', 'fp']);
  for (const curve of curves) {
    let previous = 0;
    for (let i = 0; i < curve.scores.length; i++) {
      const truePositive = curve.recall[i] > previous;
      previous = curve.recall[i];
      const bin = binOf(bins, curve.scores[i]);
      if (bin >= 0) bins[bin].counts[truePositive ? 'tp' : 'fp']++;
    }
  }
  return bins;
}
