/**
 * The boxes both label-quality scores walk (issues in `detection.ts`, loss in `loss.ts`): ground truth
 * and one run's predictions packed for IoU, and each grouped by image. Crowd labels and entries
 * without a box are left out of the groups, so neither score judges them.
 */
import type { Dataset, PredictionRun } from '../dataset';
import { packBoxes } from '../geometry';
import { groupByImage } from '../matching';

export function boxLayout(dataset: Dataset, run: PredictionRun) {
  const { groundTruth, images } = dataset;
  const predictions = run.predictions;
  return {
    gtBoxes: packBoxes(groundTruth.map((gt) => gt.box)),
    predBoxes: packBoxes(predictions.map((p) => p.box)),
    gtGroups: groupByImage(groundTruth, images.length, (i) => !!groundTruth[i].box && !groundTruth[i].crowd),
    predGroups: groupByImage(predictions, images.length, (i) => !!predictions[i].box),
  };
}
