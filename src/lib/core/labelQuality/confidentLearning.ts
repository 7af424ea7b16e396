/**
 * Finding label issues in a classification dataset by confident learning, reproducing cleanlab 2.9's
 * `filter.find_label_issues` for single-label data, every `filter_by`:
 * - prune_by_noise_rate (default): for each off-diagonal cell (given k, true j) of the prune-count
 *   matrix, flag that many samples labelled k with the largest margin P(j) − P(k);
 * - prune_by_class: per class k, flag the (label count − diagonal count) samples labelled k with the
 *   lowest P(k);
 * - both: flagged by both of the above;
 * - confident_learning: the samples counted off the diagonal of the confident joint;
 * - predicted_neq_given: argmax ≠ given label;
 * - low_normalized_margin / low_self_confidence: the `numLabelIssues` samples with the lowest score.
 * Except for the two "low_" filters, a sample whose given label is (within 1e-6) its argmax is never
 * flagged. The prune-count matrix is the calibrated confident joint, transposed, with every diagonal
 * raised to at least `minExamplesPerClass` (taken evenly from that column's non-zero off-diagonals)
 * and the off-diagonals scaled by `fracNoise`, then truncated and rounded keeping row totals.
 *
 * Input: labels (n class indices) and out-of-sample probabilities (n × K). Equal keys in every sort
 * keep sample order (see `stableArgsort` for where NumPy may differ on large inputs with ties).
 */

import {
  computeConfidentJoint,
  givenLabelIsArgmax,
  numLabelIssues,
  roundPreservingRowTotals,
  type SquareMatrix,
} from './confidentJoint';
import {
  LabelQualityInputError,
  labelCounts,
  rowArgmax,
  smallestKeys,
  validateInputs,
  type ClassProbabilities,
  type GivenLabels,
} from './probabilities';
import { labelQualityScores, orderLabelIssues, type RankingMethod, type ScoreOptions } from './rank';

export type FilterBy =
  | 'prune_by_noise_rate'
  | 'prune_by_class'
  | 'both'
  | 'confident_learning'
  | 'predicted_neq_given'
  | 'low_normalized_margin'
  | 'low_self_confidence';

export const FILTERS: readonly FilterBy[] = [
  'prune_by_noise_rate',
  'prune_by_class',
  'both',
  'confident_learning',
  'predicted_neq_given',
  'low_normalized_margin',
  'low_self_confidence',
];

export interface FindLabelIssuesOptions {
  /** Default 'prune_by_noise_rate', cleanlab's default. */
  filterBy?: FilterBy;
  /** Keep only this fraction of each off-diagonal count (prune filters only). Default 1. */
  fracNoise?: number;
  /** Never prune a class down below this many samples (prune filters only). Default 1. */
  minExamplesPerClass?: number;
  /** A precomputed confident joint C[given][true] (ignored by 'confident_learning', as in cleanlab). */
  confidentJoint?: SquareMatrix;
}

/**
 * Flags the samples whose given label is likely wrong (see the module comment for each filter).
 *
 * @returns a mask, 1 = label issue, one entry per sample.
 * @throws LabelQualityInputError on a malformed matrix, label or option.
 */
export function findLabelIssues(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  options: FindLabelIssuesOptions = {},
): Uint8Array {
  const { filterBy = 'prune_by_noise_rate', fracNoise = 1, minExamplesPerClass = 1 } = options;
  validateInputs(labels, probabilities);
  if (!FILTERS.includes(filterBy)) throw new LabelQualityInputError('filterBy', filterBy, FILTERS.join(', '));
  if (!(fracNoise > 0 && fracNoise <= 1))
    throw new LabelQualityInputError('fracNoise', fracNoise, 'a number in (0, 1]');
  if (!Number.isInteger(minExamplesPerClass) || minExamplesPerClass < 0)
    throw new LabelQualityInputError('minExamplesPerClass', minExamplesPerClass, 'an integer >= 0');

  const mask = flagByFilter(
    labels,
    probabilities,
    filterBy,
    fracNoise,
    minExamplesPerClass,
    options.confidentJoint,
  );

  // A sample whose label the model itself predicts is never an issue (except for the score filters).
  if (filterBy !== 'low_normalized_margin' && filterBy !== 'low_self_confidence') {
    for (let i = 0; i < mask.length; i++)
      if (mask[i] && givenLabelIsArgmax(labels, probabilities, i)) mask[i] = 0;
  }
  return mask;
}

/**
 * The flagged samples' indices, worst first by `rankBy` (cleanlab's `return_indices_ranked_by`).
 */
export function findRankedLabelIssues(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  rankBy: RankingMethod,
  options: FindLabelIssuesOptions & { rankOptions?: Omit<ScoreOptions, 'method'> } = {},
): Int32Array {
  const mask = findLabelIssues(labels, probabilities, options);
  return orderLabelIssues(mask, labels, probabilities, { ...options.rankOptions, method: rankBy });
}

