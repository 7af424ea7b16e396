/**
 * Confident learning's counting step (Northcutt, Jiang & Chuang, JAIR 2021), reproducing cleanlab
 * 2.9's `cleanlab.count`: per-class thresholds, the confident joint C[given][true] and its calibrated
 * form, the estimated joint distribution and the number of label issues.
 *
 * Matrices are K × K `Float64Array`s, row-major, row = given label, column = (estimated) true label,
 * except where a doc comment says otherwise.
 */

import {
  labelCounts,
  roundHalfEven,
  rowArgmax,
  stableArgsort,
  type ClassProbabilities,
  type GivenLabels,
} from './probabilities';

/** cleanlab's `FLOATING_POINT_COMPARISON`: slack when comparing a probability with a threshold. */
export const FLOATING_POINT_SLACK = 1e-6;
/** cleanlab's `CONFIDENT_THRESHOLDS_LOWER_BOUND`: thresholds are clipped from below to this. */
const THRESHOLD_LOWER_BOUND = 2 * FLOATING_POINT_SLACK;
/** cleanlab's `TINY_VALUE`, the floor of every denominator. */
export const TINY_VALUE = 1e-100;
/** Threshold of a class nobody is labelled with: no probability reaches it, so nothing counts there. */
const ABSENT_CLASS_THRESHOLD = 2;

/** A K × K matrix, row-major. */
export interface SquareMatrix {
  size: number;
  values: Float64Array;
}

/** The confident joint and the samples counted off its diagonal. */
export interface ConfidentJoint {
  /** C[given][true], counts (integers, stored as floats), calibrated when asked. */
  joint: SquareMatrix;
  /** Samples counted in an off-diagonal cell: confidently another class than their label. Ascending. */
  offDiagonal: Int32Array;
}

/**
 * Per-class confident thresholds: t_k = mean of P(k | x) over the samples labelled k ("expected
 * self-confidence"), clipped below at 2e-6; 2 for a class no sample is labelled with.
 *
 * @returns K thresholds, probabilities in [2e-6, 1] (or 2).
 */
export function confidentThresholds(labels: GivenLabels, probabilities: ClassProbabilities): Float64Array {
  const { values, classes } = probabilities;
  const sums = new Float64Array(classes);
  const counts = labelCounts(labels, classes);
  for (let i = 0; i < labels.length; i++) sums[labels[i]] += values[i * classes + labels[i]];
  return sums.map((sum, k) =>
    counts[k] === 0 ? ABSENT_CLASS_THRESHOLD : Math.max(sum / counts[k], THRESHOLD_LOWER_BOUND),
  );
}

/**
 * The confident joint: each sample with at least one class whose probability reaches that class's
 * threshold (less 1e-6) is counted in C[given label][guess], where the guess is that class, or the
 * argmax when several reach theirs. Every diagonal cell is then raised to at least 1, and, when
 * `calibrate`, each row is rescaled to its label count and rounded keeping row totals (cleanlab's
 * `calibrate_confident_joint`).
 *
 * @param thresholds - per-class thresholds; `confidentThresholds` when absent.
 */
export function computeConfidentJoint(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  { calibrate = true, thresholds }: { calibrate?: boolean; thresholds?: Float64Array } = {},
): ConfidentJoint {
  const { values, rows, classes } = probabilities;
  const limits = (thresholds ?? confidentThresholds(labels, probabilities)).map(
    (t) => t - FLOATING_POINT_SLACK,
  );
  const joint = new Float64Array(classes * classes);
  const offDiagonal: number[] = [];

  for (let i = 0; i < rows; i++) {
    const start = i * classes;
    let confident = 0;
    let firstConfident = -1;
    for (let k = 0; k < classes; k++) {
      if (values[start + k] >= limits[k]) {
        confident++;
        if (firstConfident < 0) firstConfident = k;
      }
    }
    if (confident === 0) continue;
    const guess = confident > 1 ? rowArgmax(probabilities, i) : firstConfident;
    joint[labels[i] * classes + guess]++;
    if (guess !== labels[i]) offDiagonal.push(i);
  }

  // Guarantee at least one correctly labelled sample in every class, as cleanlab does.
  for (let k = 0; k < classes; k++) joint[k * classes + k] = Math.max(joint[k * classes + k], 1);

  const matrix = { size: classes, values: joint };
  return {
    joint: calibrate ? calibrateConfidentJoint(matrix, labels) : matrix,
    offDiagonal: Int32Array.from(offDiagonal),
  };
}

/**
 * Calibrates a confident joint so each row sums to its label count and the whole to the number of
 * samples, then rounds to integers keeping each row's total (cleanlab's `calibrate_confident_joint`).
 */
