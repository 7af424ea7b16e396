import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/lib/core/dataset';
import { cropRegion, listBoxes, planBatches, prescaledSize } from '../../../src/lib/core/embedPlan';
import { parsePreprocessConfig } from '../../../src/lib/core/preprocess';

describe('planBatches', () => {
  it('cuts the items into consecutive batches and groups each batch by image, in first-seen order', () => {
    const paths = ['a.jpg', 'a.jpg', 'b.jpg', 'a.jpg', 'c.jpg', 'c.jpg', 'c.jpg'];
    expect(planBatches(paths, 3)).toEqual([
      {
        start: 0,
        end: 3,
        images: [
          { path: 'a.jpg', items: [0, 1] },
          { path: 'b.jpg', items: [2] },
        ],
      },
      {
        start: 3,
        end: 6,
        images: [
          { path: 'a.jpg', items: [3] },
          { path: 'c.jpg', items: [4, 5] },
        ],
      },
      { start: 6, end: 7, images: [{ path: 'c.jpg', items: [6] }] },
    ]);
  });

  it('makes no batch of nothing, one per item at size 1, and refuses a size below 1', () => {
    expect(planBatches([], 16)).toEqual([]);
    expect(planBatches(['x', 'y'], 1).map((batch) => [batch.start, batch.end])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(() => planBatches(['x'], 0)).toThrow(/invalid batch size 0/);
    expect(() => planBatches(['x'], 2.5)).toThrow(/invalid batch size 2.5/);
  });
});

describe('cropRegion', () => {
  it('grows the box by 10% of its width and height on each side, to whole pixels', () => {
    // 40 x 20 box at (100, 50): margins 4 and 2 -> [96, 144) x [48, 72).
    expect(cropRegion([100, 50, 40, 20], 640, 480)).toEqual({ x: 96, y: 48, width: 48, height: 24 });
    // Fractional edges widen outwards: 10.5 - 1.05 = 9.45 -> 9; 10.5 + 10.5 + 1.05 = 22.05 -> 23.
    expect(cropRegion([10.5, 10.5, 10.5, 10.5], 100, 100)).toEqual({ x: 9, y: 9, width: 14, height: 14 });
  });

  it('clips the margin (and the box) to the image', () => {
    expect(cropRegion([0, 0, 50, 50], 60, 40)).toEqual({ x: 0, y: 0, width: 55, height: 40 });
    expect(cropRegion([590, 430, 100, 100], 640, 480)).toEqual({ x: 580, y: 420, width: 60, height: 60 });
    expect(cropRegion([-30, -30, 40, 40], 100, 100)).toEqual({ x: 0, y: 0, width: 14, height: 14 });
  });

  it('takes another margin, including none', () => {
    expect(cropRegion([10, 10, 20, 10], 100, 100, 0)).toEqual({ x: 10, y: 10, width: 20, height: 10 });
    expect(cropRegion([10, 10, 20, 10], 100, 100, 0.5)).toEqual({ x: 0, y: 5, width: 40, height: 20 });
  });

  it('gives nothing for boxes without pixels in the image or without size', () => {
    expect(cropRegion([200, 10, 20, 20], 100, 100)).toBeNull();
    expect(cropRegion([-50, 10, 20, 20], 100, 100)).toBeNull();
    expect(cropRegion([10, 10, 0, 20], 100, 100)).toBeNull();
    expect(cropRegion([10, 10, -5, 20], 100, 100)).toBeNull();
    expect(cropRegion([10, Number.NaN, 5, 20], 100, 100)).toBeNull();
  });

  it('keeps a one-pixel box that touches the image', () => {
    expect(cropRegion([99.5, 0, 0.2, 0.2], 100, 100)).toEqual({ x: 99, y: 0, width: 1, height: 1 });
  });
});

describe('prescaledSize', () => {
  const clip = parsePreprocessConfig({});

  it('lets the browser shrink only what is over twice the input size, short side to 448', () => {
    expect(prescaledSize(500, 375, clip)).toBeNull();
    expect(prescaledSize(448, 1000, clip)).toBeNull();
    expect(prescaledSize(4000, 3000, clip)).toEqual({ width: 597, height: 448 });
    expect(prescaledSize(3000, 4000, clip)).toEqual({ width: 448, height: 597 });
    expect(prescaledSize(900, 900, clip)).toEqual({ width: 448, height: 448 });
  });

  it('uses the factor and the model size it is given', () => {
    expect(prescaledSize(4000, 3000, clip, 3)).toEqual({ width: 896, height: 672 });
    const fixed = parsePreprocessConfig({ size: { width: 100, height: 50 }, do_center_crop: false });
    expect(prescaledSize(1000, 80, fixed)).toEqual({ width: 200, height: 80 });
    expect(prescaledSize(150, 80, fixed)).toBeNull();
  });
});

describe('listBoxes', () => {
  it('lists ground truth and predictions with boxes, by image, ground truth first', () => {
    const dataset: Dataset = {
      images: ['a.jpg', 'b.jpg'].map((path, index) => ({ index, path, width: 100, height: 100, meta: {} })),
      categories: [{ id: 1, name: 'cat' }],
      groundTruth: [
        { index: 0, imageIndex: 1, categoryId: 1, box: [1, 2, 3, 4] },
        { index: 1, imageIndex: 0, categoryId: 1 },
        { index: 2, imageIndex: 0, categoryId: 1, box: [5, 6, 7, 8] },
      ],
      runs: [
        {
          name: 'yolo',
          file: 'yolo.json',
          predictions: [
            { index: 0, imageIndex: 1, categoryId: 1, score: 0.9, box: [9, 9, 9, 9] },
            { index: 1, imageIndex: 0, categoryId: 1, score: 0.8, box: [10, 10, 10, 10] },
          ],
        },
      ],
    };
    const boxes = listBoxes(dataset);
    expect(boxes.paths).toEqual(['a.jpg', 'a.jpg', 'b.jpg', 'b.jpg']);
    expect(boxes.sources).toEqual(['gt', 'yolo', 'gt', 'yolo']);
    expect([...boxes.runs]).toEqual([-1, 0, -1, 0]);
    expect([...boxes.indices]).toEqual([2, 1, 0, 0]);
    expect([...boxes.boxes]).toEqual([5, 6, 7, 8, 10, 10, 10, 10, 1, 2, 3, 4, 9, 9, 9, 9]);
  });
});
