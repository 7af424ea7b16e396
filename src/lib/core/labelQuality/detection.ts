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
 *   where nothing is labelled, likely a missing label (0 for boxes whose shorter side is under
 *   `minOverlookedSide` pixels).
 * - **swapped** (per ground truth g): with O = max P(p, j) over j ≠ c and predictions p with
 *   IoU(p, g) ≥ `iouThreshold` that belong to g, and S = max P(p, c) over the same predictions, the
 *   detector's evidence is D = O × (1 − S) when O ≥ `confidentScore`, else 0: a confident
 *   other-class detection on the box and no support for its label. With crop evidence (below), the
 *   crop's evidence is E = max_{j≠c} q(g, j), the crop's strongest other class (O's counterpart),
 *   when no same-class prediction is about g (the badly-located p* below does not exist), else 0;
 *   swapped = 1 − (1 − D)(1 − E) (noisy-or: either witness alone can flag the box). E is ignored
 *   where the detector sees the labelled class on the box, because a crop that disagrees there is
 *   usually a badly drawn box, not a wrong class. (Chosen on the demo generated with seed 7 over
 *   E = max(0, max_{j≠c} q − q(g, c)) and E = 1 − q(g, c): 53 of 58 swaps at K against 52 and 48.)
 * - **badly located** (per ground truth g): with p* the same-class prediction (P(p, c) ≥
 *   `minScore`) belonging to g with the highest IoU, provided IoU ≥ `minOverlap`,
 *   badlyLocated = √P(p*, c) × (1 − IoU(p*, g)) (the square root so a fairly confident, clearly
 *   shifted box outranks a timid one only mildly); 0 when there is none. Crop evidence is not used
 *   here: on the demo generated with seed 7, × (1 − q(g, c)) found 36 of 58 shifted boxes at K,
 *   noisy-or with it 23, × √(1 − q(g, c)) 39, against 38 without.
 * - **unsupported** (per ground truth g; cleanlab counts such boxes as badly located, Longtail keeps
 *   them apart because the evidence differs): 0 when any prediction, of any class and any score,
 *   overlaps g at IoU ≥ `minOverlap`, or when g has no crop evidence; otherwise R × (1 − q(g, c)),
 *   where R is the share of the image's other ground-truth boxes that some prediction does overlap
 *   that much (the detector's recall on this image: a box it misses among boxes it sees is
 *   suspicious, one of many misses in a dark image is not; R = 0 when the image has no other box):
 *   a likely spurious box, drawn where nothing is. Two witnesses are required because R alone is
 *   mostly detector misses (on the demo, 1 of 12 spurious boxes in its top 12).
 * - **crop evidence** (optional, `DetectionEvidence`): q(g, k), the probability of class k for g's
 *   box crop from a model that did not see g's label, e.g. `cropLabelProbabilities` (cross-validated
 *   logistic regression on crop embeddings): kNN-style label disagreement as a second witness.
 * - **image label quality**: a soft minimum over every box's quality q = 1 − its largest issue
 *   score (ground truth and predictions), softmin_T(q) = Σ q e^(−q/T) / Σ e^(−q/T) with temperature
 *   T (`temperature`, 0.1: close to the minimum, so one bad box ranks its image low); 1 when the
 *   image has no boxes.
 *
 * Known shortcomings: the unsupported ranking also holds objects the detector missed whose crop does
 * not look like their class (on the demo, 5 of its top 12 are spurious boxes, 5 are swapped or
 * shifted boxes the detector missed); crop evidence cannot help where the embedding model confuses
 * the classes; it is not used for overlooked predictions (scoring prediction crops by the same model
 * found fewer missing boxes on the demo, not more).
 */

import type { Dataset, PredictionRun } from '../dataset';
import { categoryIndex } from '../dataset';
import type { ClassProbabilities } from './probabilities';
import { LabelQualityInputError } from './probabilities';
import { packedIou } from '../geometry';
import { boxLayout } from './boxLayout';

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
  /**
   * Predictions whose shorter side is under this many pixels are never overlooked. Default 0 (all).
   * Datasets such as Pascal VOC leave tiny background objects unlabelled on purpose; this keeps
   * their detections from filling the "likely missing labels" list.
   */
  minOverlookedSide?: number;
}

export type DetectionIssueKind = 'overlooked' | 'swapped' | 'badlyLocated' | 'unsupported';

export const DETECTION_ISSUE_KINDS: readonly DetectionIssueKind[] = [
  'overlooked',
  'swapped',
  'badlyLocated',
  'unsupported',
];

/** Second evidence besides the run (see the module comment). */
export interface DetectionEvidence {
  /**
   * q(g, k): per ground-truth box (rows in `dataset.groundTruth` order), out-of-sample probabilities
   * of every class (columns in `dataset.categories` order); a row of NaN where the box has no crop.
   */
  groundTruthProbabilities?: ClassProbabilities;
}

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
  /** Per ground truth: unsupported score in [0, 1] (a likely spurious box). */
  unsupported: Float64Array;
  /** Per ground truth: crop evidence for its own label q(g, c), NaN where none was given. */
  cropSupport: Float64Array;
  /** Per image: label-quality score in [0, 1], low = likely label errors. */
  imageQuality: Float64Array;
}

const DEFAULTS: Required<DetectionIssueOptions> = {
  iouThreshold: 0.5,
  confidentScore: 0.5,
  minScore: 0.3,
  minOverlap: 0.1,
  temperature: 0.1,
  minOverlookedSide: 0,
};

