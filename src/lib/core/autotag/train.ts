/**
 * The Autotag classifier: L2-regularised logistic regression on embedding rows, trained with L-BFGS.
 *
 * Judged rows are few (tens to a few hundred), so training works on a gathered copy of just those rows
 * plus a sample of unjudged rows taken as weak negatives; scoring then makes one pass over the matrix.
 */
import { dotAllRows, dotRows } from '../search/dot';
import { checkRow, rowCount } from '../search/knn';
import { minimizeLbfgs, type Objective } from './lbfgs';
import { seededRandom } from '../random';

/** A linear decision function on embeddings: P(yes | x) = σ(weights · x + bias). */
export interface LinearModel {
  /** One weight per embedding dimension. */
  weights: Float32Array;
  bias: number;
  dim: number;
}

export interface TrainOptions {
  /**
   * Strength λ of the L2 penalty (λ/2)·‖w‖² next to a loss whose weights sum to 1. Default 1e-3, which
   * bounds ‖w‖ near 40 on unit rows: enough for a sharp tag, not enough to memorise ten examples.
   */
  l2?: number;
  /**
   * Unjudged rows sampled as weak negatives, each weighing `WEAK_NEGATIVE_WEIGHT` of a judged negative.
   * Default 64. They keep a model trained on a handful of positives from calling everything "yes";
   * those the first fit scores "yes" are dropped before a second fit (see `trainLinearClassifier`).
   */
  weakNegatives?: number;
  /** Seed of the weak-negative sample: equal seeds give equal models. Default 1. */
  seed?: number;
  /** L-BFGS iteration cap. Default 100. */
  epochs?: number;
}

/**
 * A weak negative counts a fifth of a judged one: unjudged rows include positives at the concept's
 * base rate, so they may only pull, not decide.
 */
export const WEAK_NEGATIVE_WEIGHT = 0.2;

/**
 * Trains a classifier on judged rows.
 *
 * Loss: Σ c_i · log(1 + e^(−y_i (w·x_i + b))) + (l2/2)·‖w‖², y = ±1, with class-balanced weights c
 * (the positives together weigh ½, the negatives, judged and weak, together ½), so a round with three
 * positives and fifty negatives does not learn "always no". The bias is not penalised. Weak negatives
 * that the first fit places on the "yes" side are then dropped and the model refit once: unjudged rows
 * hold positives at the concept's base rate, and a common concept would otherwise be held back.
 *
 * @param rows - judged row indices into `embeddings` (n × `dim`, unit rows).
 * @param labels - one per row: 1 = yes, 0 = no.
 * @throws RangeError on mismatched lengths, a label other than 0/1, a row out of range, no positive,
 *   or no negative at all (none judged and none sampled).
 */
export function trainLinearClassifier(
  embeddings: Float32Array,
  dim: number,
  rows: Int32Array,
  labels: Uint8Array,
  options: TrainOptions = {},
): LinearModel {
  const count = rowCount(embeddings, dim);
  const l2 = options.l2 ?? 1e-3;
  checkJudgements(rows, labels, count);

  // Training set: the judged rows, then the weak negatives, gathered into one dense block.
  const weak = sampleUnjudged(count, rows, options.weakNegatives ?? 64, options.seed ?? 1);
  const size = rows.length + weak.length;
  const features = new Float32Array(size * dim);
  const targets = new Float64Array(size);
  const weights = classWeights(labels, weak.length);
  rows.forEach((row, i) => {
    features.set(embeddings.subarray(row * dim, (row + 1) * dim), i * dim);
    targets[i] = labels[i] === 1 ? 1 : -1;
  });
  weak.forEach((row, j) => {
    features.set(embeddings.subarray(row * dim, (row + 1) * dim), (rows.length + j) * dim);
    targets[rows.length + j] = -1;
  });

  // Unknowns: dim weights then the bias.
  const solution = new Float64Array(dim + 1);
  const fit = { maxIterations: options.epochs ?? 100, gradientTolerance: 1e-6 };
  const objective = logisticObjective(features, dim, targets, weights, l2);
  minimizeLbfgs(objective, solution, fit);

  // Weak negatives the first fit already calls "yes" are most likely unjudged positives: drop them and
  // refit from there, so a common concept is not taught that a quarter of its members are "no".
  if (weak.length > 0 && dropLikelyPositives(features, dim, solution, rows.length, weights)) {
    minimizeLbfgs(logisticObjective(features, dim, targets, weights, l2), solution, fit);
  }

  return { weights: Float32Array.from(solution.subarray(0, dim)), bias: solution[dim], dim };
}

/**
 * P(yes) for every row of `embeddings` under `model`, in row order.
 *
 * @returns n probabilities in [0, 1]; NaN for a row holding NaN.
 * @throws RangeError when the model's dimension differs from `dim`.
 */
export function scoreWithModel(model: LinearModel, embeddings: Float32Array, dim: number): Float32Array {
  rowCount(embeddings, dim);
  if (model.dim !== dim || model.weights.length !== dim) {
    throw new RangeError(
      `invalid model: dim ${model.dim} with ${model.weights.length} weights (expected ${dim})`,
    );
  }
  const bias = model.bias;
  return dotAllRows(embeddings, dim, Float64Array.from(model.weights), (sum) => sigmoid(sum + bias));
}

