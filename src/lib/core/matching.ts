/**
 * Greedy matching of one prediction run's boxes to the ground-truth boxes, image by image.
 *
 * The rule, per image (the one COCO evaluation and FiftyOne use):
 * 1. Keep the predictions that have a box and pass the score threshold.
 * 2. Visit them by score, highest first; equal scores are visited in prediction index order, so the
 *    result never depends on how a sort happens to break ties.
 * 3. Each prediction takes the still-unmatched, non-crowd ground-truth box with the highest IoU among
 *    those that pass the IoU threshold (and have the same category when `classAware`); equal IoUs go
 *    to the lower ground-truth index.
 * 4. A prediction that matched nothing but lies inside a crowd region of the image (intersection over
 *    the prediction's area passes the IoU threshold, as in COCO) is absorbed by it: it is neither a
 *    match nor a false positive. Crowd regions are never missed and may absorb many predictions.
 *
 * supervision's confusion matrix pairs boxes by IoU alone, ignoring scores; it agrees with this rule
 * on its reference cases, but where a lower-scoring prediction overlaps a box better, supervision
 * gives the box to it and this rule gives it to the higher-scoring one.
 *
 * Everything comes back as columns indexed like `dataset.groundTruth` and `run.predictions`.
 */

import type { Dataset, PredictionRun } from './dataset';
import { packBoxes, packedIntersectionOverArea, packedIou } from './geometry';

/** Options of `matchDetections`; every field has a default. */
export interface MatchOptions {
  /** IoU a pair needs to match, in [0, 1]. Default 0.5. */
  iouThreshold?: number;
  /** Predictions scoring below (or, when `strict`, at) this are left out entirely. Default 0. */
  scoreThreshold?: number;
  /**
   * Only match a prediction to ground truth of its own category. Default true (COCO, VOC).
   * Set false for a confusion matrix, whose off-diagonal cells are boxes found with the wrong class.
   */
  classAware?: boolean;
  /**
   * Compare with `>` instead of `>=`, for both thresholds. Default false (COCO's `>=`);
   * supervision's confusion matrix is strict, so an exact overlap does not pass an IoU threshold of 1.
   */
  strict?: boolean;
}

/** What happened to one ground-truth annotation or prediction. */
export const MatchStatus = {
  /** Left out: no box, crowd ground truth, or a prediction below the score threshold. */
  Ignored: 0,
  /** Paired with a box of the other side. */
  Matched: 1,
  /** In scope but paired with nothing: a missed ground truth (FN) or a false-positive prediction. */
  Unmatched: 2,
  /** A prediction absorbed by a crowd region: neither matched nor a false positive. */
  Crowd: 3,
} as const;
export type MatchStatus = (typeof MatchStatus)[keyof typeof MatchStatus];

/** Per-sample matching result, as columns. IoUs are unitless in [0, 1]. */
export interface DetectionMatches {
  runName: string;
  /** The options used, defaults filled in. */
  options: Required<MatchOptions>;
  /** Per ground truth: index of the matched prediction, or -1. */
  gtMatch: Int32Array;
  /** Per ground truth: IoU with the matched prediction, 0 when unmatched. */
  gtIou: Float64Array;
  /** Per ground truth: a `MatchStatus`. */
  gtStatus: Uint8Array;
  /** Per prediction: index of the matched ground truth, or -1 (also when absorbed by a crowd region). */
  predMatch: Int32Array;
  /** Per prediction: IoU with the matched ground truth, 0 when unmatched. */
  predIou: Float64Array;
  /**
   * Per prediction: highest IoU with any non-crowd ground-truth box of its image, whatever its
   * category or match; 0 when none overlaps, and for ignored predictions (they are never compared).
   */
  predBestIou: Float64Array;
  /** Per prediction: the ground truth giving `predBestIou` (lowest index on ties), or -1. */
  predBestGt: Int32Array;
  /** Per prediction: a `MatchStatus`. */
  predStatus: Uint8Array;
}

/** Members of each image as a CSR index: image `i` owns `members[offsets[i] .. offsets[i + 1])`. */
export interface ImageGroups {
  offsets: Int32Array;
  members: Int32Array;
}

