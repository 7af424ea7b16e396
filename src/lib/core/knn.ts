/**
 * Exact k-nearest-neighbour search by cosine similarity over an embedding matrix.
 *
 * Embeddings are one `Float32Array` of `n * dim` numbers, row `i` at `[i * dim, (i + 1) * dim)`, and
 * are expected to be L2-normalised (`normalizeRows`), so cosine similarity is a plain dot product.
 * The search scans every row once and keeps the best k in a bounded heap held in two typed arrays, so
 * it allocates O(k) whatever n is and creates no object per row.
 */

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
  const count = rowCount(embeddings, dim);
  const vector = isVectorList(query) ? meanDirection(query) : query;
  if (vector.length !== dim) throw new RangeError(`invalid query length: ${vector.length} (expected ${dim})`);
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`invalid k: ${k} (expected a non-negative integer)`);

  const excluded = exclusionMask(options.exclude, count);
  const heap = new BoundedHeap(Math.min(k, count));
  if (heap.capacity === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };

  for (let row = 0; row < count; row++) {
    if (excluded && excluded[row]) continue;
    const score = dot(embeddings, row * dim, vector, dim);
    heap.offer(score === score ? score : -Infinity, row);
  }
  return heap.drainDescending();
}

/**
 * A fixed-capacity min-heap on (score, index) whose root is the worst kept row: the lowest score, and
 * among equal scores the highest index. A new row replaces the root only when strictly better.
 */
class BoundedHeap {
  readonly capacity: number;
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
  }

  offer(score: number, index: number): void {
    if (this.size < this.capacity) {
      this.scores[this.size] = score;
      this.indices[this.size] = index;
      this.siftUp(this.size++);
    } else if (this.worse(0, score, index)) {
      this.scores[0] = score;
      this.indices[0] = index;
      this.siftDown(0);
    }
  }

  /** Empties the heap into arrays, best first: popping the worst fills them from the back. */
  drainDescending(): Neighbours {
    const count = this.size;
    const indices = new Int32Array(count);
    const scores = new Float32Array(count);
    for (let slot = count - 1; slot >= 0; slot--) {
      indices[slot] = this.indices[0];
      scores[slot] = this.scores[0];
      this.size--;
      this.scores[0] = this.scores[this.size];
      this.indices[0] = this.indices[this.size];
      this.siftDown(0);
    }
    return { indices, scores };
  }

  /** True when the entry at `position` ranks below (score, index). */
  private worse(position: number, score: number, index: number): boolean {
    const held = this.scores[position];
    return held < score || (held === score && this.indices[position] > index);
  }

  private siftUp(position: number): void {
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!this.worse(position, this.scores[parent], this.indices[parent])) return;
      this.swap(position, parent);
      position = parent;
    }
  }

  private siftDown(position: number): void {
    for (;;) {
      const left = position * 2 + 1;
      const right = left + 1;
      let worst = position;
      if (left < this.size && this.worse(left, this.scores[worst], this.indices[worst])) worst = left;
      if (right < this.size && this.worse(right, this.scores[worst], this.indices[worst])) worst = right;
      if (worst === position) return;
      this.swap(position, worst);
      position = worst;
    }
  }

  private swap(a: number, b: number): void {
    const score = this.scores[a];
    this.scores[a] = this.scores[b];
    this.scores[b] = score;
    const index = this.indices[a];
    this.indices[a] = this.indices[b];
    this.indices[b] = index;
  }
}

function dot(matrix: Float32Array, offset: number, vector: ArrayLike<number>, dim: number): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += matrix[offset + i] * vector[i];
  return sum;
}

function normalizeInPlace(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i] * vector[i];
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

function rowCount(matrix: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (matrix.length % dim !== 0) {
    throw new RangeError(
      `invalid embedding matrix: length ${matrix.length} (expected a multiple of dim ${dim})`,
    );
  }
  return matrix.length / dim;
}

function checkRow(row: number, count: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= count) {
    throw new RangeError(`invalid row: ${row} (expected an integer in [0, ${count}))`);
  }
}

function exclusionMask(exclude: ArrayLike<number> | undefined, count: number): Uint8Array | undefined {
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
