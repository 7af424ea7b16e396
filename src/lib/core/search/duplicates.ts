/**
 * Uniqueness and near-duplicate groups over a whole embedding matrix: every row against every other.
 *
 * Both compare all pairs with the blocked kernels of `dot.ts` (64 rows as a batch of queries against
 * 32-row blocks), scoring each pair once and holding one tile of scores at a time: memory is O(n·k)
 * for uniqueness and O(n) for duplicates, never O(n²).
 * Known shortcoming: time is O(n²·dim). Measured on a loaded two-core box at 512 dimensions: 3,000
 * rows took 6–7 s for either, so 10k rows take about a minute and 100k rows hours. Beyond a few tens
 * of thousands of rows an approximate index (or WebAssembly SIMD kernels) would be needed; neither
 * is built.
 */
import { ROW_BLOCK, dotTile } from './dot';
import { rowCount } from './knn';

/** Rows used as one batch of queries. */
const QUERY_BLOCK = 64;

export interface PairwiseOptions {
  /** Called after each batch of query rows with (rows done, rows in all). */
  onProgress?: (done: number, total: number) => void;
  /** Stops the scan between batches; the function then throws the signal's reason. */
  signal?: AbortSignal;
}

/** Near-duplicate groups: rows joined by cosine ≥ threshold, transitively. */
export interface DuplicateGroups {
  /** Per row, the index of its group in `groups`, or -1 for a row with no near duplicate. */
  groupOf: Int32Array;
  /** Each group's rows in ascending order; groups ordered by their first row. Only groups of 2+ rows. */
  groups: Int32Array[];
}

/**
 * How unlike its neighbours each row is: 1 − the mean cosine similarity to its `k` nearest other rows
 * (the row itself excluded). 0 for a row with k exact copies, about 1 for a row orthogonal to its
 * neighbours, up to 2. With fewer than k other rows, the mean is over all of them; a lone row scores 1.
 *
 * @param embeddings - n × `dim`, unit rows.
 * @returns n values in [0, 2].
 */
export function uniqueness(
  embeddings: Float32Array,
  dim: number,
  k: number,
  options: PairwiseOptions = {},
): Float32Array {
  const count = rowCount(embeddings, dim);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`invalid k: ${k} (expected a positive integer)`);
  const neighbours = Math.min(k, count - 1);
  const result = new Float32Array(count).fill(1);
  if (neighbours === 0) return result;

  // Each pair is scored once and offered to both of its rows' heaps.
  const heaps = new ScoreHeaps(count, neighbours);
  forEachQueryBlock(embeddings, dim, count, options, (queryStart, queryEnd, queries) => {
    const queryCount = queryEnd - queryStart;
    const tile = new Float64Array(queryCount * ROW_BLOCK);
    for (let rowStart = queryStart; rowStart < count; rowStart += ROW_BLOCK) {
      const rowEnd = Math.min(count, rowStart + ROW_BLOCK);
      dotTile(embeddings, dim, queries, queryCount, rowStart, rowEnd, tile, ROW_BLOCK);
      for (let q = 0; q < queryCount; q++) {
        const self = queryStart + q;
        for (let row = Math.max(rowStart, self + 1); row < rowEnd; row++) {
          const score = tile[q * ROW_BLOCK + row - rowStart];
          heaps.offer(self, score);
          heaps.offer(row, score);
        }
      }
    }
  });

  for (let row = 0; row < count; row++) result[row] = 1 - heaps.mean(row);
  return result;
}

/**
 * The `k` highest scores seen for each of n rows, as n min-heaps laid end to end in one typed array
 * (row r's at [r·k, (r+1)·k)), so that 100k rows need no object each. Indices are not kept: only
 * the mean of the scores is wanted.
 */
class ScoreHeaps {
  private readonly scores: Float64Array;
  private readonly sizes: Int32Array;

  constructor(
    rows: number,
    private readonly k: number,
  ) {
    this.scores = new Float64Array(rows * k);
    this.sizes = new Int32Array(rows);
  }