/**
 * Groups item indices by `imageIndex` with a counting sort (stable: ascending item index per image).
 *
 * @param keep - optional filter; items it rejects are left out of every group.
 * @throws RangeError when an item's `imageIndex` is not in `[0, imageCount)`.
 */
export function groupByImage(
  items: readonly { imageIndex: number }[],
  imageCount: number,
  keep?: (itemIndex: number) => boolean,
): ImageGroups {
  const offsets = new Int32Array(imageCount + 1);

  // First pass counts, so the members array is allocated once at its final size.
  for (let i = 0; i < items.length; i++) {
    if (keep && !keep(i)) continue;
    const image = items[i].imageIndex;
    if (!Number.isInteger(image) || image < 0 || image >= imageCount) {
      throw new RangeError(
        `invalid imageIndex of item ${i}: ${image} (expected an integer in [0, ${imageCount}))`,
      );
    }
    offsets[image + 1]++;
  }
  for (let image = 0; image < imageCount; image++) offsets[image + 1] += offsets[image];

  const members = new Int32Array(offsets[imageCount]);
  const cursor = offsets.slice(0, imageCount);
  for (let i = 0; i < items.length; i++) {
    if (keep && !keep(i)) continue;
    members[cursor[items[i].imageIndex]++] = i;
  }
  return { offsets, members };
}

/** True when `value` passes `threshold` under the chosen comparison. NaN never passes. */
export function passesThreshold(value: number, threshold: number, strict: boolean): boolean {
  return strict ? value > threshold : value >= threshold;
}

/**
 * Matches every box prediction of `run` to the box ground truth of `dataset` (see the module comment
 * for the rule). Image-level labels (no box) are ignored here.
 *
 * @returns columns indexed like `dataset.groundTruth` and `run.predictions`.
 * @throws RangeError for an option out of range or an `imageIndex` outside `dataset.images`.
 */
export function matchDetections(
  dataset: Dataset,
  run: PredictionRun,
  options: MatchOptions = {},
): DetectionMatches {
  const resolved = resolveOptions(options);
  const { groundTruth } = dataset;
  const { predictions } = run;
  const result = emptyMatches(run.name, resolved, groundTruth.length, predictions.length);

  // Columns once, so the per-image loops touch typed arrays rather than objects.
  const gtBoxes = packBoxes(groundTruth.map((gt) => gt.box));
  const predBoxes = packBoxes(predictions.map((prediction) => prediction.box));
  const gtCategory = fillColumn(new Int32Array(groundTruth.length), groundTruth, (gt) => gt.categoryId);
  const predCategory = fillColumn(new Int32Array(predictions.length), predictions, (p) => p.categoryId);
  const crowd = fillColumn(new Uint8Array(groundTruth.length), groundTruth, (gt) =>
    gt.crowd && gt.box ? 1 : 0,
  );

  // Ground truth in scope starts as missed; matching below turns some into matches.
  for (let g = 0; g < groundTruth.length; g++) {
    if (groundTruth[g].box && !crowd[g]) result.gtStatus[g] = MatchStatus.Unmatched;
  }

  // Group by image once; each image's predictions then get visited by score.
  const gtGroups = groupByImage(groundTruth, dataset.images.length, (g) => groundTruth[g].box !== undefined);
  const predGroups = groupByImage(predictions, dataset.images.length, (p) => {
    const prediction = predictions[p];
    return (
      prediction.box !== undefined &&
      passesThreshold(prediction.score, resolved.scoreThreshold, resolved.strict)
    );
  });
  sortGroupsByScore(predGroups, run);

  const context: ImageContext = {
    result,
    gtBoxes,
    predBoxes,
    gtCategory,
    predCategory,
    crowd,
    gtGroups,
    predGroups,
  };
  for (let image = 0; image < dataset.images.length; image++) matchImage(context, image);
  return result;
}

/**
 * The matching at a higher score threshold, derived from a matching of every prediction without redoing it.
 *
 * Greedy matching visits predictions by score, so a prediction's match depends only on predictions
 * scoring at least as high: the matching at threshold s is the part of the full matching made by
 * predictions passing s. Predictions below s become ignored; ground truth they had taken becomes missed.
 * That lets the score slider move live while only an IoU change reruns the matching. O(n).
 *
 * @param base - a matching made with `scoreThreshold: -Infinity` (or any threshold at most `threshold`).
 * @param scores - per prediction, indexed like `base.predStatus`.
 */
