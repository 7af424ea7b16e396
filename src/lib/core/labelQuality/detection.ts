/**
 * Label issues in a detection dataset, from one prediction run: scores in [0, 1] (0 = no evidence)
 * for the three kinds of box-label error, per ground-truth box and per prediction, and one
 * label-quality score per image. All boxes are pixel xywh; IoU is `geometry.ts`'s (no "+1").
 *
 * Notation, per image: g a ground-truth box of class c; p a prediction; IoU(p, g) their overlap.
 * P(p, k) is p's probability of class k: its `probabilities[k]` when the run has them, otherwise
 * its score for its own class and 0 for every other class. "p belongs to g" when no other box of
 * the image with p's class overlaps p more than g does (so one object's prediction is evidence
 * about that object's label only).
 *
 * - **overlooked** (per prediction p, class k = its class, s = P(p, k)): 0 when s is below
 *   `confidentScore` or a ground truth of class k overlaps p at IoU ≥ `iouThreshold`; otherwise
 *   s × (1 − max_g IoU(p, g)) over every ground truth of the image, any class: a confident detection
 *   where nothing is labelled, likely a missing label.
 * - **swapped** (per ground truth g): with O = max P(p, j) over j ≠ c and predictions p with
 *   IoU(p, g) ≥ `iouThreshold` that belong to g, and S = max P(p, c) over the same predictions,
 *   swapped = O × (1 − S) when O ≥ `confidentScore`, else 0: a confident other-class detection on
 *   the box and no support for its label.
 * - **badly located** (per ground truth g): with p* the same-class prediction (P(p, c) ≥
 *   `minScore`) belonging to g with the highest IoU, provided IoU ≥ `minOverlap`,
 *   badlyLocated = √P(p*, c) × (1 − IoU(p*, g)) (the square root so a fairly confident, clearly
 *   shifted box outranks a timid one only mildly); 0 when there is none (a box no prediction sees is
 *   a detector miss as often as a spurious label, so it is not scored here).
 * - **image label quality**: a soft minimum over every box's quality q = 1 − its largest issue
 *   score (ground truth and predictions), softmin_T(q) = Σ q e^(−q/T) / Σ e^(−q/T) with temperature
 *   T (`temperature`, 0.1: close to the minimum, so one bad box ranks its image low); 1 when the
 *   image has no boxes.
 *
 * Known shortcoming: a spurious ground-truth box (labelled where nothing is) gets no score, because
 * without a detector's full recall it looks exactly like an object the detector missed.
 */

import type { Dataset, PredictionRun } from '../dataset';
import { categoryIndex } from '../dataset';
import { packBoxes, packedIou } from '../geometry';
import { groupByImage } from '../matching';

export interface DetectionIssueOptions {
  /** IoU at which a prediction covers a ground-truth box, in [0, 1]. Default 0.5. */
  iouThreshold?: number;
  /** Probability from which a prediction counts as confident (overlooked, swapped). Default 0.5. */
  confidentScore?: number;
  /** Lowest same-class probability considered for badly located. Default 0.3. */
  minScore?: number;
  /** Lowest IoU at which a same-class prediction is taken to be about the same object. Default 0.1. */
  minOverlap?: number;
  /** Softmin temperature of the image score; lower is closer to the minimum. Default 0.1. */
  temperature?: number;
}

export type DetectionIssueKind = 'overlooked' | 'swapped' | 'badlyLocated';

export const DETECTION_ISSUE_KINDS: readonly DetectionIssueKind[] = ['overlooked', 'swapped', 'badlyLocated'];

/** Scores as columns: per prediction (like `run.predictions`), per ground truth, per image. */
export interface DetectionIssues {
  runName: string;
  options: Required<DetectionIssueOptions>;
  /** Per prediction: overlooked score in [0, 1]. */
  overlooked: Float64Array;
  /** Per ground truth: swapped score in [0, 1]. */
  swapped: Float64Array;
  /** Per ground truth: the prediction giving the swapped evidence, or -1. */
  swappedBy: Int32Array;
  /** Per ground truth: badly-located score in [0, 1]. */
  badlyLocated: Float64Array;
  /** Per ground truth: the best same-class prediction (the one compared), or -1. */
  badlyLocatedBy: Int32Array;
  /** Per image: label-quality score in [0, 1], low = likely label errors. */
  imageQuality: Float64Array;
}

