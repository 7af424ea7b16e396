import { describe, expect, it } from 'vitest';
import {
  NEGATIVE_WEIGHT,
  normalizeRows,
  queryFromExamples,
  scoreRows,
  topK,
  topKBatch,
} from '../../../../src/lib/core/search/knn';
import {
  bruteForceTopK as bruteForce,
  gaussian,
  plantedClusters,
  randomMatrix,
  rowDot,
  seededRandom,
} from './planted';

describe('scoreRows', () => {
  it('gives each row its dot product with the query', () => {
    const dim = 13;
    const matrix = randomMatrix(45, dim, 4);
    const query = randomMatrix(1, dim, 5);
    const scores = scoreRows(matrix, dim, query);
    expect(scores.length).toBe(45);
    for (let row = 0; row < 45; row++) {
      let expected = 0;
      for (let i = 0; i < dim; i++) expected += matrix[row * dim + i] * query[i];
      expect(scores[row]).toBe(Math.fround(expected));
    }
    expect(() => scoreRows(matrix, dim, new Float32Array(3))).toThrow(
      /invalid query length: 3 \(expected 13\)/,
    );
  });
});

describe('topKBatch', () => {
  // Sizes off the block sizes (32 rows, 4 and 64 queries) so every remainder path runs.
  const dim = 37;
  const rows = 1203;
  const matrix = normalizeRows(randomMatrix(rows, dim, 21), dim);

  it('equals topK per query and a brute-force ranking, for batches of 1, 7 and 70', () => {
    for (const queryCount of [1, 7, 70]) {
      const queries = normalizeRows(randomMatrix(queryCount, dim, 100 + queryCount), dim);
      const exclude = [0, 5, 600, 1202];
      const results = topKBatch(matrix, dim, queries, 25, { exclude });
      expect(results.length).toBe(queryCount);
      results.forEach((result, q) => {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        const single = topK(matrix, dim, query, 25, { exclude });
        expect(Array.from(result.indices)).toEqual(Array.from(single.indices));
        expect(Array.from(result.scores)).toEqual(Array.from(single.scores));
        const expected = bruteForce(matrix, dim, query, 25, exclude);
        expect(Array.from(result.indices)).toEqual(expected.map((entry) => entry.index));
        expect(Array.from(result.scores)).toEqual(expected.map((entry) => Math.fround(entry.score)));
      });
    }
  });

  it('returns empty results for k = 0 and rejects a ragged batch', () => {
    const queries = randomMatrix(3, dim, 9);
    expect(topKBatch(matrix, dim, queries, 0).map((result) => result.indices.length)).toEqual([0, 0, 0]);
    expect(() => topKBatch(matrix, dim, new Float32Array(dim + 1), 3)).toThrow(/multiple of 37/);
  });

  it('finds the planted cluster mates of every row of a batch', () => {
    const clusters = 40;
    const size = 12;
    const planted = plantedClusters(clusters, size, 64, 0.35, 8);
    const count = clusters * size;

    // The planting must leave a margin: every same-cluster pair above every cross-cluster pair.
    let worstInside = Infinity;
    let bestAcross = -Infinity;
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const score = rowDot(planted.matrix, 64, a, b);
        if (planted.clusterOf[a] === planted.clusterOf[b]) worstInside = Math.min(worstInside, score);
        else bestAcross = Math.max(bestAcross, score);
      }
    }
    expect(worstInside).toBeGreaterThan(bestAcross);

    const queryRows = Array.from({ length: 64 }, (_, i) => (i * 7) % count);
    const queries = new Float32Array(queryRows.length * 64);
    queryRows.forEach((row, i) => queries.set(planted.matrix.subarray(row * 64, (row + 1) * 64), i * 64));
    const results = topKBatch(planted.matrix, 64, queries, size);
    results.forEach((result, i) => {
      const mates = Array.from({ length: count }, (_, row) => row).filter(
        (row) => planted.clusterOf[row] === planted.clusterOf[queryRows[i]],
      );
      expect(Array.from(result.indices).sort((a, b) => a - b)).toEqual(mates);
      expect(result.indices[0]).toBe(queryRows[i]);
    });
  });
});

describe('queryFromExamples', () => {
  it('is the unit mean of positives minus half the mean of negatives', () => {
    const dim = 16;
    const normal = gaussian(seededRandom(3));
    const matrix = normalizeRows(Float32Array.from({ length: 20 * dim }, normal), dim);
    const positives = [1, 4, 9];
    const negatives = [2, 17];
    expect(NEGATIVE_WEIGHT).toBe(0.5);

    const expected = new Array<number>(dim).fill(0);
    for (let i = 0; i < dim; i++) {
      for (const row of positives) expected[i] += matrix[row * dim + i] / positives.length;
      for (const row of negatives) expected[i] -= (0.5 * matrix[row * dim + i]) / negatives.length;
    }
    const norm = Math.hypot(...expected);
    const query = queryFromExamples(matrix, dim, positives, negatives);
    query.forEach((value, i) => expect(value).toBeCloseTo(expected[i] / norm, 6));

    const onlyPositive = queryFromExamples(matrix, dim, [7]);
    onlyPositive.forEach((value, i) => expect(value).toBeCloseTo(matrix[7 * dim + i], 6));
    expect(() => queryFromExamples(matrix, dim, [])).toThrow(/no positives/);
    expect(() => queryFromExamples(matrix, dim, [20])).toThrow(/invalid row: 20/);
  });
});