export function withScoreThreshold(
  base: DetectionMatches,
  scores: ArrayLike<number>,
  threshold: number,
): DetectionMatches {
  const strict = base.options.strict;
  const result: DetectionMatches = {
    ...base,
    options: { ...base.options, scoreThreshold: threshold },
    gtMatch: base.gtMatch.slice(),
    gtIou: base.gtIou.slice(),
    gtStatus: base.gtStatus.slice(),
    predMatch: base.predMatch.slice(),
    predIou: base.predIou.slice(),
    predBestIou: base.predBestIou.slice(),
    predBestGt: base.predBestGt.slice(),
    predStatus: base.predStatus.slice(),
  };
  for (let p = 0; p < result.predStatus.length; p++) {
    if (passesThreshold(scores[p], threshold, strict)) continue;
    const g = result.predMatch[p];
    if (g >= 0) {
      result.gtMatch[g] = -1;
      result.gtIou[g] = 0;
      result.gtStatus[g] = MatchStatus.Unmatched;
    }
    result.predStatus[p] = MatchStatus.Ignored;
    result.predMatch[p] = -1;
    result.predIou[p] = 0;
    result.predBestIou[p] = 0;
    result.predBestGt[p] = -1;
  }
  return result;
}

/** Per-image counts of true positives, false positives and false negatives (missed ground truth). */
export interface ImageMatchCounts {
  truePositives: Int32Array;
  falsePositives: Int32Array;
  falseNegatives: Int32Array;
}

/**
 * Counts, per image, matched predictions (TP), unmatched predictions (FP) and unmatched ground truth (FN).
 * Ignored samples and crowd-absorbed predictions count nowhere. With `classAware: false`, a "TP" may
 * be a box found with the wrong class.
 */
export function imageMatchCounts(
  dataset: Dataset,
  run: PredictionRun,
  matches: DetectionMatches,
): ImageMatchCounts {
  const imageCount = dataset.images.length;
  const counts: ImageMatchCounts = {
    truePositives: new Int32Array(imageCount),
    falsePositives: new Int32Array(imageCount),
    falseNegatives: new Int32Array(imageCount),
  };

  for (let p = 0; p < run.predictions.length; p++) {
    const image = run.predictions[p].imageIndex;
    if (matches.predStatus[p] === MatchStatus.Matched) counts.truePositives[image]++;
    else if (matches.predStatus[p] === MatchStatus.Unmatched) counts.falsePositives[image]++;
  }
  for (let g = 0; g < dataset.groundTruth.length; g++) {
    if (matches.gtStatus[g] === MatchStatus.Unmatched)
      counts.falseNegatives[dataset.groundTruth[g].imageIndex]++;
  }
  return counts;
}

/**
 * Writes `read(item)` of every item into `column` and returns it. A plain loop on purpose:
 * `TypedArray.from` with a mapping function is several times slower in V8 on large arrays.
 */
export function fillColumn<Column extends Int32Array | Uint8Array | Float64Array | Float32Array, Item>(
  column: Column,
  items: readonly Item[],
  read: (item: Item) => number,
): Column {
  for (let i = 0; i < items.length; i++) column[i] = read(items[i]);
  return column;
}

interface ImageContext {
  result: DetectionMatches;
  gtBoxes: Float64Array;
  predBoxes: Float64Array;
  gtCategory: Int32Array;
  predCategory: Int32Array;
  crowd: Uint8Array;
  gtGroups: ImageGroups;
  predGroups: ImageGroups;
}

function resolveOptions(options: MatchOptions): Required<MatchOptions> {
  const resolved: Required<MatchOptions> = {
    iouThreshold: options.iouThreshold ?? 0.5,
    scoreThreshold: options.scoreThreshold ?? 0,
    classAware: options.classAware ?? true,
    strict: options.strict ?? false,
  };
  if (!(resolved.iouThreshold >= 0 && resolved.iouThreshold <= 1)) {
    throw new RangeError(`invalid iouThreshold: ${resolved.iouThreshold} (expected a number in [0, 1])`);
  }
  // -Infinity is allowed: it keeps every prediction, the base that `withScoreThreshold` narrows.
  if (Number.isNaN(resolved.scoreThreshold) || resolved.scoreThreshold === Infinity) {
    throw new RangeError(
      `invalid scoreThreshold: ${resolved.scoreThreshold} (expected a finite number or -Infinity)`,
    );
  }
  return resolved;
}

