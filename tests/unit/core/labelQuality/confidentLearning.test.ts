/**
 * Confident learning against cleanlab 2.9 on the shared tiny case (`cleanlab_classification_tiny`):
 * every `filter_by`, both rankings, the three quality scores, both confident joints, the thresholds,
 * the issue counts, the prior and the noise matrix, each as cleanlab computed them.
 */
import { describe, expect, it } from 'vitest';
import {
  FILTERS,
  findLabelIssues,
  findRankedLabelIssues,
  keepAtLeastPerClass,
} from '../../../../src/lib/core/labelQuality/confidentLearning';
import {
  computeConfidentJoint,
  confidentThresholds,
  numLabelIssues,
  roundPreservingSum,
} from '../../../../src/lib/core/labelQuality/confidentJoint';
import { estimateNoiseMatrices } from '../../../../src/lib/core/labelQuality/noiseMatrix';
import {
  LabelQualityInputError,
  probabilitiesFromRows,
  roundHalfEven,
  smallestKeys,
  stableArgsort,
} from '../../../../src/lib/core/labelQuality/probabilities';
import { labelQualityScores, RANKING_METHODS } from '../../../../src/lib/core/labelQuality/rank';
import { readCaseJson, referenceCase } from '../referenceCases';

const folder = referenceCase('cleanlab_classification_tiny');
const suite = folder ? describe : describe.skip;

interface Inputs {
  labels: number[];
  pred_probs: number[][];
}

function load() {
  const inputs = readCaseJson<Inputs>(folder!, 'inputs.json');
  const expected = readCaseJson<Record<string, unknown>>(folder!, 'expected.json');
  return { labels: inputs.labels, probabilities: probabilitiesFromRows(inputs.pred_probs), expected };
}

function indicesOf(mask: Uint8Array): number[] {
  return [...mask.keys()].filter((i) => mask[i]);
}

function rowsOf(values: Float64Array, size: number): number[][] {
  return Array.from({ length: size }, (_, i) => [...values.subarray(i * size, (i + 1) * size)]);
}

function expectClose(actual: ArrayLike<number>, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, 6));
}

suite('confident learning equals cleanlab 2.9 (cleanlab_classification_tiny)', () => {
  it.each(FILTERS)('find_label_issues, filter_by=%s', (filterBy) => {
    const { labels, probabilities, expected } = load();
    const mask = findLabelIssues(labels, probabilities, { filterBy });
    expect(indicesOf(mask)).toEqual(expected[`find_label_issues[filter_by=${filterBy}]`]);
  });

  it.each(['self_confidence', 'normalized_margin'] as const)('ranked by %s', (rankBy) => {
    const { labels, probabilities, expected } = load();
    const ranked = findRankedLabelIssues(labels, probabilities, rankBy);
    expect([...ranked]).toEqual(expected[`find_label_issues[default, return_indices_ranked_by=${rankBy}]`]);
  });

  it.each(RANKING_METHODS)('label quality scores, %s', (method) => {
    const { labels, probabilities, expected } = load();
    const scores = expected.label_quality_scores as Record<string, number[]>;
    expectClose(labelQualityScores(labels, probabilities, { method }), scores[method]);
  });

  it('confident joints, thresholds and issue counts', () => {
    const { labels, probabilities, expected } = load();
    const raw = computeConfidentJoint(labels, probabilities, { calibrate: false }).joint;
    const calibrated = computeConfidentJoint(labels, probabilities).joint;
    expect(rowsOf(raw.values, 3)).toEqual(expected.confident_joint_uncalibrated);
    expect(rowsOf(calibrated.values, 3)).toEqual(expected.confident_joint_calibrated);
    expectClose(
      confidentThresholds(labels, probabilities),
      expected.per_class_threshold_mean_self_confidence as number[],
    );
    expect(numLabelIssues(labels, probabilities)).toBe(expected['num_label_issues[off_diagonal]']);
    expect(numLabelIssues(labels, probabilities, 'off_diagonal_calibrated')).toBe(
      expected['num_label_issues[off_diagonal_calibrated]'],
    );
  });

  it('prior of the true labels and noise matrix P(given | true)', () => {
    const { labels, probabilities, expected } = load();
    const { priorTrue, noiseMatrix } = estimateNoiseMatrices(labels, probabilities);
    expectClose(priorTrue, expected.estimate_py as number[]);
    (expected['noise_matrix_P(given|true)'] as number[][]).forEach((row, i) =>
      expectClose(noiseMatrix.values.subarray(i * 3, i * 3 + 3), row),
    );
  });
});

