/** Samples and probability rows of a classification dataset, values worked out by hand. */
import { describe, expect, it } from 'vitest';
import type { Dataset, Prediction } from '../../../../src/lib/core/dataset';
import {
  classificationSamples,
  isClassificationDataset,
  runProbabilities,
} from '../../../../src/lib/core/labelQuality/classificationInput';

// Categories out of id order: columns follow the categories array, not the ids.
const CAT = 7;
const DOG = 3;
const BIRD = 5;

function dataset(
  labels: [image: number, category: number][],
  predictions: Omit<Prediction, 'index'>[],
): Dataset {
  return {
    images: Array.from({ length: 5 }, (_, index) => ({
      index,
      path: `${index}.jpg`,
      width: 10,
      height: 10,
      meta: {},
    })),
    categories: [
      { id: CAT, name: 'cat' },
      { id: DOG, name: 'dog' },
      { id: BIRD, name: 'bird' },
    ],
    groundTruth: labels.map(([imageIndex, categoryId], index) => ({ index, imageIndex, categoryId })),
    runs: [{ name: 'model', file: 'p.json', predictions: predictions.map((p, index) => ({ ...p, index })) }],
  };
}

describe('classificationSamples', () => {
  it('keeps images with exactly one label, as category positions, and counts the rest', () => {
    const d = dataset(
      [
        [0, DOG],
        [1, CAT],
        [2, BIRD],
        [2, DOG],
        [4, BIRD],
      ],
      [],
    );
    const samples = classificationSamples(d);
    expect([...samples.images]).toEqual([0, 1, 4]);
    expect([...samples.labels]).toEqual([1, 0, 2]);
    expect(samples).toMatchObject({ classes: 3, multiLabel: 1, unlabelled: 1 });
    expect(isClassificationDataset(d)).toBe(true);
    expect(isClassificationDataset({ ...d, groundTruth: [{ ...d.groundTruth[0], box: [0, 0, 1, 1] }] })).toBe(
      false,
    );
  });
});

describe('runProbabilities', () => {
  it('takes full rows as given, spreads top-k leftovers evenly, and gives unpredicted samples a uniform row', () => {
    const d = dataset(
      [
        [0, DOG],
        [1, CAT],
        [3, BIRD],
        [4, CAT],
      ],
      [
        { imageIndex: 0, categoryId: DOG, score: 0.7, probabilities: [0.2, 0.7, 0.1] },
        // top-1: 0.6 for bird, 0.4 left for cat and dog → 0.2 each.
        { imageIndex: 1, categoryId: BIRD, score: 0.6 },
        // top-2: cat 0.5, dog 0.3 → bird gets the 0.2 left.
        { imageIndex: 3, categoryId: CAT, score: 0.5 },
        { imageIndex: 3, categoryId: DOG, score: 0.3 },
      ],
    );
    const samples = classificationSamples(d);
    const { probabilities, full } = runProbabilities(d, d.runs[0], samples);
    expect(full).toBe(false);
    expect(probabilities.rows).toBe(4);
    const rows = Array.from({ length: 4 }, (_, r) => [...probabilities.values.slice(r * 3, r * 3 + 3)]);
    const close = (row: number[], expected: number[]) =>
      row.forEach((value, k) => expect(value).toBeCloseTo(expected[k], 12));
    close(rows[0], [0.2, 0.7, 0.1]);
    close(rows[1], [0.2, 0.2, 0.6]);
    close(rows[2], [0.5, 0.3, 0.2]);
    close(rows[3], [1 / 3, 1 / 3, 1 / 3]);
  });

  it('normalises top-k scores that sum past 1 and says full when every sample had full rows', () => {
    const d = dataset(
      [[0, DOG]],
      [
        { imageIndex: 0, categoryId: DOG, score: 0.9 },
        { imageIndex: 0, categoryId: CAT, score: 0.6 },
      ],
    );
    const { probabilities, full } = runProbabilities(d, d.runs[0], classificationSamples(d));
    expect(full).toBe(false);
    // 0.9 + 0.6 = 1.5: nothing left for bird; normalised to 0.4 / 0.6 / 0.
    [0.4, 0.6, 0].forEach((value, k) => expect(probabilities.values[k]).toBeCloseTo(value, 12));

    const e = dataset(
      [[0, DOG]],
      [{ imageIndex: 0, categoryId: DOG, score: 0.5, probabilities: [0.25, 0.5, 0.25] }],
    );
    expect(runProbabilities(e, e.runs[0], classificationSamples(e)).full).toBe(true);
  });
});