const DEFAULTS: Required<DetectionIssueOptions> = {
  iouThreshold: 0.5,
  confidentScore: 0.5,
  minScore: 0.3,
  minOverlap: 0.1,
  temperature: 0.1,
};

/**
 * Scores every ground-truth box and prediction of `run` for the three issue kinds and every image
 * for label quality (see the module comment for the formulas).
 *
 * @throws RangeError for an option out of range or an `imageIndex` outside `dataset.images`.
 */
export function findDetectionIssues(
  dataset: Dataset,
  run: PredictionRun,
  options: DetectionIssueOptions = {},
): DetectionIssues {
  const resolved = resolveOptions(options);
  const { groundTruth, images, categories } = dataset;
  const predictions = run.predictions;
  const columnOf = categoryIndex(categories);
  const result: DetectionIssues = {
    runName: run.name,
    options: resolved,
    overlooked: new Float64Array(predictions.length),
    swapped: new Float64Array(groundTruth.length),
    swappedBy: new Int32Array(groundTruth.length).fill(-1),
    badlyLocated: new Float64Array(groundTruth.length),
    badlyLocatedBy: new Int32Array(groundTruth.length).fill(-1),
    imageQuality: new Float64Array(images.length).fill(1),
  };

  const gtBoxes = packBoxes(groundTruth.map((gt) => gt.box));
  const predBoxes = packBoxes(predictions.map((p) => p.box));
  const gtGroups = groupByImage(
    groundTruth,
    images.length,
    (i) => !!groundTruth[i].box && !groundTruth[i].crowd,
  );
  const predGroups = groupByImage(predictions, images.length, (i) => !!predictions[i].box);

  // P(p, k) for a category id: the probability vector when present, else the score for its own class.
  const probability = (p: number, categoryId: number): number => {
    const prediction = predictions[p];
    const column = columnOf.get(categoryId);
    if (prediction.probabilities && column !== undefined) return prediction.probabilities[column] ?? 0;
    return prediction.categoryId === categoryId ? prediction.score : 0;
  };
  const bestOther = (p: number, categoryId: number): number => {
    const prediction = predictions[p];
    if (!prediction.probabilities) return prediction.categoryId === categoryId ? 0 : prediction.score;
    const own = columnOf.get(categoryId);
    return Math.max(0, ...prediction.probabilities.filter((_, column) => column !== own));
  };
  const scorer = { probability, bestOther, gtBoxes, predBoxes, resolved, result, dataset, run };

  for (let image = 0; image < images.length; image++) {
    const gts = gtGroups.members.subarray(gtGroups.offsets[image], gtGroups.offsets[image + 1]);
    const preds = predGroups.members.subarray(predGroups.offsets[image], predGroups.offsets[image + 1]);
    if (gts.length === 0 && preds.length === 0) continue;
    scoreImage(scorer, image, gts, preds);
  }
  return result;
}

interface Scorer {
  probability: (p: number, categoryId: number) => number;
  bestOther: (p: number, categoryId: number) => number;
  gtBoxes: Float64Array;
  predBoxes: Float64Array;
  resolved: Required<DetectionIssueOptions>;
  result: DetectionIssues;
  dataset: Dataset;
  run: PredictionRun;
}

