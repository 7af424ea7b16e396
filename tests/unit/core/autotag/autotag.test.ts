import { describe, expect, it } from 'vitest';
import {
  nextJudgementBatch,
  roundSummary,
  scoreWithModel,
  seedAutotagFromQuery,
  trainLinearClassifier,
} from '../../../../src/lib/core/autotag';
import { gaussian, randomUnit, seededRandom, unit } from '../search/planted';

const dim = 128;

/**
 * 3000 rows around 12 cluster centres (what the images look like), 10% of them also pushed along a
 * concept direction (what the tag is about) by 0.45: the concept cuts across the clusters, so
 * similarity to one example alone cannot find it, but a linear classifier can.
 */
function plantedConcept(seed: number) {
  const normal = gaussian(seededRandom(seed));
  const random = seededRandom(seed + 1);
  const count = 3000;
  const concept = randomUnit(dim, normal);
  const centres = Array.from({ length: 12 }, () => randomUnit(dim, normal));
  const matrix = new Float32Array(count * dim);
  const truth = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    truth[row] = random() < 0.1 ? 1 : 0;
    const centre = centres[row % centres.length];
    const noise = randomUnit(dim, normal);
    const vector = Float64Array.from(
      { length: dim },
      (_, i) => 0.7 * centre[i] + 0.7 * noise[i] + (truth[row] ? 0.45 * concept[i] : 0),
    );
    matrix.set(unit(vector), row * dim);
  }
  return { matrix, truth, count, concept };
}

function precisionRecall(scores: Float32Array, truth: Uint8Array, threshold: number) {
  let truePositives = 0;
  let predicted = 0;
  let actual = 0;
  for (let i = 0; i < scores.length; i++) {
    const yes = scores[i] >= threshold;
    predicted += yes ? 1 : 0;
    actual += truth[i];
    truePositives += yes && truth[i] ? 1 : 0;
  }
  return { precision: truePositives / Math.max(1, predicted), recall: truePositives / actual };
}

describe('Autotag on a planted concept', () => {
  for (const seed of [1, 2, 3]) {
    it(`recovers it to precision and recall ≥ 0.95 within 5 rounds of 20 judgements (seed ${seed})`, () => {
      const { matrix, truth, count } = plantedConcept(seed * 10);
      const start = truth.indexOf(1);

      // Round 0 starts from one positive example, as a user starting from one hard case would.
      let scores = seedAutotagFromQuery(matrix, dim, matrix.subarray(start * dim, (start + 1) * dim));
      const judged = new Uint8Array(count);
      judged[start] = 1;
      const rows = [start];
      let previous: Float32Array | null = null;
      let result = { precision: 0, recall: 0 };

      for (let round = 1; round <= 5; round++) {
        const batch = nextJudgementBatch(scores, judged, 20, 0.5);
        expect(batch.length).toBe(20);
        for (const row of batch) {
          expect(judged[row]).toBe(0);
          judged[row] = 1;
          rows.push(row);
        }
        // The simulated user answers from the planted truth.
        const labels = Uint8Array.from(rows, (row) => truth[row]);
        const model = trainLinearClassifier(matrix, dim, Int32Array.from(rows), labels, { seed: round });
        previous = scores;
        scores = scoreWithModel(model, matrix, dim);
        const summary = roundSummary(previous, scores, 0.5);
        expect(summary.histogram.reduce((sum, value) => sum + value, 0)).toBe(count);
        result = precisionRecall(scores, truth, 0.5);
        if (result.precision >= 0.95 && result.recall >= 0.95) break;
      }
      expect(result.precision).toBeGreaterThanOrEqual(0.95);
      expect(result.recall).toBeGreaterThanOrEqual(0.95);
    });
  }
});

