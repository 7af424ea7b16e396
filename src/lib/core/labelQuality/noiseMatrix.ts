/**
 * The latent quantities of confident learning, from the calibrated confident joint: the prior of the
 * true labels p(y), the noise matrix P(given | true) and the inverse noise matrix P(true | given),
 * as cleanlab 2.9's `count.estimate_py_and_noise_matrices_from_probabilities` (py_method "cnt") with
 * its `latent_algebra` helpers.
 */

import { computeConfidentJoint, TINY_VALUE, sum, type SquareMatrix } from './confidentJoint';
import { labelCounts, type ClassProbabilities, type GivenLabels } from './probabilities';

/** Output of `estimateNoiseMatrices`. */
export interface NoiseEstimates {
  /** p(true label = k), K probabilities summing to 1. */
  priorTrue: Float64Array;
  /** P(given = i | true = j) at [i][j]; columns sum to 1. */
  noiseMatrix: SquareMatrix;
  /** P(true = i | given = j) at [i][j]; columns sum to 1. */
  inverseNoiseMatrix: SquareMatrix;
  /** The calibrated confident joint they come from, C[given][true]. */
  confidentJoint: SquareMatrix;
}

/** Iterations of cleanlab's `_converge_estimates`. */
const INVERSE_ITERATIONS = 5;
const NOISE_ITERATIONS = 3;
/** Floor of every true-class prior, as cleanlab clips p(y). */
const PRIOR_FLOOR = 1e-5;
/** Ceiling of an off-diagonal noise rate. */
const NOISE_RATE_CEILING = 0.9999;

/**
 * Estimates p(y), the noise matrix and the inverse noise matrix from the calibrated confident joint:
 * noise[i][j] = C[i][j] / Σ_i C[i][j], inverse[j][i] = C[i][j] / Σ_j C[i][j],
 * p(y = k) = inverse[k][k] / noise[k][k] × p(given = k); noise rates clipped to [0, 0.9999) and the
 * columns renormalised; then, when `converge` (cleanlab's default here), the three are made
 * algebraically consistent by 3 × 5 rounds of recomputing one from the others.
 */
export function estimateNoiseMatrices(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  { converge = true }: { converge?: boolean } = {},
): NoiseEstimates {
  const confidentJoint = computeConfidentJoint(labels, probabilities).joint;
  const { size, values } = confidentJoint;
  const priorGiven = labelCounts(labels, size).map((count) => count / labels.length);

  // Row sums count confident samples per given label; column sums per estimated true label.
  const rowSums = new Float64Array(size);
  const columnSums = new Float64Array(size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      rowSums[i] += values[i * size + j];
      columnSums[j] += values[i * size + j];
    }

  let noise: Float64Array = new Float64Array(size * size);
  let inverse: Float64Array = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      noise[i * size + j] = values[i * size + j] / columnSums[j];
      inverse[j * size + i] = values[i * size + j] / rowSums[i];
    }
  let prior = priorFromCounts(priorGiven, noise, inverse, size);
  noise = clipNoiseRates(noise, size);
  inverse = clipNoiseRates(inverse, size);

  if (converge) {
    for (let outer = 0; outer < NOISE_ITERATIONS; outer++) {
      for (let inner = 0; inner < INVERSE_ITERATIONS; inner++) {
        inverse = inverseFromNoise(prior, noise, priorGiven, size);
        prior = priorFromCounts(priorGiven, noise, inverse, size);
      }
      noise = noiseFromInverse(priorGiven, inverse, prior, size);
    }
    prior = clipValues(prior, PRIOR_FLOOR, 1, 1);
    noise = clipNoiseRates(noise, size);
    inverse = clipNoiseRates(inverse, size);
  }

  return {
    priorTrue: prior,
    noiseMatrix: { size, values: noise },
    inverseNoiseMatrix: { size, values: inverse },
    confidentJoint,
  };
}

/** cleanlab's `compute_py` with py_method "cnt": diag(inverse) / diag(noise) × p(given), clipped. */
function priorFromCounts(priorGiven: Float64Array, noise: Float64Array, inverse: Float64Array, size: number) {
  const prior = priorGiven.map((p, k) => (inverse[k * size + k] / noise[k * size + k]) * p);
  return clipValues(prior, PRIOR_FLOOR, 1, 1);
}

/** inverse[a][b] = noise[b][a] × p(y = a) / p(given = b), then clipped (`compute_inv_noise_matrix`). */
function inverseFromNoise(prior: Float64Array, noise: Float64Array, priorGiven: Float64Array, size: number) {
  const inverse = new Float64Array(size * size);
  for (let a = 0; a < size; a++)
    for (let b = 0; b < size; b++) inverse[a * size + b] = (noise[b * size + a] * prior[a]) / priorGiven[b];
  return clipNoiseRates(inverse, size);
}

/** noise[a][b] = inverse[b][a] × p(given = a) / p(y = b), then clipped (`compute_noise_matrix_from_inverse`). */
function noiseFromInverse(
  priorGiven: Float64Array,
  inverse: Float64Array,
  prior: Float64Array,
  size: number,
) {
  const noise = new Float64Array(size * size);
  for (let a = 0; a < size; a++)
    for (let b = 0; b < size; b++) noise[a * size + b] = (inverse[b * size + a] * priorGiven[a]) / prior[b];
  return clipNoiseRates(noise, size);
}

/**
 * Clips off-diagonal rates to [0, 0.9999], keeps the diagonal, and renormalises columns to sum to 1
 * (cleanlab's `clip_noise_rates`).
 */
function clipNoiseRates(matrix: Float64Array, size: number): Float64Array {
  const clipped = matrix.map((value, index) =>
    index % (size + 1) === 0 ? value : Math.min(Math.max(value, 0), NOISE_RATE_CEILING),
  );
  for (let j = 0; j < size; j++) {
    let column = 0;
    for (let i = 0; i < size; i++) column += clipped[i * size + j];
    const denominator = Math.max(column, TINY_VALUE);
    for (let i = 0; i < size; i++) clipped[i * size + j] /= denominator;
  }
  return clipped;
}

/** Clips to [low, high] and rescales to sum to `newSum` (cleanlab's `clip_values`). */
function clipValues(values: Float64Array, low: number, high: number, newSum: number): Float64Array {
  const clipped = values.map((value) => Math.min(Math.max(value, low), high));
  const total = Math.max(sum(clipped), TINY_VALUE);
  return clipped.map((value) => (value * newSum) / total);
}
