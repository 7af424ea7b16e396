/**
 * A compressed embedding matrix for search over about a million rows: int8 codes plus one residual
 * bit per value, and two numbers per row: 9 bits per value instead of 32 (1M × 512 → 584 MB instead
 * of 2 GB).
 *
 * Row r is stored as `value[r, d] ≈ centre[d] + (codes[r·dim + d] ± ¼) · rowScales[r]`, the sign of
 * the quarter from the residual bit (which half of the rounding interval the value fell in), which
 * halves the rounding error of plain int8. The centre (the mean row, when known) is taken out first:
 * CLIP embeddings share a large common component that would otherwise spend the codes' range on what
 * every row has; it adds the same q·centre to every row's score, so the scan skips it. `encodeRow`
 * explains the two per-row corrections (a least-squares scale, the error along the centre).
 *
 * Search scores every row asymmetrically (a float query against the int8 codes, one multiply-add per
 * byte), keeps a shortlist several times k, and re-scores the shortlist exactly against the float32
 * rows when they are given, else against the rows decoded with their residual bits and corrections.
 * Known shortcoming: at 1M rows the scan runs in scalar JavaScript (about a second per query on one
 * core); WebAssembly SIMD would make it several times faster but is not written.
 */
import { BoundedHeap } from './heap';
import { exclusionMask, rowCount, type Neighbours, type TopKOptions } from './knn';

export interface CompressedIndex {
  dim: number;
  count: number;
  /** n × dim int8 codes, row-major. */
  codes: Int8Array;
  /** n × ⌈dim / 8⌉ bytes: bit d of row r set when the value lies above its code, clear when below. */
  residuals: Uint8Array;
  /** Per row: the least-squares factor from refined codes to offsets from the centre; 0 for the centre itself. */
  rowScales: Float32Array;
  /** The vector subtracted from every row before coding (zeros when built without statistics). */
  centre: Float32Array;
  /** Per row: the coding error's component along the centre's direction, added back when scoring. */
  centreErrors: Float32Array;
}

export interface CompressedSearchOptions extends TopKOptions {
  /** Rows kept from the compressed scan for re-scoring. Default max(4·k, k + 64). */
  shortlist?: number;
  /** The float32 rows (n × dim) the index was built from, for exact re-scoring of the shortlist. */
  exact?: Float32Array;
}

const ROW_BLOCK = 32;

/**
 * An empty index for `count` rows, to be filled with `encodeRow` (e.g. while streaming rows that do
 * not fit in memory as float32).
 *
 * @param centre - the vector taken out of every row, e.g. `meanRow` of a sample; zeros by default.
 */
export function createCompressedIndex(
  count: number,
  dim: number,
  centre?: ArrayLike<number>,
): CompressedIndex {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`invalid count: ${count} (expected an integer ≥ 0)`);
  if (!Number.isInteger(dim) || dim <= 0)
    throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (centre && centre.length !== dim)
    throw new RangeError(`invalid centre length: ${centre.length} (expected ${dim})`);
  return {
    dim,
    count,
    codes: new Int8Array(count * dim),
    residuals: new Uint8Array(count * residualStride(dim)),
    rowScales: new Float32Array(count),
    centre: centre ? Float32Array.from(centre) : new Float32Array(dim),
    centreErrors: new Float32Array(count),
  };
}

/** The mean of the rows of `embeddings` (n × `dim`): the centre to build an index with. A sample of rows is enough. */
export function meanRow(embeddings: Float32Array, dim: number): Float32Array {
  const count = rowCount(embeddings, dim);
  const sum = new Float64Array(dim);
  for (let row = 0; row < count; row++) for (let d = 0; d < dim; d++) sum[d] += embeddings[row * dim + d];
  return Float32Array.from(sum, (value) => (count > 0 ? value / count : 0));
}

/**
 * Stores `vector[offset .. offset + dim)` as row `row` of the index.
 *
 * Two corrections make the stored row better for ranking than plain rounding: the row scale is
 * refit by least squares to the rounded codes, which leaves the coding error orthogonal to the
 * stored offset (so a query close to the row sees little of it), and the error's component along the
 * centre, which every CLIP-like query shares, is kept as one number per row and added back.
 */
