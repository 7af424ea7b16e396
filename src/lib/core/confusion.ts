/**
 * Confusion matrices that remember which samples fill each cell.
 *
 * Layout, for K categories in `dataset.categories` order: a (K + 1) × (K + 1) matrix, rows are the
 * ground-truth category plus a last "no ground truth" row (predictions that matched nothing: false
 * positives), columns are the predicted category plus a last "no prediction" column (ground truth that
 * nothing matched: misses). The bottom-right cell is always 0.
 *
 * Each ground truth and prediction also records the flat cell it was counted in, so a click on a cell
 * can list exactly its images and boxes without redoing the matching.
 */

import { categoryIndex, type Dataset, type PredictionRun } from './dataset';
import { fillColumn, MatchStatus, type DetectionMatches } from './matching';

/** Label of the last row: predictions without a ground truth to match. */
export const NO_GROUND_TRUTH = 'no ground truth';
/** Label of the last column: ground truth that no prediction matched. */
export const NO_PREDICTION = 'no prediction';

export interface ConfusionMatrix {
  kind: 'detection' | 'classification';
  /** Category ids of rows and columns `0 .. K - 1`, in `dataset.categories` order. */
  categoryIds: number[];
  /** K category names, then `NO_GROUND_TRUTH`. */
  rowLabels: string[];
  /** K category names, then `NO_PREDICTION`. */
  columnLabels: string[];
  /** Rows and columns each: K + 1. */
  size: number;
  /** Row-major counts: cell (row, col) at `row * size + col`. */
  counts: Int32Array;
  /** Per ground truth (indexed like `dataset.groundTruth`): its flat cell, or -1 when not counted. */
  gtCell: Int32Array;
  /** Per ground truth: its image index (copied so cell lookups need no dataset). */
  gtImage: Int32Array;
  /** Per prediction (indexed like `run.predictions`): its flat cell, or -1 when not counted. */
  predCell: Int32Array;
  /** Per prediction: its image index. */
  predImage: Int32Array;
}

/** The samples counted in one cell; all lists ascending. */
export interface CellMembers {
  /** Image indices, each once. */
  images: number[];
  /** Indices into `dataset.groundTruth`. */
  groundTruth: number[];
  /** Indices into the run's `predictions`. */
  predictions: number[];
}

/**
 * Builds the detection confusion matrix of `run` from its matching.
 *
 * A matched pair counts once, in (its ground truth's category, its prediction's category); with
 * class-aware matching only the diagonal and the last row and column fill, so use
 * `matchDetections(..., { classAware: false })` to see class swaps. Unmatched ground truth counts in
 * the "no prediction" column, unmatched predictions in the "no ground truth" row; ignored samples
 * (crowd, no box, below the score threshold, absorbed by a crowd region) count nowhere.
 *
 * @throws RangeError when the matches belong to another run or a category id is not in the dataset.
 */
export function detectionConfusion(
  dataset: Dataset,
  run: PredictionRun,
  matches: DetectionMatches,
): ConfusionMatrix {
  if (
    matches.gtStatus.length !== dataset.groundTruth.length ||
    matches.predStatus.length !== run.predictions.length
  ) {
    throw new RangeError(
      `invalid matches: they were computed for run '${matches.runName}', not for '${run.name}'`,
    );
  }
  const matrix = emptyMatrix('detection', dataset, run);
  const positions = categoryIndex(dataset.categories);
  const background = matrix.size - 1;

  // Ground truth first: each counted one decides its row, and a match decides its column too.
  for (let g = 0; g < dataset.groundTruth.length; g++) {
    const status = matches.gtStatus[g];
    if (status !== MatchStatus.Matched && status !== MatchStatus.Unmatched) continue;
    const row = positionOf(positions, dataset.groundTruth[g].categoryId, `ground truth ${g}`);
    const p = matches.gtMatch[g];
    const col =
      status === MatchStatus.Matched
        ? positionOf(positions, run.predictions[p].categoryId, `prediction ${p} of run '${run.name}'`)
        : background;
    const cell = row * matrix.size + col;
    matrix.counts[cell]++;
    matrix.gtCell[g] = cell;
    if (status === MatchStatus.Matched) matrix.predCell[p] = cell;
  }

  // Then the predictions nothing took: false positives in the last row.
  for (let p = 0; p < run.predictions.length; p++) {
    if (matches.predStatus[p] !== MatchStatus.Unmatched) continue;
    const col = positionOf(positions, run.predictions[p].categoryId, `prediction ${p} of run '${run.name}'`);
    const cell = background * matrix.size + col;
    matrix.counts[cell]++;
    matrix.predCell[p] = cell;
  }
  return matrix;
}

/**
 * Builds the image-level classification confusion matrix: each image's ground-truth label (an
 * annotation without a box) against its top prediction (the box-less prediction with the highest
 * score; equal scores go to the lower index).
 *
 * An image with a label but no prediction counts in "no prediction"; one with a prediction but no
 * label counts in "no ground truth". Box annotations and box predictions are left out.
 *
 * Known shortcoming: only an image's first image-level label counts, so multi-label images are judged
 * on one label and their other labels show up in no cell.
 *
 * @throws RangeError when a category id is not in the dataset or an image index is out of range.
 */
