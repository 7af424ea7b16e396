/**
 * Crop evidence for detection label issues: out-of-sample class probabilities of every ground-truth
 * box from embeddings of its crop, so that a label can be checked against what the box looks like,
 * not only against a detector (the kNN label-disagreement idea of cleanlab and FiftyOne, with the
 * cross-validated logistic regression of `crossValidation.ts` in place of the neighbours: it weighs
 * embedding dimensions, which matters for small models whose raw cosines all lie near 1).
 *
 * Known shortcoming: a box's probabilities come from boxes of the same dataset, labelled by the same
 * annotators; a class mislabelled systematically (most of its boxes) looks right to it.
 */

import type { Dataset } from '../dataset';
import { categoryIndex } from '../dataset';
import { crossValidatedProbabilities, type CrossValidationOptions } from './crossValidation';
import { LabelQualityInputError, type ClassProbabilities } from './probabilities';

/**
 * q(g, k) for `findDetectionIssues`'s `DetectionEvidence`: one row per ground-truth box of `dataset`
 * (columns in `dataset.categories` order), each from a model trained on the other folds' crops.
 *
 * @param vectors - rows × dim crop embeddings (any scale: the model standardises them).
 * @param groundTruthOfRow - per row of `vectors`, the index into `dataset.groundTruth` of the box it
 *   embeds; a box may appear at most once, boxes without a row get a NaN row.
 * @returns every row NaN when fewer crops than folds (`options.folds`, default 5) are given.
 * @throws LabelQualityInputError when sizes disagree, an index is outside the ground truth or repeated,
 *   or a box's category is unknown; AbortError when `options.signal` aborts.
 */
export async function cropLabelProbabilities(
  dataset: Dataset,
  dim: number,
  vectors: Float32Array | Float64Array,
  groundTruthOfRow: Int32Array | readonly number[],
  options: CrossValidationOptions = {},
): Promise<ClassProbabilities> {
  const classes = dataset.categories.length;
  const boxes = dataset.groundTruth.length;
  const output = new Float64Array(boxes * classes).fill(NaN);
  const result = { values: output, rows: boxes, classes };
  if (vectors.length !== groundTruthOfRow.length * dim)
    throw new LabelQualityInputError(
      'vectors.length',
      vectors.length,
      `groundTruthOfRow.length × dim = ${groundTruthOfRow.length * dim}`,
    );
  const labels = labelsOfRows(dataset, groundTruthOfRow);
  if (labels.length < (options.folds ?? 5)) return result;

  const probabilities = await crossValidatedProbabilities(vectors, dim, labels, classes, options);
  Array.from(groundTruthOfRow).forEach((g, row) =>
    output.set(probabilities.values.subarray(row * classes, (row + 1) * classes), g * classes),
  );
  return result;
}

/** Class column of each row's box, checking the indices. */
function labelsOfRows(dataset: Dataset, groundTruthOfRow: Int32Array | readonly number[]): Int32Array {
  const columnOf = categoryIndex(dataset.categories);
  const used = new Uint8Array(dataset.groundTruth.length);
  return Int32Array.from(groundTruthOfRow, (g, row) => {
    if (!Number.isInteger(g) || g < 0 || g >= dataset.groundTruth.length || used[g])
      throw new LabelQualityInputError(
        `groundTruthOfRow[${row}]`,
        g,
        `a ground-truth index in [0, ${dataset.groundTruth.length}) used once`,
      );
    used[g] = 1;
    const column = columnOf.get(dataset.groundTruth[g].categoryId);
    if (column === undefined)
      throw new LabelQualityInputError(
        `groundTruth[${g}].categoryId`,
        dataset.groundTruth[g].categoryId,
        'a category of the dataset',
      );
    return column;
  });
}