function flagByFilter(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  filterBy: FilterBy,
  fracNoise: number,
  minExamples: number,
  supplied: SquareMatrix | undefined,
): Uint8Array {
  const n = probabilities.rows;
  const mask = new Uint8Array(n);

  if (filterBy === 'predicted_neq_given') {
    for (let i = 0; i < n; i++) mask[i] = rowArgmax(probabilities, i) !== labels[i] ? 1 : 0;
    return mask;
  }
  if (filterBy === 'low_normalized_margin' || filterBy === 'low_self_confidence') {
    const method = filterBy === 'low_normalized_margin' ? 'normalized_margin' : 'self_confidence';
    const scores = labelQualityScores(labels, probabilities, { method });
    for (const i of smallestKeys(scores, numLabelIssues(labels, probabilities))) mask[i] = 1;
    return mask;
  }

  const computed =
    supplied && filterBy !== 'confident_learning' ? null : computeConfidentJoint(labels, probabilities);
  if (filterBy === 'confident_learning') {
    for (const i of computed!.offDiagonal) mask[i] = 1;
    return mask;
  }

  const joint = supplied ?? computed!.joint;
  if (joint.size !== probabilities.classes)
    throw new LabelQualityInputError('confidentJoint.size', joint.size, `${probabilities.classes} (classes)`);
  const pruneCounts = keepAtLeastPerClass(transpose(joint), minExamples, fracNoise);
  const members = membersByClass(labels, probabilities.classes);

  if (filterBy === 'prune_by_noise_rate')
    return pruneByNoiseRate(probabilities, members, pruneCounts, minExamples);
  const byClass = pruneByClass(probabilities, members, pruneCounts, minExamples);
  if (filterBy === 'prune_by_class') return byClass;
  const byNoise = pruneByNoiseRate(probabilities, members, pruneCounts, minExamples);
  return byClass.map((flag, i) => flag & byNoise[i]);
}

/**
 * Per class k (label count > minimum), flags the (count − pruneCounts[k][k]) samples labelled k with
 * the lowest P(k). Classes of one sample are never written, as in cleanlab.
 */
function pruneByClass(
  probabilities: ClassProbabilities,
  members: Int32Array[],
  pruneCounts: SquareMatrix,
  minExamples: number,
): Uint8Array {
  const { values, classes } = probabilities;
  const mask = new Uint8Array(probabilities.rows);
  members.forEach((rows, k) => {
    if (rows.length <= minExamples || rows.length <= 1) return;
    const issues = rows.length - pruneCounts.values[k * classes + k];
    if (issues < 1) return;
    const ownProbability = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) ownProbability[r] = values[rows[r] * classes + k];
    for (const r of smallestKeys(ownProbability, issues)) mask[rows[r]] = 1;
  });
  return mask;
}

/**
 * Per class k (label count > minimum) and every other class j with pruneCounts[j][k] > 0, flags that
 * many samples labelled k with the largest margin P(j) − P(k).
 */
function pruneByNoiseRate(
  probabilities: ClassProbabilities,
  members: Int32Array[],
  pruneCounts: SquareMatrix,
  minExamples: number,
): Uint8Array {
  const { values, classes } = probabilities;
  const mask = new Uint8Array(probabilities.rows);
  members.forEach((rows, k) => {
    if (rows.length <= minExamples || rows.length <= 1) return;
    const negatedMargin = new Float64Array(rows.length);
    for (let j = 0; j < classes; j++) {
      const count = pruneCounts.values[j * classes + k];
      if (j === k || count <= 0) continue;
      // The smallest negated margins are the largest margins, ties in sample order.
      for (let r = 0; r < rows.length; r++) {
        const start = rows[r] * classes;
        negatedMargin[r] = -(values[start + j] - values[start + k]);
      }
      for (const r of smallestKeys(negatedMargin, count)) mask[rows[r]] = 1;
    }
  });
  return mask;
}

/**
 * cleanlab's `_keep_at_least_n_per_class` on the transposed joint (rows = true, columns = given):
 * raises each diagonal to at least n, taking the increase evenly from that column's non-zero
 * entries (negative results become 0), scales off-diagonals by `fracNoise` (moving the difference to
 * the diagonal), truncates to integers and rounds keeping row totals.
 */
export function keepAtLeastPerClass(matrix: SquareMatrix, n: number, fracNoise: number): SquareMatrix {
  const { size, values } = matrix;
  const result = new Float64Array(values.length);

  for (let j = 0; j < size; j++) {
    const diagonal = values[j * size + j];
    const raised = Math.max(diagonal, n);
    let nonZero = 0;
    for (let i = 0; i < size; i++) if (values[i * size + j] !== 0) nonZero++;
    const share = (raised - diagonal) / Math.max(nonZero - 1, 1);

    let reduced = 0;
    for (let i = 0; i < size; i++) {
      if (i === j) continue;
      const lowered = Math.max(values[i * size + j] - share, 0);
      const scaled = lowered * fracNoise;
      reduced += lowered - scaled;
      result[i * size + j] = Math.trunc(scaled);
    }
    result[j * size + j] = Math.trunc(raised + reduced);
  }
  return roundPreservingRowTotals({ size, values: result });
}

function transpose({ size, values }: SquareMatrix): SquareMatrix {
  const transposed = new Float64Array(values.length);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) transposed[j * size + i] = values[i * size + j];
  return { size, values: transposed };
}

/** Sample indices per given label, ascending. */
function membersByClass(labels: GivenLabels, classes: number): Int32Array[] {
  const counts = labelCounts(labels, classes);
  const members = Array.from(counts, (count) => new Int32Array(count));
  const cursor = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) members[labels[i]][cursor[labels[i]]++] = i;
  return members;
}
