import { describe, expect, it } from 'vitest';
import type { BoxXYWH } from '../../../src/lib/core/dataset';
import {
  boxArea,
  intersectionOverArea,
  iou,
  iouMatrix,
  packBoxes,
  packedIntersectionOverArea,
  packedIou,
  xyxyToXywh,
} from '../../../src/lib/core/geometry';

// Expected values below are worked out by hand from the box corners, with continuous coordinates.
describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or edge-touching ones', () => {
    expect(iou([2, 3, 4, 5], [2, 3, 4, 5])).toBe(1);
    expect(iou([0, 0, 2, 2], [5, 5, 2, 2])).toBe(0);
    // Sharing the edge x = 2 covers no area without the VOC "+1".
    expect(iou([0, 0, 2, 2], [2, 0, 2, 2])).toBe(0);
  });

  it('divides the intersection by the union', () => {
    // Overlap [1,2]×[1,2] = 1; union 4 + 4 - 1 = 7.
    expect(iou([0, 0, 2, 2], [1, 1, 2, 2])).toBeCloseTo(1 / 7, 12);
    // A 2×2 box inside a 4×4 box: 4 / 16.
    expect(iou([0, 0, 4, 4], [1, 1, 2, 2])).toBe(0.25);
    // Half-width overlap of two 4×2 boxes: 4 / 12.
    expect(iou([0, 0, 4, 2], [2, 0, 4, 2])).toBeCloseTo(1 / 3, 12);
    // The supervision case's second prediction against its first ground truth: 2.9² / 3².
    expect(iou([0.1, 0.1, 2.9, 2.9], [0, 0, 3, 3])).toBeCloseTo(8.41 / 9, 12);
  });

  it('is symmetric', () => {
    const a: BoxXYWH = [1.5, 2.25, 10, 7];
    const b: BoxXYWH = [4, 0, 3.5, 20];
    expect(iou(a, b)).toBe(iou(b, a));
  });

  it('treats empty and inverted boxes as overlapping nothing', () => {
    expect(iou([1, 1, 0, 5], [0, 0, 10, 10])).toBe(0);
    expect(iou([1, 1, -2, 5], [0, 0, 10, 10])).toBe(0);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
    expect(boxArea([0, 0, -1, 4])).toBe(0);
    expect(boxArea([3, 4, 2, 5])).toBe(10);
  });
});

describe('intersectionOverArea', () => {
  it('measures how much of the box lies inside the region', () => {
    expect(intersectionOverArea([1, 1, 2, 2], [0, 0, 10, 10])).toBe(1);
    // [3,5]×[0,2] against [0,4]×[0,4]: 1×2 of 2×2 inside.
    expect(intersectionOverArea([3, 0, 2, 2], [0, 0, 4, 4])).toBe(0.5);
    expect(intersectionOverArea([0, 0, 0, 2], [0, 0, 4, 4])).toBe(0);
  });
});

describe('packed boxes', () => {
  const a: BoxXYWH[] = [
    [0, 0, 2, 2],
    [0, 0, 4, 4],
  ];
  const b: BoxXYWH[] = [
    [1, 1, 2, 2],
    [0, 0, 2, 2],
    [10, 10, 1, 1],
  ];

  it('packs xywh, four numbers a box, zeros for a missing box', () => {
    expect(Array.from(packBoxes([[1, 2, 3, 4], undefined]))).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
  });

  it('computes an m×n IoU matrix, row per box of the first set', () => {
    const matrix = iouMatrix(packBoxes(a), packBoxes(b));
    expect(matrix).toBeInstanceOf(Float64Array);
    expect(matrix.length).toBe(6);
    const expected = [1 / 7, 1, 0, 4 / 16, 4 / 16, 0];
    expected.forEach((value, i) => expect(matrix[i]).toBeCloseTo(value, 12));
  });

  it('writes into a caller buffer and rejects one that is too small', () => {
    const out = new Float64Array(8).fill(-1);
    expect(iouMatrix(packBoxes(a), packBoxes(b), out)).toBe(out);
    expect(out[1]).toBe(1);
    expect(out[6]).toBe(-1);
    expect(() => iouMatrix(packBoxes(a), packBoxes(b), new Float64Array(5))).toThrow(/out buffer/);
    expect(() => iouMatrix(new Float64Array(3), packBoxes(b))).toThrow(/multiple of 4/);
  });

  it('gives the same numbers through the indexed helpers', () => {
    expect(packedIou(packBoxes(a), 1, packBoxes(b), 0)).toBe(0.25);
    expect(packedIntersectionOverArea(packBoxes(b), 0, packBoxes(a), 1)).toBe(1);
  });

  it('converts corners to xywh', () => {
    expect(xyxyToXywh(6, 1, 8, 3)).toEqual([6, 1, 2, 2]);
  });
});