function scoreImage(scorer: Scorer, image: number, gts: Int32Array, preds: Int32Array): void {
  const { probability, bestOther, resolved, result, dataset, run } = scorer;
  const { iouThreshold, confidentScore, minScore, minOverlap } = resolved;
  const overlap = new Float64Array(gts.length * preds.length);
  for (let a = 0; a < gts.length; a++)
    for (let b = 0; b < preds.length; b++)
      overlap[a * preds.length + b] = packedIou(scorer.gtBoxes, gts[a], scorer.predBoxes, preds[b]);
  const iouOf = (a: number, b: number) => overlap[a * preds.length + b];
  const gtClass = (a: number) => dataset.groundTruth[gts[a]].categoryId;

  // p belongs to g when no other ground truth of p's class overlaps p more than g does.
  const belongsTo = (b: number, a: number) => {
    const own = run.predictions[preds[b]].categoryId;
    for (let other = 0; other < gts.length; other++)
      if (other !== a && gtClass(other) === own && iouOf(other, b) > iouOf(a, b)) return false;
    return true;
  };

  // Overlooked: confident, matched by no same-class box, scaled by how little any box covers it.
  for (let b = 0; b < preds.length; b++) {
    const prediction = run.predictions[preds[b]];
    const confidence = probability(preds[b], prediction.categoryId);
    if (confidence < confidentScore) continue;
    let covered = 0;
    let matched = false;
    for (let a = 0; a < gts.length; a++) {
      covered = Math.max(covered, iouOf(a, b));
      if (gtClass(a) === prediction.categoryId && iouOf(a, b) >= iouThreshold) matched = true;
    }
    if (!matched) result.overlooked[preds[b]] = confidence * (1 - covered);
  }

  for (let a = 0; a < gts.length; a++) {
    const c = gtClass(a);

    // Swapped: the strongest other-class evidence on the box against the strongest support for c.
    let other = 0;
    let support = 0;
    let evidence = -1;
    // Badly located: the same-class prediction about this object that overlaps it most.
    let bestIou = 0;
    let best = -1;
    for (let b = 0; b < preds.length; b++) {
      const value = iouOf(a, b);
      if (value < minOverlap || !belongsTo(b, a)) continue;
      const p = preds[b];
      if (value >= iouThreshold) {
        const against = bestOther(p, c);
        if (against > other) [other, evidence] = [against, p];
        support = Math.max(support, probability(p, c));
      }
      if (run.predictions[p].categoryId === c && probability(p, c) >= minScore && value > bestIou)
        [bestIou, best] = [value, p];
    }
    if (other >= confidentScore) {
      result.swapped[gts[a]] = other * (1 - support);
      result.swappedBy[gts[a]] = evidence;
    }
    if (best >= 0) {
      result.badlyLocated[gts[a]] = Math.sqrt(probability(best, c)) * (1 - bestIou);
      result.badlyLocatedBy[gts[a]] = best;
    }
  }

  result.imageQuality[image] = softmin(boxQualities(result, gts, preds), resolved.temperature);
}

/** Quality of every box of the image: 1 − its largest issue score. */
function boxQualities(result: DetectionIssues, gts: Int32Array, preds: Int32Array): number[] {
  return [
    ...Array.from(gts, (g) => 1 - Math.max(result.swapped[g], result.badlyLocated[g])),
    ...Array.from(preds, (p) => 1 - result.overlooked[p]),
  ];
}

/**
 * Soft minimum Σ q e^(−q/T) / Σ e^(−q/T): near min(q) for small T, near the mean for large T.
 * Exponents are shifted by the minimum so a small T cannot underflow every weight.
 *
 * @returns 1 for an empty list.
 */
export function softmin(values: readonly number[], temperature: number): number {
  if (values.length === 0) return 1;
  const lowest = Math.min(...values);
  let weighted = 0;
  let total = 0;
  for (const value of values) {
    const weight = Math.exp(-(value - lowest) / temperature);
    weighted += value * weight;
    total += weight;
  }
  return weighted / total;
}

function resolveOptions(options: DetectionIssueOptions): Required<DetectionIssueOptions> {
  const resolved = { ...DEFAULTS, ...options };
  for (const key of ['iouThreshold', 'confidentScore', 'minScore', 'minOverlap'] as const) {
    const value = resolved[key];
    if (!(value >= 0 && value <= 1))
      throw new RangeError(`invalid ${key}: ${value} (expected a number in [0, 1])`);
  }
  if (!(resolved.temperature > 0))
    throw new RangeError(`invalid temperature: ${resolved.temperature} (expected a number > 0)`);
  return resolved;
}
