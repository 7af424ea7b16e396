/** The image view's fix helpers on hand-made boxes; expected values are worked out by hand. */

import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../../../src/lib/core/dataset';
import { cycle, dragBox, swapCandidate } from '../../../../src/lib/core/review/suggest';

describe('swapCandidate', () => {
  const prediction = (
    index: number,
    categoryId: number,
    score: number,
    box: [number, number, number, number],
  ): Prediction => ({
    index,
    imageIndex: 0,
    categoryId,
    score,
    box,
  });

  it('takes the best-scoring prediction of another class covering the box', () => {
    const gt = { categoryId: 1, box: [0, 0, 10, 10] as [number, number, number, number] };
    const predictions = [
      prediction(0, 1, 0.99, [0, 0, 10, 10]), // same class: no swap
      prediction(1, 2, 0.6, [0, 0, 10, 10]), // IoU 1
      prediction(2, 3, 0.8, [0, 0, 10, 8]), // IoU 0.8
      prediction(3, 3, 0.95, [5, 5, 10, 10]), // IoU 25/175 < 0.5
    ];
    expect(swapCandidate(gt, predictions)?.index).toBe(2);
    expect(swapCandidate(gt, predictions, 0.9)?.index).toBe(1);
    expect(swapCandidate(gt, predictions, 0.5, 0.85)).toBeNull();
  });

  it('has nothing for an image-level label or no covering prediction', () => {
    expect(swapCandidate({ categoryId: 1 }, [prediction(0, 2, 0.9, [0, 0, 1, 1])])).toBeNull();
    expect(swapCandidate({ categoryId: 1, box: [0, 0, 1, 1] }, [])).toBeNull();
  });

  it('breaks score ties by the lower prediction index', () => {
    const gt = { categoryId: 1, box: [0, 0, 10, 10] as [number, number, number, number] };
    const tie = [prediction(7, 2, 0.7, [0, 0, 10, 10]), prediction(4, 3, 0.7, [0, 0, 10, 10])];
    expect(swapCandidate(gt, tie)?.index).toBe(4);
  });
});

describe('cycle', () => {
  it('walks forwards and backwards with wrap-around, starting at either end', () => {
    expect(cycle(null, 3, false)).toBe(0);
    expect(cycle(null, 3, true)).toBe(2);
    expect(cycle(0, 3, false)).toBe(1);
    expect(cycle(2, 3, false)).toBe(0);
    expect(cycle(0, 3, true)).toBe(2);
    expect(cycle(5, 3, false)).toBe(0);
    expect(cycle(null, 0, false)).toBeNull();
  });
});

describe('dragBox', () => {
  const box: [number, number, number, number] = [10, 20, 30, 40];

  it('moves the whole box by the body, kept inside the image', () => {
    expect(dragBox(box, 'body', 5.123, -3, 100, 100)).toEqual([15.12, 17, 30, 40]);
    expect(dragBox(box, 'body', -50, 200, 100, 100)).toEqual([0, 60, 30, 40]);
  });

  it('resizes by a corner, the opposite corner staying put', () => {
    expect(dragBox(box, 'se', 10, 5, 100, 100)).toEqual([10, 20, 40, 45]);
    expect(dragBox(box, 'nw', -4, 6, 100, 100)).toEqual([6, 26, 34, 34]);
    expect(dragBox(box, 'ne', 100, -100, 100, 100)).toEqual([10, 0, 90, 60]);
    expect(dragBox(box, 'sw', -100, 100, 100, 100)).toEqual([0, 20, 40, 80]);
  });

  it('never turns a box inside out: a corner stops 1 px from the opposite edges', () => {
    expect(dragBox(box, 'se', -500, -500, 100, 100)).toEqual([10, 20, 1, 1]);
    expect(dragBox(box, 'nw', 500, 500, 100, 100)).toEqual([39, 59, 1, 1]);
  });
});
