import { describe, expect, it } from 'vitest';
import { nearDuplicateGroups, uniqueness } from '../../../../src/lib/core/search/duplicates';
import { gaussian, plantedClusters, randomUnit, rowDot, seededRandom, unit } from './planted';

const dim = 48;

/** Random unit rows (pairwise cosines near 0 in 48 dimensions) with planted groups of copies. */
function plantedDuplicates() {
  const normal = gaussian(seededRandom(17));
  const count = 300;
  const matrix = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) matrix.set(randomUnit(dim, normal), row * dim);

  // Near copies: the source row plus noise of length 0.05 (cosine ≈ 0.9988).
  const copy = (source: number, target: number) => {
    const noise = randomUnit(dim, normal);
    const vector = Float64Array.from({ length: dim }, (_, i) => matrix[source * dim + i] + 0.05 * noise[i]);
    matrix.set(unit(vector), target * dim);
  };
  copy(10, 250);
  copy(10, 40);
  copy(77, 78);
  copy(299, 0);

  // A chain in one plane: cos(a, b) = cos(b, c) = 0.99 but cos(a, c) = 2·0.99² − 1 ≈ 0.960.
  const u = randomUnit(dim, normal);
  const w = randomUnit(dim, normal);
  let along = 0;
  for (let i = 0; i < dim; i++) along += u[i] * w[i];
  const v = unit(Float64Array.from(w, (value, i) => value - along * u[i]));
  const angle = Math.acos(0.99);
  [120, 121, 122].forEach((row, step) => {
    const vector = Float64Array.from(
      u,
      (value, i) => Math.cos(step * angle) * value + Math.sin(step * angle) * v[i],
    );
    matrix.set(vector, row * dim);
  });

  const groups = [
    [0, 299],
    [10, 40, 250],
    [77, 78],
    [120, 121, 122],
  ];
  return { matrix, count, groups };
}

describe('nearDuplicateGroups', () => {
  it('finds exactly the planted groups, chains joined transitively', () => {
    const { matrix, count, groups } = plantedDuplicates();
    expect(rowDot(matrix, dim, 120, 122)).toBeLessThan(0.98);

    const result = nearDuplicateGroups(matrix, dim, 0.98);
    expect(result.groups.map((group) => Array.from(group))).toEqual(groups);
    const expectedGroupOf = new Array<number>(count).fill(-1);
    groups.forEach((group, g) => group.forEach((row) => (expectedGroupOf[row] = g)));
    expect(Array.from(result.groupOf)).toEqual(expectedGroupOf);
  });

  it('a threshold above 0.99 splits the chain and keeps the tight copies', () => {
    const { matrix } = plantedDuplicates();
    const result = nearDuplicateGroups(matrix, dim, 0.995);
    expect(result.groups.map((group) => Array.from(group))).toEqual([
      [0, 299],
      [10, 40, 250],
      [77, 78],
    ]);
  });

  it('rejects a threshold outside [-1, 1] and honours an abort', () => {
    const { matrix } = plantedDuplicates();
    expect(() => nearDuplicateGroups(matrix, dim, 1.5)).toThrow(/invalid threshold: 1.5/);
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    expect(() => nearDuplicateGroups(matrix, dim, 0.9, { signal: controller.signal })).toThrow(/stopped/);
  });
});

describe('uniqueness', () => {
  it('is 1 − the mean cosine to the k nearest other rows, against a brute-force reference', () => {
    const { matrix } = plantedClusters(9, 15, dim, 0.6, 5);
    const count = 9 * 15;
    const k = 5;
    const result = uniqueness(matrix, dim, k);
    for (let row = 0; row < count; row++) {
      const others: number[] = [];
      for (let other = 0; other < count; other++)
        if (other !== row) others.push(rowDot(matrix, dim, row, other));
      others.sort((a, b) => b - a);
      const mean = others.slice(0, k).reduce((sum, score) => sum + score, 0) / k;
      expect(result[row]).toBeCloseTo(1 - mean, 6);
    }
  });

  it('scores planted copies 0, a planted outlier highest, and a lone row 1', () => {
    const { matrix } = plantedClusters(6, 10, dim, 0.5, 2);
    const normal = gaussian(seededRandom(44));
    const rows = 6 * 10 + 4;
    const withExtras = new Float32Array(rows * dim);
    withExtras.set(matrix);
    // Rows 60..62 are three exact copies of one vector; row 63 is a random direction far from all.
    const copy = randomUnit(dim, normal);
    for (const row of [60, 61, 62]) withExtras.set(copy, row * dim);
    withExtras.set(randomUnit(dim, normal), 63 * dim);

    const result = uniqueness(withExtras, dim, 2);
    for (const row of [60, 61, 62]) expect(result[row]).toBeCloseTo(0, 6);
    const highest = result.indexOf(Math.max(...result));
    expect(highest).toBe(63);
    expect(Array.from(uniqueness(new Float32Array([1, 0]), 2, 3))).toEqual([1]);
  });
});