/**
 * Scores every ground-truth box and prediction of `run` for the four issue kinds and every image
 * for label quality (see the module comment for the formulas); `evidence` adds crop evidence.
 *
 * @throws RangeError for an option out of range or an `imageIndex` outside `dataset.images`;
 *   LabelQualityInputError when the crop probabilities do not match the dataset's boxes and classes.
 */
export function findDetectionIssues(
  dataset: Dataset,
  run: PredictionRun,
  options: DetectionIssueOptions = {},
  evidence: DetectionEvidence = {},
): DetectionIssues {
  const resolved = resolveOptions(options);
  const crops = checkEvidence(dataset, evidence);
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
    unsupported: new Float64Array(groundTruth.length),
    cropSupport: new Float64Array(groundTruth.length).fill(NaN),
    imageQuality: new Float64Array(images.length).fill(1),
  };

  const { gtBoxes, predBoxes, gtGroups, predGroups } = boxLayout(dataset, run);

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
  // q(g, ·) of a ground truth's crop, or null where there is none.
  const cropRow = (g: number): Float64Array | Float32Array | null => {
    if (!crops) return null;
    const row = crops.values.subarray(g * crops.classes, (g + 1) * crops.classes);
    return Number.isNaN(row[0]) ? null : row;
  };
  const scorer = {
    probability,
    bestOther,
    cropRow,
    columnOf,
    gtBoxes,
    predBoxes,
    resolved,
    result,
    dataset,
    run,
  };

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
  cropRow: (g: number) => Float64Array | Float32Array | null;
  columnOf: Map<number, number>;
  gtBoxes: Float64Array;
  predBoxes: Float64Array;
  resolved: Required<DetectionIssueOptions>;
  result: DetectionIssues;
  dataset: Dataset;
  run: PredictionRun;
}

function scoreImage(scorer: Scorer, image: number, gts: Int32Array, preds: Int32Array): void {
  const { probability, bestOther, cropRow, resolved, result, dataset, run } = scorer;
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
    if (prediction.box && Math.min(prediction.box[2], prediction.box[3]) < resolved.minOverlookedSide)
      continue;
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
    const detector = other >= confidentScore ? other * (1 - support) : 0;
    if (detector > 0) result.swappedBy[gts[a]] = evidence;
    const crop = cropRow(gts[a]);
    const column = scorer.columnOf.get(c);
    const own = crop && column !== undefined ? crop[column] : NaN;
    result.cropSupport[gts[a]] = own;
    const fromCrop = crop && best < 0 ? maxExcept(crop, column) : 0;
    result.swapped[gts[a]] = 1 - (1 - detector) * (1 - fromCrop);
    if (best >= 0) {
      result.badlyLocated[gts[a]] = Math.sqrt(probability(best, c)) * (1 - bestIou);
      result.badlyLocatedBy[gts[a]] = best;
    }
  }
  scoreUnsupported(result, gts, preds.length, iouOf, minOverlap);

  result.imageQuality[image] = softmin(boxQualities(result, gts, preds), resolved.temperature);
}

/**
 * Unsupported scores of one image's ground truth: R × (1 − q(g, c)) for boxes with crop evidence that
 * no prediction overlaps at IoU ≥ `minOverlap`, R the share of the image's other boxes that some
 * prediction does overlap.
 */
function scoreUnsupported(
  result: DetectionIssues,
  gts: Int32Array,
  predCount: number,
  iouOf: (a: number, b: number) => number,
  minOverlap: number,
): void {
  const seen = Array.from(gts, (_, a) => {
    for (let b = 0; b < predCount; b++) if (iouOf(a, b) >= minOverlap) return true;
    return false;
  });
  const seenCount = seen.filter(Boolean).length;
  for (let a = 0; a < gts.length; a++) {
    const support = result.cropSupport[gts[a]];
    if (seen[a] || gts.length < 2 || Number.isNaN(support)) continue;
    result.unsupported[gts[a]] = (seenCount / (gts.length - 1)) * (1 - support);
  }
}

/** Largest entry of `row` other than column `skip`; 0 for a row of one entry. */
function maxExcept(row: ArrayLike<number>, skip: number | undefined): number {
  let largest = 0;
  for (let k = 0; k < row.length; k++) if (k !== skip && row[k] > largest) largest = row[k];
  return largest;
}

/** The crop probabilities, checked against the dataset's boxes and classes; null when absent. */
function checkEvidence(dataset: Dataset, evidence: DetectionEvidence): ClassProbabilities | null {
  const crops = evidence.groundTruthProbabilities;
  if (!crops) return null;
  if (crops.rows !== dataset.groundTruth.length)
    throw new LabelQualityInputError(
      'groundTruthProbabilities.rows',
      crops.rows,
      `one row per ground-truth box (${dataset.groundTruth.length})`,
    );
  if (crops.classes !== dataset.categories.length || crops.values.length !== crops.rows * crops.classes)
    throw new LabelQualityInputError(
      'groundTruthProbabilities.classes',
      crops.classes,
      `one column per category (${dataset.categories.length}) and rows × classes values`,
    );
  return crops;
}

/** Quality of every box of the image: 1 − its largest issue score. */
function boxQualities(result: DetectionIssues, gts: Int32Array, preds: Int32Array): number[] {
  return [
    ...Array.from(gts, (g) => 1 - Math.max(result.swapped[g], result.badlyLocated[g], result.unsupported[g])),
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
  if (!(resolved.minOverlookedSide >= 0))
    throw new RangeError(
      `invalid minOverlookedSide: ${resolved.minOverlookedSide} (expected a number of pixels ≥ 0)`,
    );
  return resolved;
}
