/**
 * Embeddings with known structure for the search and Autotag tests: every expectation is read from
 * how the data was planted, never from the code under test.
 */

import { seededRandom } from '../../../../src/lib/core/random';

export { seededRandom };

/** Uniform values in [-1, 1): a matrix without structure, `rows` × `dim`. */
export function randomMatrix(rows: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * dim }, () => random() * 2 - 1);
}

/**
 * The top-k reference: every dot product by a plain double loop, all rows sorted (score descending,
 * index ascending), the first k kept; rows in `exclude` are skipped.
 */
export function bruteForceTopK(
  matrix: Float32Array,
  dim: number,
  query: ArrayLike<number>,
  k: number,
  exclude: number[] = [],
): { index: number; score: number }[] {
  const all: { index: number; score: number }[] = [];
  for (let row = 0; row < matrix.length / dim; row++) {
    if (exclude.includes(row)) continue;
    let score = 0;
    for (let i = 0; i < dim; i++) score += matrix[row * dim + i] * query[i];
    all.push({ index: row, score });
  }
  all.sort((a, b) => b.score - a.score || a.index - b.index);
  return all.slice(0, k);
}

/** Standard normal draws by Box–Muller. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Scales `vector` to unit length in place (plain double arithmetic, independent of the code under test). */
export function unit(vector: Float32Array | Float64Array): typeof vector {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

/** A random unit vector. */
export function randomUnit(dim: number, normal: () => number): Float64Array {
  return unit(Float64Array.from({ length: dim }, normal)) as Float64Array;
}

/**
 * `clusters` groups of `size` rows, each row its cluster's random centre plus noise of total length
 * `spread`, normalised. With spread ≪ 1 in high dimension, a row's nearest rows are exactly its own
 * cluster (the test checks that margin from the planted vectors before relying on it).
 */
export function plantedClusters(
  clusters: number,
  size: number,
  dim: number,
  spread: number,
  seed: number,
): { matrix: Float32Array; clusterOf: Int32Array; centres: Float64Array[] } {
  const normal = gaussian(seededRandom(seed));
  const centres = Array.from({ length: clusters }, () => randomUnit(dim, normal));
  const matrix = new Float32Array(clusters * size * dim);
  const clusterOf = new Int32Array(clusters * size);
  for (let row = 0; row < clusters * size; row++) {
    const cluster = row % clusters;
    clusterOf[row] = cluster;
    const noise = randomUnit(dim, normal);
    const vector = Float64Array.from(centres[cluster], (value, i) => value + spread * noise[i]);
    matrix.set(unit(vector), row * dim);
  }
  return { matrix, clusterOf, centres };
}

/** Plain double-precision dot product of rows a and b. */
export function rowDot(matrix: Float32Array, dim: number, a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += matrix[a * dim + i] * matrix[b * dim + i];
  return sum;
}
