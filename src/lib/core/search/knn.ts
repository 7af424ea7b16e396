/**
 * Exact k-nearest-neighbour search by cosine similarity over an embedding matrix.
 *
 * Embeddings are one `Float32Array` of `n * dim` numbers, row `i` at `[i * dim, (i + 1) * dim)`, and
 * are expected to be L2-normalised (`normalizeRows`), so cosine similarity is a plain dot product.
 * Searches scan every row once in blocks and keep the best k per query in a bounded heap held in
 * typed arrays, so they allocate O(k) per query whatever n is and create no object per row. A batch
 * of queries shares each block of rows while it is in cache (see `dot.ts`).
 */
import { BoundedHeap } from './heap';
import { ROW_BLOCK, dotAllRows, dotTile } from './dot';

/** Rows of a search result, best first. */
export interface Neighbours {
  /** Row indices into the embedding matrix. */
  indices: Int32Array;
  /** Cosine similarity of each row with the query, in [-1, 1] for normalised inputs. */
  scores: Float32Array;
}

export interface TopKOptions {
  /** Row indices to leave out of the result (e.g. the positives a query was built from). None by default. */
  exclude?: ArrayLike<number>;
}

/**
 * Weight of the negatives' mean in `queryFromExamples` (Rocchio's β with α = 1). Half weight turns the
 * query away from what the user rejected without letting a few hard negatives, which usually sit close
 * to the positives, swing it past them.
 */
export const NEGATIVE_WEIGHT = 0.5;

/** Queries per batch in `topKBatch`; larger batches are cut into slices of this size. */
const QUERY_SLICE = 64;

/**
 * Scales every row of `matrix` (n × `dim`, row-major) to unit L2 norm, in place. All-zero rows stay zero.
 *
 * @returns `matrix` itself.
 */
export function normalizeRows(matrix: Float32Array, dim: number): Float32Array {
  const rows = rowCount(matrix, dim);
  for (let row = 0; row < rows; row++) normalizeInPlace(matrix.subarray(row * dim, (row + 1) * dim));
  return matrix;
}

/**
 * The unit-length mean of several vectors: the query for "more like these positives".
 *
 * @returns a new vector of the vectors' length; all zeros when the mean is zero (e.g. opposite vectors).
 * @throws RangeError when there are no vectors or their lengths differ.
 */
export function meanDirection(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('invalid query: no vectors (expected at least one)');
  const dim = vectors[0].length;

  // Summing in doubles keeps many positives from losing precision before the division.
  const sum = new Float64Array(dim);
  for (const vector of vectors) {
    if (vector.length !== dim) {
      throw new RangeError(`invalid query vector length: ${vector.length} (expected ${dim}, like the first)`);
    }
    for (let i = 0; i < dim; i++) sum[i] += vector[i];
  }
  return normalizeInPlace(Float32Array.from(sum));
}

/** Rows `rows` of `embeddings` (n × `dim`) as views, e.g. to pass positives to `meanDirection`. */
export function selectRows(embeddings: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array[] {
  const count = rowCount(embeddings, dim);
  return Array.from(rows, (row) => {
    checkRow(row, count);
    return embeddings.subarray(row * dim, (row + 1) * dim);
  });
}

/**
 * A query from judged examples, Rocchio-style: the mean of the positive rows minus `NEGATIVE_WEIGHT`
 * (0.5) times the mean of the negative rows, scaled to unit length.
 *
 * @param positives - row indices of examples to move towards (at least one).
 * @param negatives - row indices of examples to move away from; none by default.
 * @returns a unit vector of length `dim`; all zeros when the combination cancels out.
 * @throws RangeError when there are no positives or a row is out of range.
 */
export function queryFromExamples(
  embeddings: Float32Array,
  dim: number,
  positives: ArrayLike<number>,
  negatives: ArrayLike<number> = [],
): Float32Array {
  const count = rowCount(embeddings, dim);
  if (positives.length === 0) throw new RangeError('invalid examples: no positives (expected at least one)');

  const sum = new Float64Array(dim);
  addRows(sum, embeddings, dim, count, positives, 1 / positives.length);
  if (negatives.length > 0)
    addRows(sum, embeddings, dim, count, negatives, -NEGATIVE_WEIGHT / negatives.length);
  return normalizeInPlace(Float32Array.from(sum));
}

/**
 * The dot product of every row with `query` (cosine similarity for unit rows and query), in row order.
 *
 * @param query - a vector of length `dim`.
 * @returns n scores; NaN for a row holding NaN.
 */
export function scoreRows(embeddings: Float32Array, dim: number, query: ArrayLike<number>): Float32Array {
  rowCount(embeddings, dim);
  const vector = toQuery(query, dim);
  return dotAllRows(embeddings, dim, vector);
}

/**
 * The `k` rows of `embeddings` most similar to the query, by dot product (= cosine for unit rows).
 *
 * @param embeddings - n × `dim` row-major, rows L2-normalised.
 * @param query - one vector of length `dim`, or several, which are replaced by `meanDirection` of them.
 *   A single vector is used as given: normalise it first for scores that are cosines.
 * @param k - how many rows to return; fewer come back when fewer rows remain after `exclude`.
 * @returns rows sorted by score descending; rows with equal scores (in double precision) by lower
 *   index first. A NaN score ranks below every number.
 */
export function topK(
  embeddings: Float32Array,
  dim: number,
  query: ArrayLike<number> | readonly ArrayLike<number>[],
  k: number,
  options: TopKOptions = {},
): Neighbours {
  const vector = isVectorList(query) ? meanDirection(query) : query;
  return topKBatch(embeddings, dim, toQuery(vector, dim), k, options)[0];
}

/**
 * `topK` for many queries at once: each block of rows is scored against every query while it is in
 * cache, four queries per loaded row. Results equal `topK` per query exactly (same sums in the same
 * order). Known shortcoming: scalar JavaScript is bound by arithmetic rather than memory here, so a
 * batch of 64 is only about 1.5× faster than 64 single queries (`npm run bench:knn`); SIMD kernels in
 * WebAssembly would be needed for more.
 *
 * @param queries - nq × `dim` row-major (each used as given: normalise for cosine scores).
 * @param options.exclude - rows left out of every query's result.
 * @returns one `Neighbours` per query, in query order.
 */
export function topKBatch(
  embeddings: Float32Array,
  dim: number,
  queries: ArrayLike<number>,
  k: number,
  options: TopKOptions = {},
): Neighbours[] {
  const count = rowCount(embeddings, dim);
  if (queries.length % dim !== 0) {
    throw new RangeError(`invalid query length: ${queries.length} (expected a multiple of ${dim})`);
  }
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`invalid k: ${k} (expected a non-negative integer)`);
  const excluded = exclusionMask(options.exclude, count);
  const all = toQuery(queries, queries.length);

  const results: Neighbours[] = [];
  for (let start = 0; start < all.length; start += QUERY_SLICE * dim) {
    const slice = all.subarray(start, Math.min(all.length, start + QUERY_SLICE * dim));
    results.push(...scanSlice(embeddings, dim, count, slice, Math.min(k, count), excluded));
  }
  return results;
}

