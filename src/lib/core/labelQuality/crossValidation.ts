/**
 * Out-of-sample class probabilities without a model: k-fold cross-validated multinomial logistic
 * regression on embeddings. Confident learning needs probabilities the model did not fit the sample's
 * own label to; a model scored on its own training images looks certain and right about nearly all
 * of them, label errors included, so `checkInSample` warns when given predictions look like that.
 *
 * Every sample gets probabilities from the model trained on the other folds. Folds are stratified by
 * given label and drawn from `seed`, so a run is reproducible. Features are standardised with the
 * training folds' mean and standard deviation; the model is fitted by full-batch Adam on the mean
 * cross-entropy plus an L2 penalty on the weights (not the biases).
 *
 * Known shortcoming: a class with fewer samples than folds is missing from some training folds; the
 * model there gives it only the probability its zero-initialised weights drift to, so its samples
 * look mislabelled more easily (cleanlab instead copies one such sample into the training fold).
 */

import { AbortError } from '../errors';
import { LabelQualityInputError, type ClassProbabilities, type GivenLabels } from './probabilities';
import { seededRandom } from '../random';

export interface CrossValidationOptions {
  /** Number of folds, ≥ 2. Default 5. */
  folds?: number;
  /** Seed of the fold assignment. Default 0. */
  seed?: number;
  /** L2 penalty on the weights (per sample, like the loss). Default 1e-3. */
  l2?: number;
  /** Adam steps per fold. Default 300. */
  iterations?: number;
  /** Adam step size, in standardised feature units. Default 0.05. */
  learningRate?: number;
  /** Called after every fold and every 25 steps; `done` goes from 0 to 1. */
  onProgress?: (progress: { fold: number; folds: number; done: number }) => void;
  /** Checked between steps; an abort rejects with AbortError. */
  signal?: AbortSignal;
}

/** Steps between yields to the event loop, so a worker can receive an abort. */
const STEPS_PER_YIELD = 25;

/**
 * Cross-validated probabilities of every class for every sample.
 *
 * @param features - n × dim row-major embedding matrix (any scale; standardised per fold).
 * @param labels - given class index of each sample, in [0, classes).
 * @returns n × classes probabilities, each row from the model that did not see that sample.
 * @throws LabelQualityInputError on mismatched sizes or labels; AbortError when aborted.
 */
export async function crossValidatedProbabilities(
  features: Float32Array | Float64Array,
  dim: number,
  labels: GivenLabels,
  classes: number,
  options: CrossValidationOptions = {},
): Promise<ClassProbabilities> {
  const { folds = 5, seed = 0, onProgress, signal } = options;
  const n = labels.length;
  validate(features, dim, labels, classes, folds);

  const fold = assignFolds(labels, classes, folds, seed);
  const output = new Float64Array(n * classes);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);

    const report = (within: number) => onProgress?.({ fold: f, folds, done: (f + within) / folds });
    const model = await fitLogisticRegression(features, dim, labels, classes, train, options, report, signal);
    for (const i of test) output.set(model.predict(features, i), i * classes);
    report(1);
  }
  return { values: output, rows: n, classes };
}

/**
 * Stratified fold of each sample: each class's samples are shuffled (seeded) and dealt out in turn,
 * continuing where the previous class stopped, so folds differ in size by at most one.
 */
export function assignFolds(labels: GivenLabels, classes: number, folds: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (let k = 0; k < classes; k++) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === k) members.push(i);
    for (let m = members.length - 1; m > 0; m--) {
      const swap = Math.floor(random() * (m + 1));
      [members[m], members[swap]] = [members[swap], members[m]];
    }
    for (const i of members) fold[i] = next++ % folds;
  }
  return fold;
}

interface LinearModel {
  /** Class probabilities of sample `row` of `features`. */
  predict(features: Float32Array | Float64Array, row: number): Float64Array;
}

async function fitLogisticRegression(
  features: Float32Array | Float64Array,
  dim: number,
  labels: GivenLabels,
  classes: number,
  train: number[],
  { l2 = 1e-3, iterations = 300, learningRate = 0.05 }: CrossValidationOptions,
  report: (within: number) => void,
  signal: AbortSignal | undefined,
): Promise<LinearModel> {
  const { mean, scale } = standardisation(features, dim, train);
  const x = new Float64Array(train.length * dim);
  train.forEach((i, r) => {
    for (let d = 0; d < dim; d++) x[r * dim + d] = (features[i * dim + d] - mean[d]) * scale[d];
  });

  // Parameters: dim × classes weights, then classes biases, all in one array for Adam.
  const width = dim + 1;
  const parameters = new Float64Array(width * classes);
  const gradient = new Float64Array(parameters.length);
  const moment = new Float64Array(parameters.length);
  const velocity = new Float64Array(parameters.length);
  const logits = new Float64Array(classes);

  for (let step = 1; step <= iterations; step++) {
    if (step % STEPS_PER_YIELD === 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) throw new AbortError();
      report(step / iterations);
    }

    // Gradient of the mean cross-entropy: (softmax − one-hot) ⊗ x, averaged; plus l2 × weights.
    gradient.fill(0);
    for (let r = 0; r < train.length; r++) {
      softmax(x, r * dim, dim, parameters, classes, logits);
      logits[labels[train[r]]] -= 1;
      for (let k = 0; k < classes; k++) {
        const error = logits[k];
        if (error === 0) continue;
        for (let d = 0; d < dim; d++) gradient[d * classes + k] += error * x[r * dim + d];
        gradient[dim * classes + k] += error;
      }
    }
    const inverseCount = 1 / train.length;
    for (let j = 0; j < gradient.length; j++) {
      gradient[j] = gradient[j] * inverseCount + (j < dim * classes ? l2 * parameters[j] : 0);
    }
    adamStep(parameters, gradient, moment, velocity, step, learningRate);
  }

  return {
    predict(source, row) {
      const standardised = new Float64Array(dim);
      for (let d = 0; d < dim; d++) standardised[d] = (source[row * dim + d] - mean[d]) * scale[d];
      const probabilities = new Float64Array(classes);
      softmax(standardised, 0, dim, parameters, classes, probabilities);
      return probabilities;
    },
  };
}

