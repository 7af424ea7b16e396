/**
 * The refinement loop around the classifier: which items to show the user next, how the tag moved
 * between rounds, and a first round of scores from a text (or any) query vector before any judgement.
 */
import { BoundedHeap } from '../search/heap';
import { scoreRows } from '../search/knn';
import { sigmoid } from './train';

/** How a round changed the tag. */
export interface RoundSummary {
  /** Items scored at or above the threshold. */
  positives: number;
  /** Items on the other side of the threshold than in the previous round (0 for the first round). */
  flips: number;
  /** Counts of scores in `bins` equal bins over [0, 1]; 1 falls in the last bin, NaN in none. */
  histogram: Uint32Array;
}

/**
 * Slope and offset of `seedAutotagFromQuery`: an item two standard deviations above the mean
 * similarity scores ½, one at four scores about 0.98. Two deviations is where, for a concept held
 * by a few percent of the items, the true ones start to dominate.
 */
export const SEED_SLOPE = 2;
export const SEED_OFFSET = 2;

/**
 * The next items to judge: half (rounded up) the unjudged items with the highest scores, best first,
 * then the unjudged items whose scores lie nearest the threshold (the most uncertain), nearest first.
 * No item appears twice; NaN scores are never picked. Ties go to the lower index.
 *
 * @param scores - current P(yes) per item.
 * @param judged - 1 for items already judged, per item.
 * @param size - items wanted; fewer come back when fewer are unjudged.
 * @param threshold - the decision threshold in [0, 1].
 */
export function nextJudgementBatch(
  scores: Float32Array,
  judged: Uint8Array,
  size: number,
  threshold: number,
): Int32Array {
  if (judged.length !== scores.length) {
    throw new RangeError(
      `invalid judged mask: length ${judged.length} (expected ${scores.length}, one per score)`,
    );
  }
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`invalid batch size: ${size} (expected an integer ≥ 0)`);

  const top = bestUnjudged(scores.length, (item) => (judged[item] ? NaN : scores[item]), Math.ceil(size / 2));
  const picked = Uint8Array.from(judged);
  for (const item of top) picked[item] = 1;
  const uncertain = bestUnjudged(
    scores.length,
    (item) => (picked[item] ? NaN : -Math.abs(scores[item] - threshold)),
    size - top.length,
  );

  const batch = new Int32Array(top.length + uncertain.length);
  batch.set(top);
  batch.set(uncertain, top.length);
  return batch;
}

/**
 * Counts for the convergence display: positives at `threshold`, items that changed side since
 * `previous` (same items, same order), and a histogram of the scores.
 */
export function roundSummary(
  previous: Float32Array | null,
  scores: Float32Array,
  threshold: number,
  bins = 20,
): RoundSummary {
  if (previous && previous.length !== scores.length) {
    throw new RangeError(`invalid previous scores: length ${previous.length} (expected ${scores.length})`);
  }
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`invalid bins: ${bins} (expected an integer ≥ 1)`);

  const histogram = new Uint32Array(bins);
  let positives = 0;
  let flips = 0;
  for (let item = 0; item < scores.length; item++) {
    const score = scores[item];
    const above = score >= threshold;
    if (above) positives++;
    if (previous && previous[item] >= threshold !== above) flips++;
    if (score === score) histogram[Math.min(bins - 1, Math.max(0, Math.floor(score * bins)))]++;
  }
  return { positives, flips, histogram };
}

/**
 * Scores to start Autotag from before any judgement, e.g. from a text embedding: the similarity of
 * every row to `query`, standardised over the rows and mapped to (0, 1) by
 * σ(SEED_SLOPE · (z − SEED_OFFSET)), so `nextJudgementBatch` at threshold ½ shows the best matches and
 * the items around two standard deviations above the mean.
 *
 * @param query - a vector of length `dim` (a text embedding from the same model, or a row).
 * @returns one pseudo-probability per row; NaN for NaN rows.
 */
export function seedAutotagFromQuery(
  embeddings: Float32Array,
  dim: number,
  query: ArrayLike<number>,
): Float32Array {
  const scores = scoreRows(embeddings, dim, query);

  let sum = 0;
  let squares = 0;
  let valid = 0;
  for (const score of scores) {
    if (score !== score) continue;
    sum += score;
    squares += score * score;
    valid++;
  }
  const mean = valid > 0 ? sum / valid : 0;
  const deviation = Math.sqrt(Math.max(0, squares / Math.max(1, valid) - mean * mean)) || 1;

  for (let row = 0; row < scores.length; row++) {
    scores[row] = sigmoid(SEED_SLOPE * ((scores[row] - mean) / deviation - SEED_OFFSET));
  }
  return scores;
}

/** The `size` items with the highest `key` (NaN keys skipped), best first. */
function bestUnjudged(count: number, key: (item: number) => number, size: number): Int32Array {
  const heap = new BoundedHeap(Math.max(0, size));
  for (let item = 0; item < count; item++) {
    const value = key(item);
    if (value === value) heap.offer(value, item);
  }
  return heap.drainDescending().indices;
}
