/**
 * Detection label-issue scores on hand-built images whose scores are worked out by hand from the
 * formulas in detection.ts's module comment (IoUs of axis-aligned 10 × 10 boxes are exact fractions).
 */
import { describe, expect, it } from 'vitest';
import type { BoxXYWH, Dataset, Prediction } from '../../../../src/lib/core/dataset';
import { findDetectionIssues, softmin } from '../../../../src/lib/core/labelQuality/detection';
import { CAR, CAT, DOG, handDataset, PERSON } from './handBuilt';

const SQUARE: BoxXYWH = [0, 0, 10, 10];

const dataset = (
  gts: { image: number; category: number; box: BoxXYWH }[],
  predictions: Omit<Prediction, 'index'>[],
  images = 6,
): Dataset => handDataset(gts, predictions, images);

describe('detection label issues', () => {
  const data = dataset(
    [
      { image: 0, category: PERSON, box: SQUARE },
      { image: 1, category: DOG, box: SQUARE },
      { image: 2, category: CAR, box: SQUARE },
      { image: 4, category: DOG, box: SQUARE },
    ],
    [
      // 0: a correct detection. 1: a confident cat on the dog box. 2: a car shifted by half a box.
      { imageIndex: 0, categoryId: PERSON, score: 0.9, box: SQUARE },
      { imageIndex: 1, categoryId: CAT, score: 0.8, box: SQUARE },
      { imageIndex: 2, categoryId: CAR, score: 0.64, box: [5, 0, 10, 10] },
      // 3: a confident person where nothing is labelled. 4: full probabilities, cat 0.6 vs dog 0.3.
      { imageIndex: 3, categoryId: PERSON, score: 0.9, box: SQUARE },
      { imageIndex: 4, categoryId: CAT, score: 0.6, box: SQUARE, probabilities: [0, 0.3, 0.6, 0.1] },
      // 5: an unconfident detection where nothing is labelled: below 0.5, not overlooked.
      { imageIndex: 5, categoryId: PERSON, score: 0.4, box: SQUARE },
    ],
  );
  const issues = findDetectionIssues(data, data.runs[0]);

  it('finds nothing on a correct box', () => {
    expect(issues.swapped[0]).toBe(0);
    expect(issues.badlyLocated[0]).toBeCloseTo(0, 12); // √0.9 × (1 − IoU 1)
    expect(issues.overlooked[0]).toBe(0);
    expect(issues.imageQuality[0]).toBeCloseTo(1, 12);
  });

  it('scores a confident other-class detection on a box as swapped: 0.8 × (1 − 0)', () => {
    expect(issues.swapped[1]).toBeCloseTo(0.8, 12);
    expect(issues.swappedBy[1]).toBe(1);
    // The cat covers the dog box fully, so it is not an overlooked object: 0.8 × (1 − 1).
    expect(issues.overlooked[1]).toBe(0);
    // Box qualities 0.2 (the dog box) and 1 (the cat): softmin with T = 0.1.
    expect(issues.imageQuality[1]).toBeCloseTo((0.2 + Math.exp(-8)) / (1 + Math.exp(-8)), 12);
  });

  it('scores a half-shifted box as badly located: √0.64 × (1 − 1/3)', () => {
    expect(issues.badlyLocated[2]).toBeCloseTo(0.8 * (2 / 3), 12);
    expect(issues.badlyLocatedBy[2]).toBe(2);
    // The shifted detection matches no car (IoU 1/3 < 0.5): also a weak overlooked, 0.64 × (1 − 1/3).
    expect(issues.overlooked[2]).toBeCloseTo(0.64 * (2 / 3), 12);
  });

  it('scores a confident detection on an unlabelled spot as overlooked, and its image low', () => {
    expect(issues.overlooked[3]).toBeCloseTo(0.9, 12);
    expect(issues.imageQuality[3]).toBeCloseTo(0.1, 12);
    expect(issues.overlooked[5]).toBe(0);
    expect(issues.imageQuality[5]).toBe(1);
  });

  it('leaves detections smaller than minOverlookedSide out of overlooked', () => {
    // The 10 × 10 person on image 3 is overlooked at 0.9; with a 12-pixel minimum it is too small.
    expect(findDetectionIssues(data, data.runs[0], { minOverlookedSide: 10 }).overlooked[3]).toBeCloseTo(
      0.9,
      12,
    );
    expect(findDetectionIssues(data, data.runs[0], { minOverlookedSide: 12 }).overlooked[3]).toBe(0);
    expect(() => findDetectionIssues(data, data.runs[0], { minOverlookedSide: -1 })).toThrow(RangeError);
  });

  it('uses full probabilities when the run has them: 0.6 × (1 − 0.3)', () => {
    expect(issues.swapped[3]).toBeCloseTo(0.42, 12);
  });

  it('ranks images by their worst box', () => {
    const order = Array.from(issues.imageQuality.keys()).sort(
      (a, b) => issues.imageQuality[a] - issues.imageQuality[b],
    );
    expect(order.slice(0, 3)).toEqual([3, 1, 2]);
  });

  it('rejects options out of range, naming them', () => {
    expect(() => findDetectionIssues(data, data.runs[0], { iouThreshold: 1.5 })).toThrow(
      /invalid iouThreshold: 1.5 \(expected a number in \[0, 1\]\)/,
    );
    expect(() => findDetectionIssues(data, data.runs[0], { temperature: 0 })).toThrow(/invalid temperature/);
  });
});