export function encodeRow(index: CompressedIndex, row: number, vector: ArrayLike<number>, offset = 0): void {
  const { dim, codes, centre, residuals } = index;
  if (!Number.isInteger(row) || row < 0 || row >= index.count) {
    throw new RangeError(`invalid row: ${row} (expected an integer in [0, ${index.count}))`);
  }

  // The largest offset from the centre maps to ±127; symmetric codes keep the centre exact.
  let largest = 0;
  for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(vector[offset + d] - centre[d]));
  const inverse = largest > 0 ? 127 / largest : 0;

  // Round, record the residual bit, and sum what the least-squares scale and the centre error need.
  const base = row * dim;
  const bits = row * residualStride(dim);
  residuals.fill(0, bits, bits + residualStride(dim));
  let along = 0;
  let squares = 0;
  let centreSquares = 0;
  let centreByValue = 0;
  let centreByCode = 0;
  for (let d = 0; d < dim; d++) {
    const value = vector[offset + d] - centre[d];
    const exact = value * inverse;
    const code = Math.round(exact);
    codes[base + d] = code;
    const above = exact >= code;
    if (above) residuals[bits + (d >> 3)] |= 1 << (d & 7);
    const refined = code + (above ? 0.25 : -0.25);
    along += value * refined;
    squares += refined * refined;
    centreSquares += centre[d] * centre[d];
    centreByValue += centre[d] * value;
    centreByCode += centre[d] * refined;
  }
  const scale = largest > 0 ? along / squares : 0;
  index.rowScales[row] = scale;

  // The error left along the centre's direction: (value − scale · refined) · centre / |centre|.
  const error =
    centreSquares > 0 && scale > 0 ? (centreByValue - scale * centreByCode) / Math.sqrt(centreSquares) : 0;
  index.centreErrors[row] = error;
}

/** An index of every row of `embeddings` (n × `dim`), centred on their mean. */
export function compressRows(embeddings: Float32Array, dim: number): CompressedIndex {
  const count = rowCount(embeddings, dim);
  const index = createCompressedIndex(count, dim, meanRow(embeddings, dim));
  for (let row = 0; row < count; row++) encodeRow(index, row, embeddings, row * dim);
  return index;
}

/** The stored approximation of row `row`, residual bits included, written into `out` (a new array by default). */
export function decodeRow(
  index: CompressedIndex,
  row: number,
  out = new Float32Array(index.dim),
): Float32Array {
  const { dim, rowScales, centre } = index;
  const centreNorm = norm(centre);
  const correction = centreNorm > 0 ? index.centreErrors[row] / centreNorm : 0;
  for (let d = 0; d < dim; d++) {
    out[d] = centre[d] * (1 + correction) + refinedCode(index, row, d) * rowScales[row];
  }
  return out;
}

/** Bytes held by the index's arrays. */
export function compressedBytes(index: CompressedIndex): number {
  return (
    index.codes.byteLength +
    index.residuals.byteLength +
    index.rowScales.byteLength +
    index.centre.byteLength +
    index.centreErrors.byteLength
  );
}

/** The code of (row, d) moved a quarter step towards the value, by its residual bit. */
function refinedCode(index: CompressedIndex, row: number, d: number): number {
  const bit = (index.residuals[row * residualStride(index.dim) + (d >> 3)] >> (d & 7)) & 1;
  return index.codes[row * index.dim + d] + (bit ? 0.25 : -0.25);
}

function norm(vector: Float32Array): number {
  let squares = 0;
  for (const value of vector) squares += value * value;
  return Math.sqrt(squares);
}

function residualStride(dim: number): number {
  return (dim + 7) >> 3;
}

/**
 * The `k` rows most similar to each query, by dot product, from the compressed rows (see the module
 * comment for how scores are computed and when they are exact).
 *
 * @param queries - nq × dim row-major.
 * @returns one `Neighbours` per query, best first, ties by lower index; scores are exact dot products
 *   when `options.exact` is given, else the compressed approximations.
 */
