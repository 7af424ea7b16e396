/**
 * Per-image detection loss on hand-built images, each value worked out by hand from the formula in
 * loss.ts's TSDoc (boxes are axis-aligned, so IoUs are exact fractions).
 */
import { describe, expect, it } from 'vitest';
import type { BoxXYWH, Dataset } from '../../../../src/lib/core/dataset';
import { detectionLoss } from '../../../../src/lib/core/labelQuality/loss';
import { CAR, CAT, DOG, handDataset, PERSON } from './handBuilt';

/** Four images; predictions as (image, category, box, score). */
function dataset(
  gts: { image: number; category: number; box: BoxXYWH; crowd?: boolean }[],
  predictions: { image: number; category: number; box: BoxXYWH; score: number }[],
): Dataset {
  const run = predictions.map(({ image, category, box, score }) => ({
    imageIndex: image,
    categoryId: category,
    box,
    score,
  }));
  return handDataset(gts, run, 4);
}

const DATA = dataset(
  [
    { image: 0, category: PERSON, box: [0, 0, 10, 10] },
    { image: 1, category: DOG, box: [0, 0, 10, 10] },
    { image: 1, category: PERSON, box: [20, 0, 10, 10] },
    { image: 3, category: CAR, box: [0, 0, 10, 10], crowd: true },
  ],
  [
    // Image 0: IoU 50/100 = 0.5 with the person (matched); a confident dog on nothing; a timid cat.
    { image: 0, category: PERSON, box: [0, 0, 10, 5], score: 0.8 },
    { image: 0, category: DOG, box: [50, 50, 10, 10], score: 0.9 },
    { image: 0, category: CAT, box: [60, 60, 10, 10], score: 0.4 },
    // Image 1: IoU 50/150 = 1/3 with the person, below 0.5, so also an unmatched confident prediction.
    { image: 1, category: PERSON, box: [25, 0, 10, 10], score: 1 },
    // Image 3: the only label is crowd, left out: the car explains nothing.
    { image: 3, category: CAR, box: [0, 0, 10, 10], score: 0.7 },
  ],
);

describe('detectionLoss', () => {
  it('sums unexplained labels and unexplained confident predictions per image', () => {
    const loss = detectionLoss(DATA, DATA.runs[0]);
    // 0: (1 − 0.5·0.8) + 0.9 = 1.5 (the 0.4 cat is below the confident score).
    // 1: dog seen by nothing = 1; person 1 − (1/3)·1 = 2/3; the person prediction unmatched = 1.
    // 2: no boxes = 0.  3: the crowd label is ignored; the car prediction is unmatched = 0.7.
    expect(Array.from(loss)).toEqual([
      expect.closeTo(1.5, 12),
      expect.closeTo(1 + 2 / 3 + 1, 12),
      0,
      expect.closeTo(0.7, 12),
    ]);
  });

  it('follows the IoU threshold: at 0.3 the 1/3 overlap matches', () => {
    const loss = detectionLoss(DATA, DATA.runs[0], { iouThreshold: 0.3 });
    expect(loss[1]).toBeCloseTo(1 + 2 / 3, 12);
    expect(loss[0]).toBeCloseTo(1.5, 12);
  });

  it('rejects an option outside [0, 1], naming it', () => {
    expect(() => detectionLoss(DATA, DATA.runs[0], { confidentScore: 1.5 })).toThrow(
      /invalid confidentScore: 1.5 \(expected a number in \[0, 1\]\)/,
    );
  });
});
