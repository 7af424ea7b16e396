import { describe, expect, it } from 'vitest';
import {
  compressRows,
  compressedBytes,
  compressedTopK,
  compressedTopKBatch,
  decodeRow,
} from '../../../../src/lib/core/search/compressed';
import { gaussian, seededRandom, unit } from './planted';

const dim = 128;

/**
 * A structured, CLIP-like set: a component common to all rows (mean pairwise cosine about 0.4, as
 * for CLIP image embeddings), 20 cluster centres with rows spread widely around them, and unequal
 * dimension variances (every 12th dimension four times wider). Top-100 lists fall inside one cluster,
 * where neighbouring scores are close: a hard case for quantisation.
 */
function structuredSet(rows: number, queries: number) {
  const normal = gaussian(seededRandom(7));
  const width = Float64Array.from({ length: dim }, (_, d) => (d % 12 === 0 ? 4 : 0.6 + (d % 5) / 5));
  const common = Float64Array.from(width, (w) => 1.5 * normal() * w);
  const centres = Array.from({ length: 20 }, () =>
    Float64Array.from(width, (w, d) => common[d] + normal() * w),
  );
  const draw = (cluster: number) =>
    unit(Float64Array.from(centres[cluster], (value, d) => value + 1.2 * normal() * width[d]));
  const matrix = new Float32Array(rows * dim);
  for (let row = 0; row < rows; row++) matrix.set(draw(row % 20), row * dim);
  const probe = new Float32Array(queries * dim);
  for (let q = 0; q < queries; q++) probe.set(draw((q * 7) % 20), q * dim);
  return { matrix, probe };
}

/** Exact top-k by a plain double loop over float32 rows and a full sort. */
function exactTopK(matrix: Float32Array, query: Float32Array, k: number) {
  const scored: { row: number; score: number }[] = [];
  for (let row = 0; row < matrix.length / dim; row++) {
    let score = 0;
    for (let d = 0; d < dim; d++) score += matrix[row * dim + d] * query[d];
    scored.push({ row, score });
  }
  scored.sort((a, b) => b.score - a.score || a.row - b.row);
  return scored.slice(0, k);
}

describe('compressed index', () => {
  const rows = 20_000;
  const queryCount = 24;
  const { matrix, probe } = structuredSet(rows, queryCount);
  const index = compressRows(matrix, dim);
  const expected = Array.from({ length: queryCount }, (_, q) =>
    exactTopK(matrix, probe.subarray(q * dim, (q + 1) * dim), 100),
  );

  it('holds 9 bits per value, two numbers per row and a centre', () => {
    expect(compressedBytes(index)).toBe(rows * dim + (rows * dim) / 8 + 4 * rows + 4 * dim + 4 * rows);
  });

  it('decodes rows about twice as precisely as plain int8 rounding', () => {
    // Plain int8 with the row's max-abs offset from the mean as 127 errs up to half a step, with a root
    // mean square of step/√12 ≈ 0.29 step; the residual bit should halve that.
    const mean = new Float64Array(dim);
    for (let row = 0; row < rows; row++)
      for (let d = 0; d < dim; d++) mean[d] += matrix[row * dim + d] / rows;
    let squares = 0;
    let values = 0;
    for (const row of [0, 1, 777, 5000, rows - 1]) {
      let largest = 0;
      for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(matrix[row * dim + d] - mean[d]));
      const step = largest / 127;
      const decoded = decodeRow(index, row);
      for (let d = 0; d < dim; d++) {
        const error = (decoded[d] - matrix[row * dim + d]) / step;
        expect(Math.abs(error)).toBeLessThan(0.5);
        squares += error * error;
        values++;
      }
    }
    expect(Math.sqrt(squares / values)).toBeLessThan(0.17);
  });

  it('reaches recall@100 ≥ 0.99 against exact float32 from the compressed rows alone', () => {
    const results = compressedTopKBatch(index, probe, 100);
    let found = 0;
    results.forEach((result, q) => {
      const truth = new Set(expected[q].map((entry) => entry.row));
      for (const row of result.indices) if (truth.has(row)) found++;
      expect(new Set(result.indices).size).toBe(100);
    });
    expect(found / (100 * queryCount)).toBeGreaterThanOrEqual(0.99);
  });

  it('with the float32 rows, re-scores the shortlist to the exact ranking', () => {
    const results = compressedTopKBatch(index, probe, 100, { exact: matrix });
    results.forEach((result, q) => {
      expect(Array.from(result.indices)).toEqual(expected[q].map((entry) => entry.row));
      expect(Array.from(result.scores)).toEqual(expected[q].map((entry) => Math.fround(entry.score)));
    });
  });

  it('answers one query like the batch, leaves out excluded rows, and rejects bad queries', () => {
    const query = probe.subarray(0, dim);
    const single = compressedTopK(index, query, 10, { exact: matrix, exclude: [expected[0][0].row] });
    expect(Array.from(single.indices)).toEqual(expected[0].slice(1, 11).map((entry) => entry.row));
    expect(() => compressedTopK(index, new Float32Array(3), 5)).toThrow(
      /invalid query length: 3 \(expected 128\)/,
    );
    expect(() => compressedTopKBatch(index, probe, 5, { exact: new Float32Array(4) })).toThrow(
      /invalid exact rows/,
    );
  });
});
