/**
 * Crop evidence: cross-validated class probabilities placed on the right ground-truth boxes. The
 * probabilities themselves are `crossValidatedProbabilities`' (tested in crossValidation.test.ts);
 * here the answer for each box is that function's row for the crop that embeds it.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import { cropLabelProbabilities } from '../../../../src/lib/core/labelQuality/cropEvidence';
import { crossValidatedProbabilities } from '../../../../src/lib/core/labelQuality/crossValidation';

/** `count` boxes on one image, alternately category 7 and 3 (columns 1 and 0: categories are 3, 7). */
function dataset(count: number): Dataset {
  return {
    images: [{ index: 0, path: '0.jpg', width: 100, height: 100, meta: {} }],
    categories: [
      { id: 3, name: 'cat' },
      { id: 7, name: 'dog' },
    ],
    groundTruth: Array.from({ length: count }, (_, index) => ({
      index,
      imageIndex: 0,
      categoryId: index % 2 === 0 ? 7 : 3,
      box: [index, 0, 5, 5] as [number, number, number, number],
    })),
    runs: [],
  };
}

describe('cropLabelProbabilities', () => {
  // 12 boxes; crops given for boxes 11, 10, …, 2 (reversed), none for boxes 0 and 1.
  const data = dataset(12);
  const boxes = Array.from({ length: 10 }, (_, row) => 11 - row);
  const vectors = Float32Array.from(boxes.flatMap((g) => (g % 2 === 0 ? [1, 0.1 * g] : [0, 0.1 * g])));

  it('puts each crop row on its box, columns in category order, NaN where no crop', async () => {
    const probabilities = await cropLabelProbabilities(data, 2, vectors, boxes);
    const labels = boxes.map((g) => (g % 2 === 0 ? 1 : 0));
    const expected = await crossValidatedProbabilities(vectors, 2, labels, 2);
    expect(probabilities.rows).toBe(12);
    expect(probabilities.classes).toBe(2);
    boxes.forEach((g, row) => {
      expect(probabilities.values[g * 2]).toBe(expected.values[row * 2]);
      expect(probabilities.values[g * 2 + 1]).toBe(expected.values[row * 2 + 1]);
    });
    expect([...probabilities.values.subarray(0, 4)].every(Number.isNaN)).toBe(true);
    // Separable crops: every box's own class is the likelier one.
    for (const g of boxes) expect(probabilities.values[g * 2 + (g % 2 === 0 ? 1 : 0)]).toBeGreaterThan(0.5);
  });

  it('gives every box NaN when there are fewer crops than folds', async () => {
    const probabilities = await cropLabelProbabilities(data, 2, vectors.subarray(0, 8), boxes.slice(0, 4));
    expect(probabilities.values.every(Number.isNaN)).toBe(true);
  });

  it('rejects a repeated or unknown box and a wrong length, naming the field and value', async () => {
    await expect(cropLabelProbabilities(data, 2, vectors, [...boxes.slice(0, 9), 11])).rejects.toThrow(
      /invalid groundTruthOfRow\[9\]: expected a ground-truth index in \[0, 12\) used once, got 11/,
    );
    await expect(cropLabelProbabilities(data, 2, vectors, [...boxes.slice(0, 9), 12])).rejects.toThrow(
      /groundTruthOfRow\[9\].*got 12/,
    );
    await expect(cropLabelProbabilities(data, 2, vectors.subarray(0, 19), boxes)).rejects.toThrow(
      /invalid vectors.length: expected groundTruthOfRow.length × dim = 20, got 19/,
    );
  });
});