export function compressedTopKBatch(
  index: CompressedIndex,
  queries: ArrayLike<number>,
  k: number,
  options: CompressedSearchOptions = {},
): Neighbours[] {
  const { dim, count } = index;
  if (queries.length % dim !== 0) {
    throw new RangeError(`invalid query length: ${queries.length} (expected a multiple of ${dim})`);
  }
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`invalid k: ${k} (expected a non-negative integer)`);
  if (options.exact && options.exact.length !== count * dim) {
    throw new RangeError(`invalid exact rows: length ${options.exact.length} (expected ${count * dim})`);
  }
  const queryCount = queries.length / dim;
  const excluded = exclusionMask(options.exclude, count);
  const shortlistSize = Math.min(count, options.shortlist ?? Math.max(4 * k, k + 64));

  // Doubles keep the kernel monomorphic; the centre's share of each score is one number per query.
  const folded = Float64Array.from(queries);
  const centreScores = Float64Array.from({ length: queryCount }, (_, q) => {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += folded[q * dim + d] * index.centre[d];
    return sum;
  });
  const centreNorm = norm(index.centre) || 1;

  const heaps = Array.from({ length: queryCount }, () => new BoundedHeap(Math.max(k, shortlistSize)));
  const tile = new Float64Array(4 * ROW_BLOCK);
  for (let rowStart = 0; rowStart < count; rowStart += ROW_BLOCK) {
    const rowEnd = Math.min(count, rowStart + ROW_BLOCK);
    for (let query = 0; query < queryCount; query += 4) {
      const group = Math.min(4, queryCount - query);
      codeTile(index, folded, query, group, rowStart, rowEnd, tile);
      for (let q = 0; q < group; q++)
        offerBlock(heaps[query + q], tile, q, rowStart, rowEnd, index.rowScales, excluded);
    }
  }

  return heaps.map((heap, q) => {
    const { indices } = heap.drainDescending();
    return options.exact
      ? rescore(indices, k, (row) => exactDot(options.exact!, dim, row, queries, q))
      : rescore(
          indices,
          k,
          (row) =>
            centreScores[q] * (1 + index.centreErrors[row] / centreNorm) + refinedDot(index, row, folded, q),
        );
  });
}

/** `compressedTopKBatch` for one query. */
export function compressedTopK(
  index: CompressedIndex,
  query: ArrayLike<number>,
  k: number,
  options: CompressedSearchOptions = {},
): Neighbours {
  if (query.length !== index.dim)
    throw new RangeError(`invalid query length: ${query.length} (expected ${index.dim})`);
  return compressedTopKBatch(index, query, k, options)[0];
}

/** Offers one query's row of the tile (code sums × row scale) to its heap. */
function offerBlock(
  heap: BoundedHeap,
  tile: Float64Array,
  q: number,
  rowStart: number,
  rowEnd: number,
  rowScales: Float32Array,
  excluded: Uint8Array | undefined,
): void {
  let floor = heap.floor;
  for (let row = rowStart; row < rowEnd; row++) {
    let score = tile[q * ROW_BLOCK + row - rowStart] * rowScales[row];
    if (score !== score) score = -Infinity;
    if (score < floor || (score === floor && heap.size === heap.capacity)) continue;
    if (excluded && excluded[row]) continue;
    heap.offer(score, row);
    floor = heap.floor;
  }
}

/** The shortlisted rows re-scored by `score`, re-ranked, first k kept. */
function rescore(shortlist: Int32Array, k: number, score: (row: number) => number): Neighbours {
  const heap = new BoundedHeap(Math.min(k, shortlist.length));
  for (const row of shortlist) {
    const value = score(row);
    heap.offer(value === value ? value : -Infinity, row);
  }
  return heap.drainDescending();
}

/** Query q against float32 row `row`, summed in index order like the exact search. */
function exactDot(
  exact: Float32Array,
  dim: number,
  row: number,
  queries: ArrayLike<number>,
  q: number,
): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += exact[row * dim + d] * queries[q * dim + d];
  return sum;
}

/** Query q against the offset of row `row` from the centre, decoded with its residual bits. */
function refinedDot(index: CompressedIndex, row: number, folded: Float64Array, q: number): number {
  const { dim } = index;
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += refinedCode(index, row, d) * folded[q * dim + d];
  return sum * index.rowScales[row];
}

/**
 * Code sums of up to four queries (from `query`) against a block of rows, into
 * `tile[q · ROW_BLOCK + (row − rowStart)]`; each row's code is loaded once for all four queries.
 */
function codeTile(
  index: CompressedIndex,
  folded: Float64Array,
  query: number,
  group: number,
  rowStart: number,
  rowEnd: number,
  tile: Float64Array,
): void {
  const { dim, codes } = index;
  const q0 = query * dim;
  // A group smaller than four repeats its last query; the extra sums are ignored.
  const q1 = (query + Math.min(1, group - 1)) * dim;
  const q2 = (query + Math.min(2, group - 1)) * dim;
  const q3 = (query + Math.min(3, group - 1)) * dim;
  for (let row = rowStart; row < rowEnd; row++) {
    const base = row * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < dim; d++) {
      const code = codes[base + d];
      s0 += code * folded[q0 + d];
      s1 += code * folded[q1 + d];
      s2 += code * folded[q2 + d];
      s3 += code * folded[q3 + d];
    }
    const slot = row - rowStart;
    tile[slot] = s0;
    tile[ROW_BLOCK + slot] = s1;
    tile[2 * ROW_BLOCK + slot] = s2;
    tile[3 * ROW_BLOCK + slot] = s3;
  }
}