/** The class-weighted logistic loss plus the L2 penalty, with its gradient; unknowns are (w, b). */
function logisticObjective(
  features: Float32Array,
  dim: number,
  targets: Float64Array,
  weights: Float64Array,
  l2: number,
): Objective {
  const size = targets.length;
  const margins = new Float64Array(size);
  const residuals = new Float64Array(size);
  return (x, gradient) => {
    dotRows(features, dim, x, 0, 0, size, margins, 0);
    let loss = 0;
    for (let i = 0; i < size; i++) {
      const z = targets[i] * (margins[i] + x[dim]);
      loss += weights[i] * softplus(-z);
      residuals[i] = -weights[i] * targets[i] * sigmoid(-z);
    }

    gradient.fill(0);
    let biasGradient = 0;
    for (let i = 0; i < size; i++) {
      const r = residuals[i];
      if (r === 0) continue;
      biasGradient += r;
      const offset = i * dim;
      for (let d = 0; d < dim; d++) gradient[d] += r * features[offset + d];
    }
    let penalty = 0;
    for (let d = 0; d < dim; d++) {
      penalty += x[d] * x[d];
      gradient[d] += l2 * x[d];
    }
    gradient[dim] = biasGradient;
    return loss + 0.5 * l2 * penalty;
  };
}

/**
 * Zeroes the weight of every weak negative (rows from `firstWeak` on) with a positive margin and
 * renormalises the remaining weak mass to what it was. @returns whether any was dropped.
 */
function dropLikelyPositives(
  features: Float32Array,
  dim: number,
  solution: Float64Array,
  firstWeak: number,
  weights: Float64Array,
): boolean {
  const size = weights.length;
  const margins = new Float64Array(size - firstWeak);
  dotRows(features, dim, solution, 0, firstWeak, size, margins, 0);
  let dropped = 0;
  for (let j = 0; j < margins.length; j++) {
    if (margins[j] + solution[dim] > 0) {
      weights[firstWeak + j] = 0;
      dropped++;
    }
  }
  if (dropped === 0 || dropped === margins.length) return dropped > 0;
  const scale = margins.length / (margins.length - dropped);
  for (let i = firstWeak; i < size; i++) weights[i] *= scale;
  return true;
}

function checkJudgements(rows: Int32Array, labels: Uint8Array, count: number): void {
  if (rows.length !== labels.length) {
    throw new RangeError(
      `invalid judgements: ${rows.length} rows but ${labels.length} labels (expected equal)`,
    );
  }
  let positives = 0;
  for (let i = 0; i < rows.length; i++) {
    checkRow(rows[i], count);
    if (labels[i] > 1) throw new RangeError(`invalid label at ${i}: ${labels[i]} (expected 0 or 1)`);
    positives += labels[i];
  }
  if (positives === 0) throw new RangeError('invalid judgements: no positive (expected at least one yes)');
}

/** Per-example loss weights: each class sums to ½; a weak negative weighs `WEAK_NEGATIVE_WEIGHT` of a judged one. */
function classWeights(labels: Uint8Array, weakCount: number): Float64Array {
  let positives = 0;
  for (const label of labels) positives += label;
  const negatives = labels.length - positives;
  const negativeMass = negatives + WEAK_NEGATIVE_WEIGHT * weakCount;
  if (negativeMass === 0) {
    throw new RangeError('invalid judgements: no negative (judge a "no" or allow weak negatives)');
  }
  const weights = new Float64Array(labels.length + weakCount);
  labels.forEach((label, i) => (weights[i] = label === 1 ? 0.5 / positives : 0.5 / negativeMass));
  weights.fill((0.5 * WEAK_NEGATIVE_WEIGHT) / negativeMass, labels.length);
  return weights;
}

/** Up to `wanted` distinct rows not in `judged`, drawn uniformly with a seeded generator. */
function sampleUnjudged(count: number, judged: Int32Array, wanted: number, seed: number): Int32Array {
  const taken = new Uint8Array(count);
  for (const row of judged) taken[row] = 1;
  const available = count - countOnes(taken);
  const size = Math.max(0, Math.min(wanted, available));
  const sample = new Int32Array(size);
  const random = seededRandom(seed);

  // Rejection sampling while the pool is large; a partial shuffle of the remainder when it is not.
  if (size * 2 <= available) {
    for (let filled = 0; filled < size;) {
      const row = Math.floor(random() * count);
      if (taken[row]) continue;
      taken[row] = 1;
      sample[filled++] = row;
    }
  } else {
    const pool = new Int32Array(available);
    for (let row = 0, j = 0; row < count; row++) if (!taken[row]) pool[j++] = row;
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (available - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    sample.set(pool.subarray(0, size));
  }
  return sample;
}

function countOnes(mask: Uint8Array): number {
  let ones = 0;
  for (const bit of mask) ones += bit;
  return ones;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