describe('trainLinearClassifier', () => {
  it('learns a direction close to the planted one and is deterministic by seed', () => {
    const { matrix, truth, concept } = plantedConcept(99);
    const rows = Int32Array.from({ length: 400 }, (_, i) => i * 7);
    const labels = Uint8Array.from(rows, (row) => truth[row]);
    const model = trainLinearClassifier(matrix, dim, rows, labels, { seed: 4 });
    let cosine = 0;
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      cosine += model.weights[i] * concept[i];
      norm += model.weights[i] * model.weights[i];
    }
    expect(cosine / Math.sqrt(norm)).toBeGreaterThan(0.7);
    const again = trainLinearClassifier(matrix, dim, rows, labels, { seed: 4 });
    expect(Array.from(again.weights)).toEqual(Array.from(model.weights));
    expect(again.bias).toBe(model.bias);
  });

  it('rejects judgements it cannot learn from', () => {
    const matrix = new Float32Array(4 * 2).fill(Math.SQRT1_2);
    expect(() => trainLinearClassifier(matrix, 2, Int32Array.of(0, 1), Uint8Array.of(1))).toThrow(
      /2 rows but 1 labels/,
    );
    expect(() => trainLinearClassifier(matrix, 2, Int32Array.of(0), Uint8Array.of(0))).toThrow(/no positive/);
    expect(() => trainLinearClassifier(matrix, 2, Int32Array.of(0), Uint8Array.of(2))).toThrow(
      /invalid label at 0: 2/,
    );
    expect(() =>
      trainLinearClassifier(matrix, 2, Int32Array.of(0), Uint8Array.of(1), { weakNegatives: 0 }),
    ).toThrow(/no negative/);
    expect(() => trainLinearClassifier(matrix, 2, Int32Array.of(9), Uint8Array.of(1))).toThrow(
      /invalid row: 9/,
    );
  });
});

describe('scoreWithModel', () => {
  it('is σ(w·x + b) per row', () => {
    const model = { weights: Float32Array.of(2, -1), bias: 0.5, dim: 2 };
    const matrix = Float32Array.of(1, 0, 0, 1, 0.6, 0.8);
    const expected = [2.5, -0.5, 1.2 - 0.8 + 0.5].map((z) => 1 / (1 + Math.exp(-z)));
    scoreWithModel(model, matrix, 2).forEach((score, i) => expect(score).toBeCloseTo(expected[i], 6));
    expect(() => scoreWithModel(model, new Float32Array(6), 3)).toThrow(/invalid model: dim 2/);
  });
});

describe('nextJudgementBatch', () => {
  it('takes half from the top and half nearest the threshold, skipping judged items and repeats', () => {
    const scores = Float32Array.of(0.99, 0.1, 0.52, 0.95, 0.49, 0.3, 0.97, 0.6, Number.NaN, 0.45);
    const judged = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
    // Top unjudged: 0 (0.99), 6 (0.97), 7 (0.6); nearest 0.5 among the rest: 4 (0.01), 2 (0.02), 9 (0.05).
    expect(Array.from(nextJudgementBatch(scores, judged, 6, 0.5))).toEqual([0, 6, 7, 4, 2, 9]);
    expect(Array.from(nextJudgementBatch(scores, judged, 5, 0.5))).toEqual([0, 6, 7, 4, 2]);
    // More than there is: every unjudged non-NaN item once.
    expect(nextJudgementBatch(scores, judged, 50, 0.5).length).toBe(8);
    expect(() => nextJudgementBatch(scores, new Uint8Array(3), 4, 0.5)).toThrow(/invalid judged mask/);
  });
});

describe('roundSummary', () => {
  it('counts positives, side changes and a histogram over [0, 1]', () => {
    const previous = Float32Array.of(0.1, 0.7, 0.5, 0.2, 0.9);
    const scores = Float32Array.of(0.6, 0.7, 0.4, 0.2, 1);
    const summary = roundSummary(previous, scores, 0.5, 5);
    expect(summary.positives).toBe(3);
    expect(summary.flips).toBe(2);
    expect(Array.from(summary.histogram)).toEqual([0, 1, 1, 2, 1]);
    expect(roundSummary(null, scores, 0.5, 5).flips).toBe(0);
    expect(() => roundSummary(Float32Array.of(1), scores, 0.5)).toThrow(/invalid previous scores/);
  });
});