describe('softmin', () => {
  it('is near the minimum at a low temperature and the mean at a high one', () => {
    expect(softmin([0.2, 0.9, 1], 0.01)).toBeCloseTo(0.2, 6);
    expect(softmin([0.2, 0.9, 1], 1e6)).toBeCloseTo(0.7, 5);
    expect(softmin([], 0.1)).toBe(1);
  });
});

describe('detection label issues with crop evidence', () => {
  // Image 0: g0 dog with a dog detection (its crop says cat: ignored), g1 person under a confident
  // cat, g2 car and g3 person that nothing detects (g3 has no crop). Image 1: g4, a lone dog.
  const data = dataset(
    [
      { image: 0, category: DOG, box: SQUARE },
      { image: 0, category: PERSON, box: [30, 0, 10, 10] },
      { image: 0, category: CAR, box: [60, 0, 10, 10] },
      { image: 0, category: PERSON, box: [0, 60, 10, 10] },
      { image: 1, category: DOG, box: SQUARE },
    ],
    [
      { imageIndex: 0, categoryId: DOG, score: 0.9, box: SQUARE },
      { imageIndex: 0, categoryId: CAT, score: 0.8, box: [30, 0, 10, 10] },
    ],
  );
  const even = [0.25, 0.25, 0.25, 0.25];
  // Columns: person, dog, cat, car.
  const rows = [[0.1, 0.1, 0.7, 0.1], [0.2, 0.1, 0.6, 0.1], even, [NaN, NaN, NaN, NaN], even];
  const evidence = {
    groundTruthProbabilities: { values: Float64Array.from(rows.flat()), rows: 5, classes: 4 },
  };
  const issues = findDetectionIssues(data, data.runs[0], {}, evidence);

  it('ignores a disagreeing crop where the detector sees the labelled class', () => {
    expect(issues.swapped[0]).toBe(0);
    expect(issues.cropSupport[0]).toBeCloseTo(0.1, 12);
  });

  it('combines detector and crop by noisy-or: 1 − (1 − 0.8)(1 − 0.6)', () => {
    expect(issues.swapped[1]).toBeCloseTo(0.92, 12);
    expect(issues.swappedBy[1]).toBe(1);
    // With the crop alone (no detection at all), swapped is its strongest other class.
    expect(issues.swapped[2]).toBeCloseTo(0.25, 12);
    expect(issues.swappedBy[2]).toBe(-1);
  });

  it('scores an undetected box among detected ones as unsupported: 2/3 × (1 − 0.25)', () => {
    expect(issues.unsupported[2]).toBeCloseTo(0.5, 12);
    // No crop, no score; a lone box says nothing about the detector's recall on its image.
    expect(issues.unsupported[3]).toBe(0);
    expect(issues.unsupported[4]).toBe(0);
    expect(issues.unsupported[0] + issues.unsupported[1]).toBe(0);
  });

  it('lets unsupported boxes lower their image: softmin of 1, 0.08, 0.5, 1 and the two predictions', () => {
    const qualities = [1, 1 - 0.92, 0.5, 1, 1, 1];
    const weights = qualities.map((q) => Math.exp(-(q - 0.08) / 0.1));
    const expected =
      qualities.reduce((sum, q, i) => sum + q * weights[i], 0) / weights.reduce((a, b) => a + b);
    expect(issues.imageQuality[0]).toBeCloseTo(expected, 12);
  });

  it('scores no unsupported box and no crop evidence without crops', () => {
    const plain = findDetectionIssues(data, data.runs[0]);
    expect(plain.unsupported.every((score) => score === 0)).toBe(true);
    expect(plain.swapped[1]).toBeCloseTo(0.8, 12);
    expect(plain.cropSupport.every(Number.isNaN)).toBe(true);
  });

  it('rejects crop probabilities of the wrong shape, naming the field', () => {
    const short = { groundTruthProbabilities: { values: new Float64Array(16), rows: 4, classes: 4 } };
    expect(() => findDetectionIssues(data, data.runs[0], {}, short)).toThrow(
      /invalid groundTruthProbabilities.rows: expected one row per ground-truth box \(5\), got 4/,
    );
  });
});