  offer(row: number, score: number): void {
    if (!(score === score)) return;
    const base = row * this.k;
    const size = this.sizes[row];
    const scores = this.scores;
    if (size < this.k) {
      // Sift up from the new leaf.
      let position = size;
      while (position > 0) {
        const parent = (position - 1) >> 1;
        if (scores[base + parent] <= score) break;
        scores[base + position] = scores[base + parent];
        position = parent;
      }
      scores[base + position] = score;
      this.sizes[row] = size + 1;
      return;
    }
    if (score <= scores[base]) return;

    // Replace the root (the lowest kept score) and sift down.
    let position = 0;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && scores[base + right] < scores[base + left] ? right : left;
      if (scores[base + child] >= score) break;
      scores[base + position] = scores[base + child];
      position = child;
    }
    scores[base + position] = score;
  }

  /** The mean of a row's kept scores (NaN when it has none). */
  mean(row: number): number {
    let sum = 0;
    for (let i = 0; i < this.sizes[row]; i++) sum += this.scores[row * this.k + i];
    return sum / this.sizes[row];
  }
}

/**
 * Groups of near-duplicate rows: any two rows with cosine ≥ `threshold` share a group, and groups are
 * closed under that relation (union-find), so a chain a~b~c is one group even when a and c differ more.
 *
 * @param threshold - cosine similarity in [-1, 1], e.g. 0.95.
 */
export function nearDuplicateGroups(
  embeddings: Float32Array,
  dim: number,
  threshold: number,
  options: PairwiseOptions = {},
): DuplicateGroups {
  const count = rowCount(embeddings, dim);
  if (!(threshold >= -1 && threshold <= 1)) {
    throw new RangeError(`invalid threshold: ${threshold} (expected a cosine in [-1, 1])`);
  }
  const parent = Int32Array.from({ length: count }, (_, row) => row);

  // Only pairs (query, row) with row > query: blocks left of the query block are already done.
  forEachQueryBlock(embeddings, dim, count, options, (queryStart, queryEnd, queries) => {
    const queryCount = queryEnd - queryStart;
    const tile = new Float64Array(queryCount * ROW_BLOCK);
    for (let rowStart = queryStart; rowStart < count; rowStart += ROW_BLOCK) {
      const rowEnd = Math.min(count, rowStart + ROW_BLOCK);
      dotTile(embeddings, dim, queries, queryCount, rowStart, rowEnd, tile, ROW_BLOCK);
      for (let q = 0; q < queryCount; q++) {
        const self = queryStart + q;
        for (let row = Math.max(rowStart, self + 1); row < rowEnd; row++) {
          if (tile[q * ROW_BLOCK + row - rowStart] >= threshold) union(parent, self, row);
        }
      }
    }
  });
  return collectGroups(parent);
}

/** Runs `visit` for consecutive blocks of rows, each copied to doubles as a batch of queries. */
function forEachQueryBlock(
  embeddings: Float32Array,
  dim: number,
  count: number,
  options: PairwiseOptions,
  visit: (queryStart: number, queryEnd: number, queries: Float64Array) => void,
): void {
  const queries = new Float64Array(QUERY_BLOCK * dim);
  for (let queryStart = 0; queryStart < count; queryStart += QUERY_BLOCK) {
    options.signal?.throwIfAborted();
    const queryEnd = Math.min(count, queryStart + QUERY_BLOCK);
    const block = queries.subarray(0, (queryEnd - queryStart) * dim);
    for (let i = 0; i < block.length; i++) block[i] = embeddings[queryStart * dim + i];
    visit(queryStart, queryEnd, block);
    options.onProgress?.(queryEnd, count);
  }
}

/** Joins the sets of a and b; the root is always the smaller row, so a group's root is its first row. */
function union(parent: Int32Array, a: number, b: number): void {
  const rootA = find(parent, a);
  const rootB = find(parent, b);
  if (rootA < rootB) parent[rootB] = rootA;
  else if (rootB < rootA) parent[rootA] = rootB;
}

function find(parent: Int32Array, row: number): number {
  while (parent[row] !== row) {
    parent[row] = parent[parent[row]];
    row = parent[row];
  }
  return row;
}

/** Groups of two or more rows from the union-find forest, ordered by first row. */
function collectGroups(parent: Int32Array): DuplicateGroups {
  const count = parent.length;
  const sizes = new Int32Array(count);
  for (let row = 0; row < count; row++) sizes[find(parent, row)]++;

  const groupOf = new Int32Array(count).fill(-1);
  const groups: Int32Array[] = [];
  const filled = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    const root = find(parent, row);
    if (sizes[root] < 2) continue;
    if (root === row) {
      groupOf[row] = groups.length;
      groups.push(new Int32Array(sizes[root]));
    } else {
      groupOf[row] = groupOf[root];
    }
    groups[groupOf[row]][filled[root]++] = row;
  }
  return { groupOf, groups };
}