function emptyMatches(
  runName: string,
  options: Required<MatchOptions>,
  gtCount: number,
  predCount: number,
): DetectionMatches {
  return {
    runName,
    options,
    gtMatch: new Int32Array(gtCount).fill(-1),
    gtIou: new Float64Array(gtCount),
    gtStatus: new Uint8Array(gtCount),
    predMatch: new Int32Array(predCount).fill(-1),
    predIou: new Float64Array(predCount),
    predBestIou: new Float64Array(predCount),
    predBestGt: new Int32Array(predCount).fill(-1),
    predStatus: new Uint8Array(predCount),
  };
}

/** Orders each image's predictions by score descending, then by prediction index ascending. */
function sortGroupsByScore(groups: ImageGroups, run: PredictionRun): void {
  const scores = fillColumn(new Float64Array(run.predictions.length), run.predictions, (p) => p.score);
  const byScore = (a: number, b: number) => scores[b] - scores[a] || a - b;
  const { offsets, members } = groups;

  for (let image = 0; image < offsets.length - 1; image++) {
    const start = offsets[image];
    const end = offsets[image + 1];
    // Most images hold a few boxes: an insertion sort there avoids a typed-array view per image.
    if (end - start > 32) {
      members.subarray(start, end).sort(byScore);
      continue;
    }
    for (let i = start + 1; i < end; i++) {
      const item = members[i];
      let j = i - 1;
      for (; j >= start && byScore(members[j], item) > 0; j--) members[j + 1] = members[j];
      members[j + 1] = item;
    }
  }
}

function matchImage(context: ImageContext, image: number): void {
  const { result, gtBoxes, predBoxes, gtCategory, predCategory, crowd, gtGroups, predGroups } = context;
  const { iouThreshold, classAware, strict } = result.options;
  const gtStart = gtGroups.offsets[image];
  const gtEnd = gtGroups.offsets[image + 1];

  for (let i = predGroups.offsets[image]; i < predGroups.offsets[image + 1]; i++) {
    const p = predGroups.members[i];
    let best = -1;
    let bestIou = -Infinity;
    let closest = -1;
    let closestIou = 0;

    for (let j = gtStart; j < gtEnd; j++) {
      const g = gtGroups.members[j];
      if (crowd[g]) continue;
      const overlap = packedIou(predBoxes, p, gtBoxes, g);

      // The closest box of any class tells the user "there was something here", match or not.
      if (overlap > closestIou) {
        closestIou = overlap;
        closest = g;
      }

      if (result.gtMatch[g] !== -1) continue;
      if (classAware && gtCategory[g] !== predCategory[p]) continue;
      if (passesThreshold(overlap, iouThreshold, strict) && overlap > bestIou) {
        bestIou = overlap;
        best = g;
      }
    }

    result.predBestIou[p] = closestIou;
    result.predBestGt[p] = closest;
    if (best >= 0) {
      result.gtMatch[best] = p;
      result.gtIou[best] = bestIou;
      result.gtStatus[best] = MatchStatus.Matched;
      result.predMatch[p] = best;
      result.predIou[p] = bestIou;
      result.predStatus[p] = MatchStatus.Matched;
    } else {
      result.predStatus[p] = insideCrowd(context, p, gtStart, gtEnd)
        ? MatchStatus.Crowd
        : MatchStatus.Unmatched;
    }
  }
}

/** True when prediction `p` lies inside a crowd region among ground truth `members[start .. end)`. */
function insideCrowd(context: ImageContext, p: number, start: number, end: number): boolean {
  const { result, gtBoxes, predBoxes, gtCategory, predCategory, crowd, gtGroups } = context;
  const { iouThreshold, classAware, strict } = result.options;
  for (let j = start; j < end; j++) {
    const g = gtGroups.members[j];
    if (!crowd[g]) continue;
    if (classAware && gtCategory[g] !== predCategory[p]) continue;
    if (passesThreshold(packedIntersectionOverArea(predBoxes, p, gtBoxes, g), iouThreshold, strict))
      return true;
  }
  return false;
}