export function calibrateConfidentJoint(confident: SquareMatrix, labels: GivenLabels): SquareMatrix {
  const { size, values } = confident;
  const counts = labelCounts(labels, size);
  const scaled = new Float64Array(size * size);

  for (let i = 0; i < size; i++) {
    let rowSum = 0;
    for (let j = 0; j < size; j++) rowSum += values[i * size + j];
    const denominator = Math.max(rowSum, TINY_VALUE);
    for (let j = 0; j < size; j++) scaled[i * size + j] = (values[i * size + j] / denominator) * counts[i];
  }

  const total = Math.max(sum(scaled), TINY_VALUE);
  const samples = sum(counts);
  for (let j = 0; j < scaled.length; j++) scaled[j] = (scaled[j] / total) * samples;
  return roundPreservingRowTotals({ size, values: scaled });
}

/** Rounds every row to integers while keeping its (rounded) total (cleanlab's `round_preserving_row_totals`). */
export function roundPreservingRowTotals(matrix: SquareMatrix): SquareMatrix {
  const { size, values } = matrix;
  const rounded = new Float64Array(values.length);
  for (let i = 0; i < size; i++)
    rounded.set(roundPreservingSum(values.subarray(i * size, (i + 1) * size)), i * size);
  return { size, values: rounded };
}

/**
 * Rounds floats to integers keeping their rounded sum: rounds each half to even, then moves the ones
 * furthest from their rounding up (or down) by one until the sums agree, as cleanlab's
 * `round_preserving_sum` (adapted from iteround). When adding, ties go to the higher index, because
 * cleanlab reverses an ascending argsort; when subtracting, to the lower.
 */
export function roundPreservingSum(floats: ArrayLike<number>): Float64Array {
  const ints = Float64Array.from(floats, roundHalfEven);
  const target = roundHalfEven(sum(floats));
  let current = roundHalfEven(sum(ints));

  while (Math.abs(current - target) > FLOATING_POINT_SLACK) {
    const difference = roundHalfEven(target - current);
    const increment = difference < 0 ? -1 : 1;
    const changes = Math.min(Math.abs(difference), floats.length);
    const ascending = stableArgsort(Float64Array.from(ints, (value, j) => floats[j] - value));
    const order = increment > 0 ? ascending.reverse() : ascending;
    for (let c = 0; c < changes; c++) ints[order[c]] += increment;
    current = roundHalfEven(sum(ints));
  }
  return ints;
}

/**
 * The estimated joint distribution P(given, true): the calibrated confident joint divided by its sum
 * (cleanlab's `estimate_joint`; a supplied joint is calibrated again first, as there).
 */
export function estimateJoint(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  confidentJoint?: SquareMatrix,
): SquareMatrix {
  const calibrated = confidentJoint
    ? calibrateConfidentJoint(confidentJoint, labels)
    : computeConfidentJoint(labels, probabilities).joint;
  const total = Math.max(sum(calibrated.values), TINY_VALUE);
  return { size: calibrated.size, values: calibrated.values.map((value) => value / total) };
}

/**
 * How cleanlab's `num_label_issues` estimates the number of label issues:
 * - `off_diagonal`: samples in the off-diagonal of the uncalibrated confident joint, less those whose
 *   given label is (within 1e-6) the argmax;
 * - `off_diagonal_calibrated`: round(n × (1 − trace of the estimated joint)).
 */
export type IssueCountMethod = 'off_diagonal' | 'off_diagonal_calibrated';

/** Estimated number of label issues (cleanlab's `count.num_label_issues`). */
export function numLabelIssues(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  method: IssueCountMethod = 'off_diagonal',
): number {
  if (method === 'off_diagonal_calibrated') {
    const calibrated = computeConfidentJoint(labels, probabilities).joint;
    const joint = estimateJoint(labels, probabilities, calibrated);
    let trace = 0;
    for (let k = 0; k < joint.size; k++) trace += joint.values[k * joint.size + k];
    return roundHalfEven((1 - trace) * labels.length);
  }

  const { offDiagonal } = computeConfidentJoint(labels, probabilities, { calibrate: false });
  let count = 0;
  for (const i of offDiagonal) if (!givenLabelIsArgmax(labels, probabilities, i)) count++;
  return count;
}

/**
 * True when the given label is the argmax once its probability is raised by 1e-6 (cleanlab's
 * `_reduce_issues`): such a sample is never reported, whatever the filter.
 */
export function givenLabelIsArgmax(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  row: number,
): boolean {
  const { values, classes } = probabilities;
  const start = row * classes;
  const label = labels[row];
  const own = values[start + label] + FLOATING_POINT_SLACK;
  // np.argmax takes the first maximum, so a class before the label wins a tie, one after does not.
  for (let k = 0; k < classes; k++) {
    if (k === label) continue;
    if (k < label ? values[start + k] >= own : values[start + k] > own) return false;
  }
  return true;
}

/** Sum of an array's entries, left to right. */
export function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}
