/**
 * Image-level classification metrics: confusion matrix, per-class precision, recall and F1, accuracy
 * and top-k accuracy, over columns (one true class and one predicted class per sample).
 */

export interface ClassificationInput {
  /** Number of classes K; classes are positions 0 .. K - 1. */
  classCount: number;
  /** Per sample: the true class, or -1 when the sample has no label (left out). */
  labels: Int32Array;
  /** Per sample: the predicted class, or -1 when the model gave none (a wrong answer). */
  predicted: Int32Array;
  /** Optional per-sample scores for every class, row-major `n × K`, for top-k accuracy. */
  scores?: Float32Array | Float64Array;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Samples whose true class this is. */
  support: number;
}

export interface ClassificationMetrics {
  /** K × K counts, rows = true class, columns = predicted class; samples without a prediction are in no cell. */
  matrix: Int32Array;
  perClass: ClassMetrics[];
  /** Correct / labelled samples; NaN without labelled samples. */
  accuracy: number;
  /** Unweighted mean of the per-class F1 over classes with support. */
  macroF1: number;
  /** top-k accuracy for each requested k (needs `scores`). */
  topK: Map<number, number>;
}

/**
 * Computes the metrics. A class never predicted has precision 0 (scikit-learn's `zero_division=0`),
 * and F1 0 when precision and recall are both 0.
 *
 * Top-k: a sample counts when its true class is among its k highest scores; ties are broken in favour of
 * the lower class position, so k = 1 agrees with an argmax that takes the first maximum.
 *
 * @throws RangeError for mismatched lengths or a class outside [-1, K).
 */
export function classificationMetrics(
  input: ClassificationInput,
  ks: number[] = [1, 5],
): ClassificationMetrics {
  const { classCount: K, labels, predicted, scores } = input;
  checkInput(input);

  const matrix = new Int32Array(K * K);
  const support = new Int32Array(K);
  const predictedCount = new Int32Array(K);
  let labelled = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    if (truth < 0) continue;
    labelled++;
    support[truth]++;
    const guess = predicted[i];
    if (guess < 0) continue;
    matrix[truth * K + guess]++;
    predictedCount[guess]++;
    if (guess === truth) correct++;
  }

  const perClass: ClassMetrics[] = [];
  for (let k = 0; k < K; k++) {
    const hits = matrix[k * K + k];
    const precision = predictedCount[k] > 0 ? hits / predictedCount[k] : 0;
    const recall = support[k] > 0 ? hits / support[k] : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support: support[k] });
  }
  const withSupport = perClass.filter((c) => c.support > 0);

  return {
    matrix,
    perClass,
    accuracy: labelled > 0 ? correct / labelled : NaN,
    macroF1: withSupport.length > 0 ? withSupport.reduce((s, c) => s + c.f1, 0) / withSupport.length : NaN,
    topK: new Map(scores ? ks.map((k) => [k, topKAccuracy(labels, scores, K, k)]) : []),
  };
}

/** Share of labelled samples whose true class ranks among the k best scores (ties: lower class first). */
export function topKAccuracy(labels: Int32Array, scores: ArrayLike<number>, K: number, k: number): number {
  let labelled = 0;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    if (truth < 0) continue;
    labelled++;
    // Rank of the true class = classes that beat it (higher score, or equal score and lower position).
    const own = scores[i * K + truth];
    let better = 0;
    for (let c = 0; c < K && better < k; c++) {
      const value = scores[i * K + c];
      if (value > own || (value === own && c < truth)) better++;
    }
    if (better < k) hits++;
  }
  return labelled > 0 ? hits / labelled : NaN;
}

function checkInput({ classCount, labels, predicted, scores }: ClassificationInput): void {
  if (predicted.length !== labels.length) {
    throw new RangeError(
      `invalid predicted: length ${predicted.length} (expected ${labels.length}, one per label)`,
    );
  }
  if (scores && scores.length !== labels.length * classCount) {
    throw new RangeError(
      `invalid scores: length ${scores.length} (expected ${labels.length} × ${classCount})`,
    );
  }
  for (const [name, column] of [
    ['labels', labels],
    ['predicted', predicted],
  ] as const) {
    for (let i = 0; i < column.length; i++) {
      if (column[i] < -1 || column[i] >= classCount || !Number.isInteger(column[i])) {
        throw new RangeError(
          `invalid ${name}[${i}]: ${column[i]} (expected -1 or a class in [0, ${classCount}))`,
        );
      }
    }
  }
}

/**
 * Classification input from a dataset's image-level labels and a run's image-level predictions: per
 * image its first label, its top prediction (highest score, lower index on ties, as the confusion matrix
 * takes it), and per class the best score any prediction of the image gave it (0 when none).
 */
export function classificationInput(
  dataset: { images: unknown[]; categories: { id: number }[]; groundTruth: ClassificationItem[] },
  predictions: (ClassificationItem & { score: number })[],
): ClassificationInput {
  const K = dataset.categories.length;
  const n = dataset.images.length;
  const position = new Map(dataset.categories.map((c, k) => [c.id, k]));
  const labels = new Int32Array(n).fill(-1);
  const predicted = new Int32Array(n).fill(-1);
  const best = new Float64Array(n).fill(-Infinity);
  const scores = new Float64Array(n * K);

  for (const gt of dataset.groundTruth) {
    if (gt.box || labels[gt.imageIndex] >= 0) continue;
    labels[gt.imageIndex] = position.get(gt.categoryId) ?? -1;
  }
  for (const p of predictions) {
    const k = position.get(p.categoryId);
    if (p.box || k === undefined) continue;
    // Strictly greater: the earlier prediction keeps a tie.
    if (p.score > best[p.imageIndex]) {
      best[p.imageIndex] = p.score;
      predicted[p.imageIndex] = k;
    }
    const cell = p.imageIndex * K + k;
    if (p.score > scores[cell]) scores[cell] = p.score;
  }
  return { classCount: K, labels, predicted, scores };
}

interface ClassificationItem {
  imageIndex: number;
  categoryId: number;
  box?: unknown;
}