export function classificationConfusion(dataset: Dataset, run: PredictionRun): ConfusionMatrix {
  const matrix = emptyMatrix('classification', dataset, run);
  const positions = categoryIndex(dataset.categories);
  const imageCount = dataset.images.length;
  const background = matrix.size - 1;

  // One label and one top prediction per image, found in a single pass over each side.
  const label = firstImageLabel(dataset, imageCount);
  const top = topImagePrediction(run, imageCount);

  for (let image = 0; image < imageCount; image++) {
    const g = label[image];
    const p = top[image];
    if (g < 0 && p < 0) continue;
    const row =
      g < 0 ? background : positionOf(positions, dataset.groundTruth[g].categoryId, `ground truth ${g}`);
    const col =
      p < 0
        ? background
        : positionOf(positions, run.predictions[p].categoryId, `prediction ${p} of run '${run.name}'`);
    const cell = row * matrix.size + col;
    matrix.counts[cell]++;
    if (g >= 0) matrix.gtCell[g] = cell;
    if (p >= 0) matrix.predCell[p] = cell;
  }
  return matrix;
}

/** Count in cell (row, col). */
export function cellCount(matrix: ConfusionMatrix, row: number, col: number): number {
  return matrix.counts[flatCell(matrix, row, col)];
}

/**
 * Lists the samples counted in cell (row, col): its images (unique, ascending), ground truth and
 * predictions (ascending indices). Scans the per-sample columns once: O(ground truth + predictions).
 */
export function cellMembers(matrix: ConfusionMatrix, row: number, col: number): CellMembers {
  const cell = flatCell(matrix, row, col);
  const groundTruth: number[] = [];
  const predictions: number[] = [];
  const images: number[] = [];

  for (let g = 0; g < matrix.gtCell.length; g++) {
    if (matrix.gtCell[g] !== cell) continue;
    groundTruth.push(g);
    images.push(matrix.gtImage[g]);
  }
  for (let p = 0; p < matrix.predCell.length; p++) {
    if (matrix.predCell[p] !== cell) continue;
    predictions.push(p);
    images.push(matrix.predImage[p]);
  }

  images.sort((a, b) => a - b);
  return {
    images: images.filter((image, i) => i === 0 || image !== images[i - 1]),
    groundTruth,
    predictions,
  };
}

/**
 * Each row divided by its sum: the share of a ground-truth category's samples in each column.
 * A row with no samples stays all zeros.
 *
 * @returns row-major fractions in [0, 1], laid out like `matrix.counts`.
 */
export function rowNormalized(matrix: ConfusionMatrix): Float64Array {
  const { size, counts } = matrix;
  const shares = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    let total = 0;
    for (let col = 0; col < size; col++) total += counts[row * size + col];
    if (total === 0) continue;
    for (let col = 0; col < size; col++) shares[row * size + col] = counts[row * size + col] / total;
  }
  return shares;
}

/** Counts as nested arrays, rows then columns (for display, export and comparison). */
export function countRows(matrix: ConfusionMatrix): number[][] {
  const rows: number[][] = [];
  for (let row = 0; row < matrix.size; row++) {
    rows.push(Array.from(matrix.counts.subarray(row * matrix.size, (row + 1) * matrix.size)));
  }
  return rows;
}

function emptyMatrix(kind: ConfusionMatrix['kind'], dataset: Dataset, run: PredictionRun): ConfusionMatrix {
  const names = dataset.categories.map((category) => category.name);
  const size = names.length + 1;
  return {
    kind,
    categoryIds: dataset.categories.map((category) => category.id),
    rowLabels: [...names, NO_GROUND_TRUTH],
    columnLabels: [...names, NO_PREDICTION],
    size,
    counts: new Int32Array(size * size),
    gtCell: new Int32Array(dataset.groundTruth.length).fill(-1),
    gtImage: fillColumn(
      new Int32Array(dataset.groundTruth.length),
      dataset.groundTruth,
      (gt) => gt.imageIndex,
    ),
    predCell: new Int32Array(run.predictions.length).fill(-1),
    predImage: fillColumn(new Int32Array(run.predictions.length), run.predictions, (p) => p.imageIndex),
  };
}

function flatCell(matrix: ConfusionMatrix, row: number, col: number): number {
  const { size } = matrix;
  if (!Number.isInteger(row) || row < 0 || row >= size || !Number.isInteger(col) || col < 0 || col >= size) {
    throw new RangeError(`invalid cell: (${row}, ${col}) (expected row and column integers in [0, ${size}))`);
  }
  return row * size + col;
}

function positionOf(positions: Map<number, number>, categoryId: number, what: string): number {
  const position = positions.get(categoryId);
  if (position === undefined) {
    throw new RangeError(
      `invalid category id of ${what}: ${categoryId} (expected one of dataset.categories' ids)`,
    );
  }
  return position;
}

/** Per image: index of its first ground truth without a box, or -1. */
function firstImageLabel(dataset: Dataset, imageCount: number): Int32Array {
  const label = new Int32Array(imageCount).fill(-1);
  for (let g = 0; g < dataset.groundTruth.length; g++) {
    const gt = dataset.groundTruth[g];
    if (gt.box) continue;
    checkImage(gt.imageIndex, imageCount, `ground truth ${g}`);
    if (label[gt.imageIndex] < 0) label[gt.imageIndex] = g;
  }
  return label;
}

/** Per image: index of its highest-scoring prediction without a box (lowest index on ties), or -1. */
function topImagePrediction(run: PredictionRun, imageCount: number): Int32Array {
  const top = new Int32Array(imageCount).fill(-1);
  for (let p = 0; p < run.predictions.length; p++) {
    const prediction = run.predictions[p];
    if (prediction.box) continue;
    checkImage(prediction.imageIndex, imageCount, `prediction ${p} of run '${run.name}'`);
    const current = top[prediction.imageIndex];
    // Strictly greater, so the earlier prediction keeps a tie.
    if (current < 0 || prediction.score > run.predictions[current].score) top[prediction.imageIndex] = p;
  }
  return top;
}

function checkImage(imageIndex: number, imageCount: number, what: string): void {
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= imageCount) {
    throw new RangeError(
      `invalid imageIndex of ${what}: ${imageIndex} (expected an integer in [0, ${imageCount}))`,
    );
  }
}
