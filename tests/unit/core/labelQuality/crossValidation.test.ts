/**
 * Cross-validated logistic regression finds planted label flips: four Gaussian clusters, separable
 * but noisy, with 8% of the labels moved to another class. Recall and precision are computed from the
 * planting, not from the code under test.
 */
import { seededRandom } from '../../../../src/lib/core/random';
import { describe, expect, it } from 'vitest';
import { findLabelIssues } from '../../../../src/lib/core/labelQuality/confidentLearning';
import {
  assignFolds,
  checkInSample,
  crossValidatedProbabilities,
} from '../../../../src/lib/core/labelQuality/crossValidation';
import { probabilitiesFromRows } from '../../../../src/lib/core/labelQuality/probabilities';

const CLASSES = 4;
const DIM = 8;
const PER_CLASS = 100;
const FLIPS = 32;

/** Cluster k is centred at 4 × e_k (unit noise): neighbouring centres are 5.7 standard deviations apart. */
function plantedDataset(seed: number) {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const n = CLASSES * PER_CLASS;
  const features = new Float32Array(n * DIM);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = i % CLASSES;
    for (let d = 0; d < DIM; d++) features[i * DIM + d] = (d === truth[i] ? 4 : 0) + gaussian();
  }

  // Flip FLIPS distinct samples to a different class, chosen uniformly.
  const labels = Int32Array.from(truth);
  const flipped = new Set<number>();
  while (flipped.size < FLIPS) flipped.add(Math.floor(random() * n));
  for (const i of flipped) labels[i] = (truth[i] + 1 + Math.floor(random() * (CLASSES - 1))) % CLASSES;
  return { features, labels, flipped };
}

describe('cross-validated probabilities on embeddings', () => {
  it('finds planted label flips (recall and precision from the planting, pooled over three draws)', async () => {
    let hits = 0;
    let flaggedCount = 0;
    let planted = 0;
    for (const seed of [1, 2, 3]) {
      const { features, labels, flipped } = plantedDataset(seed);
      const probabilities = await crossValidatedProbabilities(features, DIM, labels, CLASSES, { seed });
      const mask = findLabelIssues(labels, probabilities);
      const flagged = [...mask.keys()].filter((i) => mask[i]);
      hits += flagged.filter((i) => flipped.has(i)).length;
      flaggedCount += flagged.length;
      planted += flipped.size;

      // Out-of-sample: the planted flips are not learnt, so the check does not call this in-sample.
      expect(checkInSample(labels, probabilities).looksInSample).toBe(false);
    }
    // Measured: 88 of 96 flips found (recall 0.92) among 93 flagged (precision 0.95).
    expect(hits / planted).toBeGreaterThanOrEqual(0.85);
    expect(hits / flaggedCount).toBeGreaterThanOrEqual(0.85);
  });

  it('is deterministic for a seed and reports progress from 0 to 1', async () => {
    const { features, labels } = plantedDataset(3);
    const done: number[] = [];
    const options = { seed: 5, iterations: 50, onProgress: (p: { done: number }) => done.push(p.done) };
    const first = await crossValidatedProbabilities(features, DIM, labels, CLASSES, options);
    const second = await crossValidatedProbabilities(features, DIM, labels, CLASSES, {
      seed: 5,
      iterations: 50,
    });
    expect(second.values).toEqual(first.values);
    expect(done.at(-1)).toBe(1);
    expect(done.every((value, i) => i === 0 || value >= done[i - 1])).toBe(true);
    for (let i = 0; i < first.rows; i++) {
      const row = Array.from(first.values.subarray(i * CLASSES, (i + 1) * CLASSES));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('stratifies folds: every fold gets each class within one sample', () => {
    const labels = Int32Array.from({ length: 103 }, (_, i) => (i < 80 ? 0 : i < 97 ? 1 : 2));
    const fold = assignFolds(labels, 3, 5, 11);
    for (let f = 0; f < 5; f++) {
      const perClass = [0, 1, 2].map((k) => labels.filter((label, i) => label === k && fold[i] === f).length);
      expect(perClass[0]).toBe(16);
      expect(perClass[1]).toBeGreaterThanOrEqual(3);
      expect(perClass[1]).toBeLessThanOrEqual(4);
    }
    expect(assignFolds(labels, 3, 5, 12)).not.toEqual(fold);
  });

  it('stops with an AbortError when aborted', async () => {
    const { features, labels } = plantedDataset(3);
    const controller = new AbortController();
    const run = crossValidatedProbabilities(features, DIM, labels, CLASSES, {
      onProgress: () => controller.abort(),
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects features that do not fit the labels, naming the sizes', async () => {
    await expect(crossValidatedProbabilities(new Float32Array(10), 4, [0, 1, 0], 2)).rejects.toThrow(
      /invalid features.length: expected labels × dim = 12, got 10/,
    );
  });
});

describe('in-sample warning', () => {
  it('warns when predictions agree with ≥ 99% of labels at mean confidence ≥ 0.95', () => {
    const sure = probabilitiesFromRows(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? [0.02, 0.98] : [0.97, 0.03])),
    );
    const labels = Array.from({ length: 100 }, (_, i) => i % 2);
    const check = checkInSample(labels, sure);
    expect(check.accuracy).toBe(1);
    expect(check.meanSelfConfidence).toBeCloseTo(0.975, 12);
    expect(check.looksInSample).toBe(true);
    expect(check.message).toMatch(/out-of-sample/);

    // Two labels the model disagrees with: 98% accuracy, no warning.
    const noisy = [...labels];
    noisy[0] = 1;
    noisy[1] = 0;
    expect(checkInSample(noisy, sure).looksInSample).toBe(false);
  });
});
