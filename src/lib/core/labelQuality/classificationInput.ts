/**
 * What confident learning reads from a classification dataset: one given label per image and, from a
 * prediction run, one row of class probabilities per image. Columns follow `Dataset.categories`.
 */

import { categoryIndex, type Dataset, type PredictionRun } from '../dataset';
import type { ClassProbabilities } from './probabilities';

/** The images confident learning can judge, and their given labels. */
export interface ClassificationSamples {
  /** Image index of each sample. */
  images: Int32Array;
  /** Given label of each sample, as a position in `Dataset.categories`. */
  labels: Int32Array;
  classes: number;
  /** Images with more than one label (multi-label: not a single-label classification sample). */
  multiLabel: number;
  /** Images without a label. */
  unlabelled: number;
}

/** A classification dataset: it has labels, and none of them has a box. */
export function isClassificationDataset(dataset: Dataset): boolean {
  return dataset.groundTruth.length > 0 && dataset.groundTruth.every((label) => !label.box);
}

/** The images with exactly one label, in dataset order; the others are counted, not judged. */
export function classificationSamples(dataset: Dataset): ClassificationSamples {
  const positions = categoryIndex(dataset.categories);
  const labelOf = new Int32Array(dataset.images.length).fill(-1);
  const count = new Uint32Array(dataset.images.length);
  for (const label of dataset.groundTruth) {
    count[label.imageIndex]++;
    labelOf[label.imageIndex] = positions.get(label.categoryId) ?? -1;
  }
  const images: number[] = [];
  let multiLabel = 0;
  let unlabelled = 0;
  for (let image = 0; image < dataset.images.length; image++) {
    if (count[image] === 0) unlabelled++;
    else if (count[image] > 1) multiLabel++;
    else if (labelOf[image] >= 0) images.push(image);
  }
  return {
    images: Int32Array.from(images),
    labels: Int32Array.from(images, (image) => labelOf[image]),
    classes: dataset.categories.length,
    multiLabel,
    unlabelled,
  };
}

/**
 * One row of class probabilities per sample from a run's image-level predictions.
 *
 * A prediction carrying `probabilities` (one per category) gives the row as is. Otherwise the run
 * holds top-k scores only: each listed class keeps its score, and the rest of the mass,
 * `max(0, 1 − Σ listed)`, is spread evenly over the unlisted classes; the row is then normalised to
 * sum 1. With top-1 scores this is the usual "confidence, rest uniform" reading. A sample the run did
 * not predict gets the uniform row (no evidence either way).
 *
 * @returns the matrix, and `full`: whether every predicted sample had full probabilities.
 */
export function runProbabilities(
  dataset: Dataset,
  run: PredictionRun,
  samples: Pick<ClassificationSamples, 'images' | 'classes'>,
): { probabilities: ClassProbabilities; full: boolean } {
  const { images, classes } = samples;
  const positions = categoryIndex(dataset.categories);
  const rowOfImage = new Map<number, number>();
  images.forEach((image, row) => rowOfImage.set(image, row));

  const values = new Float64Array(images.length * classes);
  const listed = new Uint8Array(images.length * classes);
  const given = new Uint8Array(images.length);
  let full = true;
  for (const prediction of run.predictions) {
    const row = rowOfImage.get(prediction.imageIndex);
    if (row === undefined) continue;
    const start = row * classes;
    if (prediction.probabilities?.length === classes) {
      values.set(prediction.probabilities, start);
      listed.fill(1, start, start + classes);
    } else {
      full = false;
      const column = positions.get(prediction.categoryId);
      if (column === undefined) continue;
      values[start + column] = Math.max(values[start + column], prediction.score);
      listed[start + column] = 1;
    }
    given[row] = 1;
  }

  for (let row = 0; row < images.length; row++) completeRow(values, listed, row * classes, classes);
  return { probabilities: { values, rows: images.length, classes }, full: full && given.every(Boolean) };
}

/** Spreads the unlisted mass evenly over the unlisted classes, then normalises the row to sum 1. */
function completeRow(values: Float64Array, listed: Uint8Array, start: number, classes: number): void {
  let mass = 0;
  let unlisted = 0;
  for (let k = 0; k < classes; k++) {
    if (listed[start + k]) mass += values[start + k];
    else unlisted++;
  }
  if (unlisted > 0) {
    const share = Math.max(0, 1 - mass) / unlisted;
    for (let k = 0; k < classes; k++) if (!listed[start + k]) values[start + k] = share;
  }
  let total = 0;
  for (let k = 0; k < classes; k++) total += values[start + k];
  for (let k = 0; k < classes; k++) values[start + k] = total > 0 ? values[start + k] / total : 1 / classes;
}