/** Softmax of one row's logits into `out` (max-subtracted, so large logits do not overflow). */
function softmax(
  x: Float64Array,
  offset: number,
  dim: number,
  parameters: Float64Array,
  classes: number,
  out: Float64Array,
): void {
  let largest = -Infinity;
  for (let k = 0; k < classes; k++) {
    let logit = parameters[dim * classes + k];
    for (let d = 0; d < dim; d++) logit += x[offset + d] * parameters[d * classes + k];
    out[k] = logit;
    if (logit > largest) largest = logit;
  }
  let total = 0;
  for (let k = 0; k < classes; k++) {
    out[k] = Math.exp(out[k] - largest);
    total += out[k];
  }
  for (let k = 0; k < classes; k++) out[k] /= total;
}

/** One Adam update (β1 0.9, β2 0.999, ε 1e-8) in place. */
function adamStep(
  parameters: Float64Array,
  gradient: Float64Array,
  moment: Float64Array,
  velocity: Float64Array,
  step: number,
  learningRate: number,
): void {
  const correction1 = 1 - 0.9 ** step;
  const correction2 = 1 - 0.999 ** step;
  for (let j = 0; j < parameters.length; j++) {
    moment[j] = 0.9 * moment[j] + 0.1 * gradient[j];
    velocity[j] = 0.999 * velocity[j] + 0.001 * gradient[j] * gradient[j];
    parameters[j] -=
      (learningRate * (moment[j] / correction1)) / (Math.sqrt(velocity[j] / correction2) + 1e-8);
  }
}

/** Per-feature mean and 1 / standard deviation over the training rows (constant features: scale 1). */
function standardisation(features: Float32Array | Float64Array, dim: number, rows: number[]) {
  const mean = new Float64Array(dim);
  const scale = new Float64Array(dim);
  for (const i of rows) for (let d = 0; d < dim; d++) mean[d] += features[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= rows.length;
  for (const i of rows) for (let d = 0; d < dim; d++) scale[d] += (features[i * dim + d] - mean[d]) ** 2;
  for (let d = 0; d < dim; d++) {
    const deviation = Math.sqrt(scale[d] / rows.length);
    scale[d] = deviation > 1e-12 ? 1 / deviation : 1;
  }
  return { mean, scale };
}

function validate(
  features: Float32Array | Float64Array,
  dim: number,
  labels: GivenLabels,
  classes: number,
  folds: number,
): void {
  if (!Number.isInteger(dim) || dim < 1) throw new LabelQualityInputError('dim', dim, 'an integer >= 1');
  if (features.length !== labels.length * dim)
    throw new LabelQualityInputError(
      'features.length',
      features.length,
      `labels × dim = ${labels.length * dim}`,
    );
  if (!Number.isInteger(folds) || folds < 2 || folds > labels.length)
    throw new LabelQualityInputError('folds', folds, `an integer in [2, ${labels.length}]`);
  for (let i = 0; i < labels.length; i++)
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes)
      throw new LabelQualityInputError(
        `labels[${i}]`,
        labels[i],
        `an integer class index in [0, ${classes})`,
      );
  for (let j = 0; j < features.length; j++)
    if (!Number.isFinite(features[j]))
      throw new LabelQualityInputError(
        `features[${Math.floor(j / dim)}][${j % dim}]`,
        features[j],
        'a finite number',
      );
}

/** What `checkInSample` found. */
export interface InSampleCheck {
  /** Share of samples whose argmax is the given label. */
  accuracy: number;
  /** Mean probability of the given label. */
  meanSelfConfidence: number;
  looksInSample: boolean;
  /** A sentence for the user when `looksInSample`. */
  message?: string;
}

/**
 * Heuristic: predictions whose argmax agrees with ≥ 99% of the given labels with a mean probability of
 * the given label ≥ 0.95 were most likely made by a model trained on these very labels (real label
 * noise is rarely under 1%, and held-out predictions are rarely that sure). Label issues found from
 * such predictions miss most errors, because the model has learnt them. Thresholds are adjustable.
 */
export function checkInSample(
  labels: GivenLabels,
  probabilities: ClassProbabilities,
  { minAccuracy = 0.99, minMeanSelfConfidence = 0.95 } = {},
): InSampleCheck {
  const { values, rows, classes } = probabilities;
  let agree = 0;
  let selfConfidence = 0;
  for (let i = 0; i < rows; i++) {
    const start = i * classes;
    let best = 0;
    for (let k = 1; k < classes; k++) if (values[start + k] > values[start + best]) best = k;
    if (best === labels[i]) agree++;
    selfConfidence += values[start + labels[i]];
  }
  const accuracy = agree / rows;
  const meanSelfConfidence = selfConfidence / rows;
  const looksInSample = accuracy >= minAccuracy && meanSelfConfidence >= minMeanSelfConfidence;
  const message = looksInSample
    ? `these predictions agree with ${(accuracy * 100).toFixed(1)}% of the labels at a mean confidence of ` +
      `${meanSelfConfidence.toFixed(3)}: they look in-sample (made by a model trained on these labels); ` +
      'label-issue detection needs out-of-sample probabilities, e.g. cross-validated on the embeddings'
    : undefined;
  return { accuracy, meanSelfConfidence, looksInSample, message };
}
