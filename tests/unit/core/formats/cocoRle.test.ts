import { describe, expect, it } from 'vitest';
import {
  decodeCompressedCounts,
  readRunLengthMask,
  runLengthArea,
  runLengthBoundingBox,
} from '../../../../src/lib/core/formats/cocoRle';

// Expected values were worked out by hand from pycocotools' maskApi.c (rleToString / rleToBbox).
describe('COCO run-length masks', () => {
  it('gives the crowd region of format_edge_assets the bounds pycocotools toBbox gives', () => {
    // facts.json: counts [0, 20, 30] on 10 x 5 (h x w) decodes to bbox [0, 0, 2, 10] and 20 pixels.
    const mask = readRunLengthMask({ counts: [0, 20, 30], size: [10, 5] })!;
    expect(runLengthBoundingBox(mask)).toEqual([0, 0, 2, 10]);
    expect(runLengthArea(mask)).toBe(20);
  });

  it('bounds a run inside one column, and a run that wraps into the next column at full height', () => {
    expect(runLengthBoundingBox({ height: 4, width: 3, counts: [5, 2, 5] })).toEqual([1, 1, 1, 2]);
    expect(runLengthBoundingBox({ height: 4, width: 3, counts: [3, 2, 7] })).toEqual([0, 0, 2, 4]);
    expect(runLengthBoundingBox({ height: 4, width: 3, counts: [12] })).toEqual([0, 0, 0, 0]);
  });

  it('decodes compressed counts, including the difference coding and a negative difference', () => {
    expect(decodeCompressedCounts('0d0n0')).toEqual([0, 20, 30]);
    expect(decodeCompressedCounts('523O')).toEqual([5, 2, 3, 1]);
    expect(readRunLengthMask({ counts: '0d0n0', size: [10, 5] })).toEqual({
      height: 10,
      width: 5,
      counts: [0, 20, 30],
    });
  });

  it('reads polygons and malformed masks as no mask', () => {
    expect(readRunLengthMask([[0, 0, 1, 0, 1, 1]])).toBeNull();
    expect(readRunLengthMask({ counts: [1, -2], size: [2, 2] })).toBeNull();
    expect(readRunLengthMask({ counts: [1, 2], size: [2] })).toBeNull();
    expect(readRunLengthMask(undefined)).toBeNull();
  });
});