/** One pass over the rows for up to `QUERY_SLICE` queries, one bounded heap each. */
function scanSlice(
  embeddings: Float32Array,
  dim: number,
  count: number,
  queries: Float64Array,
  k: number,
  excluded: Uint8Array | undefined,
): Neighbours[] {
  const queryCount = queries.length / dim;
  const heaps = Array.from({ length: queryCount }, () => new BoundedHeap(k));
  if (k === 0) return heaps.map((heap) => heap.drainDescending());
  const tile = new Float64Array(queryCount * ROW_BLOCK);

  for (let rowStart = 0; rowStart < count; rowStart += ROW_BLOCK) {
    const rowEnd = Math.min(count, rowStart + ROW_BLOCK);
    dotTile(embeddings, dim, queries, queryCount, rowStart, rowEnd, tile, ROW_BLOCK);

    // Most rows lose to the heap's floor: one comparison each, without a call.
    for (let query = 0; query < queryCount; query++) {
      const heap = heaps[query];
      let floor = heap.floor;
      const base = query * ROW_BLOCK - rowStart;
      for (let row = rowStart; row < rowEnd; row++) {
        let score = tile[base + row];
        if (score !== score) score = -Infinity;
        if (score < floor || (score === floor && heap.size === k)) continue;
        if (excluded && excluded[row]) continue;
        heap.offer(score, row);
        floor = heap.floor;
      }
    }
  }
  return heaps.map((heap) => heap.drainDescending());
}

function addRows(
  sum: Float64Array,
  embeddings: Float32Array,
  dim: number,
  count: number,
  rows: ArrayLike<number>,
  weight: number,
): void {
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j];
    checkRow(row, count);
    for (let i = 0; i < dim; i++) sum[i] += embeddings[row * dim + i] * weight;
  }
}

/** A query as doubles (exact for float32 and number input), checked against the expected length. */
function toQuery(query: ArrayLike<number>, length: number): Float64Array {
  if (query.length !== length)
    throw new RangeError(`invalid query length: ${query.length} (expected ${length})`);
  return query instanceof Float64Array ? query : Float64Array.from(query);
}

function normalizeInPlace(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i] * vector[i];
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

/** n for an n × `dim` matrix. @throws RangeError when `dim` is not a positive integer or does not divide the length. */
export function rowCount(matrix: ArrayLike<number>, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (matrix.length % dim !== 0) {
    throw new RangeError(
      `invalid embedding matrix: length ${matrix.length} (expected a multiple of dim ${dim})`,
    );
  }
  return matrix.length / dim;
}

/** @throws RangeError when `row` is not an integer in [0, count). */
export function checkRow(row: number, count: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= count) {
    throw new RangeError(`invalid row: ${row} (expected an integer in [0, ${count}))`);
  }
}

/** A 0/1 mask of n rows with 1 at every listed row; undefined for an empty list. */
export function exclusionMask(exclude: ArrayLike<number> | undefined, count: number): Uint8Array | undefined {
  if (!exclude || exclude.length === 0) return undefined;
  const mask = new Uint8Array(count);
  for (let i = 0; i < exclude.length; i++) {
    checkRow(exclude[i], count);
    mask[exclude[i]] = 1;
  }
  return mask;
}

/** Tells a list of vectors from one vector: a vector's elements are numbers; `[]` is an empty list. */
function isVectorList(
  query: ArrayLike<number> | readonly ArrayLike<number>[],
): query is readonly ArrayLike<number>[] {
  return query.length === 0 ? Array.isArray(query) : typeof query[0] !== 'number';
}
