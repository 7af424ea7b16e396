/**
 * Per-image detection loss of a prediction run against the ground truth: how far the run is from
 * explaining the image's labels, for sorting the gallery "worst disagreement first".
 */

import type { Dataset, PredictionRun } from '../dataset';
import { packedIou } from '../geometry';
import { boxLayout } from './boxLayout';

export interface DetectionLossOptions {
  /** IoU at which a same-class prediction explains a ground-truth box, in [0, 1]. Default 0.5. */
  iouThreshold?: number;
  /** Score from which an unexplained prediction counts against the image, in [0, 1]. Default 0.5. */
  confidentScore?: number;
}

/**
 * Detection loss per image, a dimensionless number ≥ 0 (0 = the run agrees with every label):
 *
 *   L(image) = Σ_g (1 − max_p IoU(p, g) · s_p)  +  Σ_{p unmatched, s_p ≥ confidentScore} s_p
 *
 * where g runs over the image's ground-truth boxes (crowd and box-less ones left out), the max over
 * the image's predictions p of g's class (0 when there is none), s_p is p's score, and "unmatched"
 * means no ground truth of p's class overlaps p at IoU ≥ `iouThreshold`. The first sum is at most
 * one per label (a label no prediction sees costs 1); the second charges confident detections where
 * nothing of their class is labelled. IoU is `geometry.ts`'s (continuous, no "+1").
 *
 * Known shortcoming: a prediction may explain several ground-truth boxes (no one-to-one matching),
 * so two labels on one object both look explained; the label-issue scores catch duplicates instead.
 *
 * @returns one loss per `dataset.images` entry.
 * @throws RangeError for an option outside [0, 1] or an `imageIndex` outside `dataset.images`.
 */
export function detectionLoss(
  dataset: Dataset,
  run: PredictionRun,
  options: DetectionLossOptions = {},
): Float64Array {
  const { iouThreshold, confidentScore } = resolveOptions(options);
  const { groundTruth, images } = dataset;
  const predictions = run.predictions;
  const { gtBoxes, predBoxes, gtGroups, predGroups } = boxLayout(dataset, run);

  const loss = new Float64Array(images.length);
  for (let image = 0; image < images.length; image++) {
    const gts = gtGroups.members.subarray(gtGroups.offsets[image], gtGroups.offsets[image + 1]);
    const preds = predGroups.members.subarray(predGroups.offsets[image], predGroups.offsets[image + 1]);
    const matched = new Uint8Array(preds.length);
    let total = 0;
    for (const g of gts) {
      let best = 0;
      preds.forEach((p, b) => {
        if (predictions[p].categoryId !== groundTruth[g].categoryId) return;
        const overlap = packedIou(gtBoxes, g, predBoxes, p);
        if (overlap >= iouThreshold) matched[b] = 1;
        best = Math.max(best, overlap * predictions[p].score);
      });
      total += 1 - best;
    }
    preds.forEach((p, b) => {
      if (!matched[b] && predictions[p].score >= confidentScore) total += predictions[p].score;
    });
    loss[image] = total;
  }
  return loss;
}

function resolveOptions(options: DetectionLossOptions): Required<DetectionLossOptions> {
  const resolved = { iouThreshold: 0.5, confidentScore: 0.5, ...options };
  for (const key of ['iouThreshold', 'confidentScore'] as const) {
    const value = resolved[key];
    if (!(value >= 0 && value <= 1))
      throw new RangeError(`invalid ${key}: ${value} (expected a number in [0, 1])`);
  }
  return resolved;
}
