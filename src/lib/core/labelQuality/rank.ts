/**
 * Per-sample label-quality scores, in [0, 1], low = the given label is likely wrong (cleanlab 2.9's
 * `cleanlab.rank`). With p the sample's probabilities and k its given label:
 * - self_confidence: p[k];
 * - normalized_margin: (p[k] − max_{j≠k} p[j] + 1) / 2;
 * - confidence_weighted_entropy: with H = −Σ p log p / log K (normalised entropy) and
 *   s = H / max(p[k], 1e-6), the score is log(1 + s) / max(s, 1e-6).
 */

import { confidentThresholds } from './confidentJoint';
import { stableArgsort, type ClassProbabilities, type GivenLabels } from './probabilities';

export type RankingMethod = 'self_confidence' | 'normalized_margin' | 'confidence_weighted_entropy';

export const RANKING_METHODS: readonly RankingMethod[] = [
  'self_confidence',
  'normalized_margin',
  'confidence_weighted_entropy',
];

/** cleanlab's `MIN_ALLOWED` in the entropy score: floor of a divisor. */
const MIN_ALLOWED = 1e-6;

export interface ScoreOptions {
  method?: RankingMethod;
  /**
   * Subtract each class's confident threshold from its probabilities and renormalise before scoring,
   * to counter class imbalance (cleanlab's `adjust_pred_probs`; not for confidence_weighted_entropy).
   */
  adjustPredProbs?: boolean;
}

/**
 * Label-quality score of every sample (see the module comment for the formulas).
 *
 * @returns n scores in [0, 1], in sample order.
 */
export function labelQualityScores(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  { method = 'self_confidence', adjustPredProbs = false }: ScoreOptions = {},
): Float64Array {
  if (adjustPredProbs && method === 'confidence_weighted_entropy')
    throw new RangeError(`invalid adjustPredProbs: not supported for ${method}`);
  const input = adjustPredProbs ? subtractConfidentThresholds(labels, probabilities) : probabilities;
  const { rows } = input;
  const scores = new Float64Array(rows);
  for (let i = 0; i < rows; i++) scores[i] = scoreRow(input, i, labels[i], method);
  return scores;
}

function scoreRow(probabilities: ClassProbabilities, row: number, label: number, method: RankingMethod) {
  const { values, classes } = probabilities;
  const start = row * classes;
  const self = values[start + label];
  if (method === 'self_confidence') return self;

  if (method === 'normalized_margin') {
    let other = -Infinity;
    for (let k = 0; k < classes; k++) if (k !== label && values[start + k] > other) other = values[start + k];
    return (self - other + 1) / 2;
  }

  // Entropy in nats, with 0 · log 0 = 0 (scipy's xlogy), normalised to [0, 1] by log K.
  let entropy = 0;
  for (let k = 0; k < classes; k++) {
    const p = values[start + k];
    if (p > 0) entropy -= p * Math.log(p);
  }
  const weighted = entropy / Math.log(classes) / Math.max(self, MIN_ALLOWED);
  return Math.log(weighted + 1) / Math.max(weighted, MIN_ALLOWED);
}

/**
 * Probabilities minus each class's confident threshold, shifted by the largest threshold and
 * renormalised per row (cleanlab's `_subtract_confident_thresholds`).
 */
export function subtractConfidentThresholds(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
): ClassProbabilities {
  const { values, rows, classes } = probabilities;
  const thresholds = confidentThresholds(labels, probabilities);
  const shift = Math.max(...thresholds);
  const adjusted = new Float64Array(values.length);
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let k = 0; k < classes; k++) {
      const value = values[i * classes + k] - thresholds[k] + shift;
      adjusted[i * classes + k] = value;
      total += value;
    }
    for (let k = 0; k < classes; k++) adjusted[i * classes + k] /= total;
  }
  return { values: adjusted, rows, classes };
}

/**
 * Indices of the flagged samples, worst label quality first (cleanlab's `order_label_issues`); equal
 * scores keep index order.
 *
 * @param mask - one flag per sample.
 */
export function orderLabelIssues(
  mask: Uint8Array,
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  options: ScoreOptions = {},
): Int32Array {
  const scores = labelQualityScores(labels, probabilities, options);
  const flagged = Int32Array.from(indicesOf(mask));
  const order = stableArgsort(Float64Array.from(flagged, (i) => scores[i]));
  return order.map((position) => flagged[position]);
}

/** Indices where `mask` is set, ascending. */
export function indicesOf(mask: Uint8Array): number[] {
  const indices: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) indices.push(i);
  return indices;
}
