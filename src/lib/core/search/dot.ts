/**
 * Dot-product kernels shared by the exact searches. Every (row, query) pair is summed the same way, in
 * index order in double precision, whichever kernel computes it, so a single query, a batch and a
 * brute-force loop give bit-identical scores and therefore identical rankings, ties included.
 *
 * Speed comes from independent chains rather than from reordering the sum: one query against four
 * rows at a time, or four queries against two rows (each loaded value used four or two times while in
 * a register). Queries are Float64Array so the kernels stay monomorphic and take any input exactly.
 */

/** Rows per block: 32 rows of 512 float32 are 64 KiB, small enough to stay in L2 while a batch of queries passes. */
export const ROW_BLOCK = 32;

/**
 * `out[outOffset + (r - rowStart)] = Σ_i matrix[r·dim + i] · query[queryOffset + i]` for r in
 * [rowStart, rowEnd).
 */
export function dotRows(
  matrix: Float32Array,
  dim: number,
  query: Float64Array,
  queryOffset: number,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
  outOffset: number,
): void {
  let row = rowStart;

  // Four rows at once: four independent sums hide the latency of each addition.
  for (; row + 4 <= rowEnd; row += 4) {
    const a = row * dim;
    const b = a + dim;
    const c = b + dim;
    const d = c + dim;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    for (let i = 0; i < dim; i++) {
      const value = query[queryOffset + i];
      sa += matrix[a + i] * value;
      sb += matrix[b + i] * value;
      sc += matrix[c + i] * value;
      sd += matrix[d + i] * value;
    }
    const slot = outOffset + row - rowStart;
    out[slot] = sa;
    out[slot + 1] = sb;
    out[slot + 2] = sc;
    out[slot + 3] = sd;
  }

  for (; row < rowEnd; row++) {
    const a = row * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += matrix[a + i] * query[queryOffset + i];
    out[outOffset + row - rowStart] = sum;
  }
}

/**
 * `dotRows` over every row into a new Float32Array, with `transform` applied to each sum (e.g. a
 * sigmoid). Sums go through a small double buffer so that `dotRows` only ever writes one array type:
 * a kernel that sees two would be compiled for both and run slower for each.
 */
export function dotAllRows(
  matrix: Float32Array,
  dim: number,
  query: Float64Array,
  transform?: (sum: number) => number,
): Float32Array {
  const count = matrix.length / dim;
  const scores = new Float32Array(count);
  const buffer = new Float64Array(1024);
  for (let start = 0; start < count; start += buffer.length) {
    const end = Math.min(count, start + buffer.length);
    dotRows(matrix, dim, query, 0, start, end, buffer, 0);
    if (transform) for (let row = start; row < end; row++) scores[row] = transform(buffer[row - start]);
    else scores.set(buffer.subarray(0, end - start), start);
  }
  return scores;
}

/**
 * Scores a block of rows against a batch of queries: `tile[q · stride + (r - rowStart)]` for q in
 * [0, queryCount) and r in [rowStart, rowEnd). `queries` holds queryCount × dim values.
 */
export function dotTile(
  matrix: Float32Array,
  dim: number,
  queries: Float64Array,
  queryCount: number,
  rowStart: number,
  rowEnd: number,
  tile: Float64Array,
  stride: number,
): void {
  let query = 0;
  for (; query + 4 <= queryCount; query += 4)
    dotFourQueries(matrix, dim, queries, query, rowStart, rowEnd, tile, stride);
  for (; query < queryCount; query++) {
    dotRows(matrix, dim, queries, query * dim, rowStart, rowEnd, tile, query * stride);
  }
}

/** Queries q..q+3 against the block, two rows at a time: eight sums from six loads per step. */
function dotFourQueries(
  matrix: Float32Array,
  dim: number,
  queries: Float64Array,
  query: number,
  rowStart: number,
  rowEnd: number,
  tile: Float64Array,
  stride: number,
): void {
  const q0 = query * dim;
  const q1 = q0 + dim;
  const q2 = q1 + dim;
  const q3 = q2 + dim;
  const t0 = query * stride - rowStart;
  const t1 = t0 + stride;
  const t2 = t1 + stride;
  const t3 = t2 + stride;
  let row = rowStart;

  for (; row + 2 <= rowEnd; row += 2) {
    const a = row * dim;
    const b = a + dim;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let i = 0; i < dim; i++) {
      const x = matrix[a + i];
      const y = matrix[b + i];
      const u0 = queries[q0 + i];
      const u1 = queries[q1 + i];
      const u2 = queries[q2 + i];
      const u3 = queries[q3 + i];
      a0 += x * u0;
      a1 += x * u1;
      a2 += x * u2;
      a3 += x * u3;
      b0 += y * u0;
      b1 += y * u1;
      b2 += y * u2;
      b3 += y * u3;
    }
    tile[t0 + row] = a0;
    tile[t1 + row] = a1;
    tile[t2 + row] = a2;
    tile[t3 + row] = a3;
    tile[t0 + row + 1] = b0;
    tile[t1 + row + 1] = b1;
    tile[t2 + row + 1] = b2;
    tile[t3 + row + 1] = b3;
  }

  if (row < rowEnd) {
    for (let q = 0; q < 4; q++) {
      dotRows(matrix, dim, queries, q0 + q * dim, row, rowEnd, tile, t0 + q * stride + row);
    }
  }
}