describe('confident learning helpers', () => {
  it('rounds halves to even like NumPy', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2]);
  });

  it('rounds keeping the sum: the largest remainders go up', () => {
    // 0.6 + 0.6 + 0.6 + 0.2 = 2: each rounds to 1, 1, 1, 0 = 3, one too many; the smallest
    // remainder (−0.4, first on ties) goes down.
    expect([...roundPreservingSum([0.6, 0.6, 0.6, 0.2])]).toEqual([0, 1, 1, 0]);
    // 0.4 × 3 + 1.8 = 3: rounds to 0, 0, 0, 2 = 2; one must go up, the last on ties.
    expect([...roundPreservingSum([0.4, 0.4, 0.4, 1.8])]).toEqual([0, 0, 1, 2]);
  });

  it('selects the same smallest keys as a stable sort, ties to the lower position', () => {
    // Keys from a few values only, so ties are everywhere; a plain sort is the independent answer.
    let seed = 7;
    const keys = Array.from({ length: 500 }, () => ((seed = (seed * 48271) % 2147483647) % 9) / 8);
    const sorted = keys.map((key, i) => [key, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const count of [0, 1, 37, 250, 499, 500, 600]) {
      const expected = sorted.slice(0, count).map(([, i]) => i);
      expect([...smallestKeys(keys, count)].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    }
    expect([...stableArgsort([2, 1, 2, 1])]).toEqual([1, 3, 0, 2]);
  });

  it('keeps at least n per class by taking from the non-zero noise counts of the column', () => {
    // Transposed joint (rows true, columns given): column 0 has diagonal 1 and two noise counts 3, 2.
    // Raising the diagonal to 3 takes (3 − 1) / 2 = 1 from each: [3, 2, 1]; other columns untouched.
    const matrix = { size: 3, values: Float64Array.from([1, 0, 0, 3, 5, 0, 2, 0, 4]) };
    expect([...keepAtLeastPerClass(matrix, 3, 1).values]).toEqual([3, 0, 0, 2, 5, 0, 1, 0, 4]);
  });

  it('flags nothing where the model agrees with every label', () => {
    const probabilities = probabilitiesFromRows([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.2, 0.8],
      [0.1, 0.9],
    ]);
    for (const filterBy of FILTERS)
      expect(indicesOf(findLabelIssues([0, 0, 1, 1], probabilities, { filterBy }))).toEqual([]);
  });

  it('names the bad field, value and expectation', () => {
    const probabilities = probabilitiesFromRows([
      [0.9, 0.1],
      [0.8, 0.2],
    ]);
    expect(() => findLabelIssues([0, 2], probabilities)).toThrow(
      new LabelQualityInputError('labels[1]', 2, 'an integer class index in [0, 2)'),
    );
    expect(() =>
      findLabelIssues(
        [0, 1],
        probabilitiesFromRows([
          [0.5, 0.5],
          [Number.NaN, 1],
        ]),
      ),
    ).toThrow(/invalid pred_probs\[1\]\[0\]: expected a probability in \[0, 1\], got NaN/);
    expect(() => findLabelIssues([0], probabilities)).toThrow(/labels.length.*one label per row \(2\)/);
  });
});
