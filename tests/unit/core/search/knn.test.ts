import { describe, expect, it } from 'vitest';
import { meanDirection, normalizeRows, selectRows, topK } from '../../../../src/lib/core/search/knn';
import { bruteForceTopK, randomMatrix } from './planted';

/** The brute-force top k as index and float32-rounded score lists. */
function bruteForce(
  matrix: Float32Array,
  dim: number,
  query: ArrayLike<number>,
  k: number,
  exclude: number[] = [],
) {
  const best = bruteForceTopK(matrix, dim, query, k, exclude);
  return { indices: best.map((entry) => entry.index), scores: best.map((entry) => Math.fround(entry.score)) };
}

describe('normalizeRows', () => {
  it('scales rows to unit length in place and leaves zero rows alone', () => {
    const matrix = new Float32Array([3, 4, 0, 0, -2, 0]);
    expect(normalizeRows(matrix, 2)).toBe(matrix);
    expect(Array.from(matrix)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0, -1, 0]);
  });

  it('rejects a length that is not a multiple of dim', () => {
    expect(() => normalizeRows(new Float32Array(5), 2)).toThrow(/multiple of dim 2/);
    expect(() => normalizeRows(new Float32Array(4), 0)).toThrow(/invalid dim: 0/);
  });
});

describe('meanDirection', () => {
  it('averages and normalises', () => {
    const mean = meanDirection([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const half = Math.fround(Math.SQRT1_2);
    expect(Array.from(mean)).toEqual([half, half, 0]);
  });

  it('returns zeros for vectors that cancel and rejects bad input', () => {
    expect(Array.from(meanDirection([new Float32Array([1, -2]), new Float32Array([-1, 2])]))).toEqual([0, 0]);
    expect(() => meanDirection([])).toThrow(/no vectors/);
    expect(() => meanDirection([[1, 2], [1]])).toThrow(/length: 1 \(expected 2/);
  });
});

describe('topK', () => {
  const dim = 24;
  const rows = 1000;
  const matrix = normalizeRows(randomMatrix(rows, dim, 11), dim);

  it('equals a brute-force ranking for random queries and several k', () => {
    for (const seed of [1, 2, 3]) {
      const query = normalizeRows(randomMatrix(1, dim, seed), dim);
      for (const k of [1, 5, 37, 200]) {
        const result = topK(matrix, dim, query, k);
        const expected = bruteForce(matrix, dim, query, k);
        expect(Array.from(result.indices)).toEqual(expected.indices);
        expect(Array.from(result.scores)).toEqual(expected.scores);
      }
    }
  });

  it('searches by the normalised mean of several positives, leaving them out on request', () => {
    const positives = [3, 70, 512];
    const result = topK(matrix, dim, selectRows(matrix, dim, positives), 10, { exclude: positives });

    // The test's own mean: summed in a plain loop, then divided by its length.
    const sum = new Array<number>(dim).fill(0);
    for (const row of positives) for (let i = 0; i < dim; i++) sum[i] += matrix[row * dim + i];
    const norm = Math.hypot(...sum);
    const query = sum.map((value) => Math.fround(value / norm));

    const expected = bruteForce(matrix, dim, query, 10, positives);
    expect(Array.from(result.indices)).toEqual(expected.indices);
    expected.scores.forEach((score, i) => expect(result.scores[i]).toBeCloseTo(score, 6));
  });

  it('finds planted neighbours in order, ties by lower index', () => {
    const planted = Float32Array.from(matrix);
    const query = normalizeRows(randomMatrix(1, dim, 99), dim);
    // Exact copies score 1 and tie; a slightly bent copy scores a little less.
    planted.set(query, 640 * dim);
    planted.set(query, 15 * dim);
    const bent = Float32Array.from(query, (value, i) => (i === 0 ? value + 0.05 : value));
    planted.set(normalizeRows(bent, dim), 300 * dim);

    const result = topK(planted, dim, query, 3);
    expect(Array.from(result.indices)).toEqual([15, 640, 300]);
    expect(result.scores[0]).toBeCloseTo(1, 6);
    expect(result.scores[2]).toBeLessThan(result.scores[1]);
  });

  it('keeps the lowest indices when every row ties', () => {
    const same = new Float32Array(50 * 2).fill(Math.SQRT1_2);
    expect(Array.from(topK(same, 2, [1, 0], 4).indices)).toEqual([0, 1, 2, 3]);
  });

  it('handles k beyond n, k of 0, exclusions and NaN rows', () => {
    const small = new Float32Array([1, 0, Number.NaN, 0, 0, 1, -1, 0]);
    expect(Array.from(topK(small, 2, [1, 0], 10).indices)).toEqual([0, 2, 3, 1]);
    expect(topK(small, 2, [1, 0], 0).indices.length).toBe(0);
    expect(Array.from(topK(small, 2, [1, 0], 10, { exclude: [0, 3] }).indices)).toEqual([2, 1]);
  });

  it('rejects mismatched queries, bad k and bad exclusions', () => {
    expect(() => topK(matrix, dim, [1, 2, 3], 1)).toThrow(/invalid query length: 3 \(expected 24\)/);
    expect(() => topK(matrix, dim, new Float32Array(dim), -1)).toThrow(/invalid k: -1/);
    expect(() => topK(matrix, dim, new Float32Array(dim), 1, { exclude: [rows] })).toThrow(
      /invalid row: 1000/,
    );
  });
});
