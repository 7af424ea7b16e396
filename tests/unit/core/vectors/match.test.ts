import { describe, expect, it } from 'vitest';
import { layoutByImage, matchVectorIds } from '../../../../src/lib/core/vectors/match';

const IMAGES = ['train/a/1.jpg', 'train/b/2.jpg', 'val/3.jpg', 'x/dup.jpg', 'y/dup.jpg'];

describe('matchVectorIds', () => {
  it('matches exact paths, longer or shorter paths, and unique file names', () => {
    const ids = ['train/a/1.jpg', '/data/coco/train/b/2.jpg', '3.jpg'];
    const match = matchVectorIds('v.parquet', ids, IMAGES);
    expect([...match.imageOfRow]).toEqual([0, 1, 2]);
    expect(match.matched).toBe(3);
    expect(match.problems).toEqual([]);
  });

  it('warns about ids that match nothing, with the count and examples', () => {
    const ids = ['train/a/1.jpg', 'gone/1.png', 'gone/2.png', 'gone/3.png', 'gone/4.png'];
    const match = matchVectorIds('v.parquet', ids, IMAGES);
    expect([...match.imageOfRow]).toEqual([0, -1, -1, -1, -1]);
    expect(match.matched).toBe(1);
    expect(match.unmatched).toEqual(['gone/1.png', 'gone/2.png', 'gone/3.png', 'gone/4.png']);

    expect(match.problems).toHaveLength(1);
    const [warning] = match.problems;
    expect(warning).toMatchObject({
      file: 'v.parquet',
      severity: 'warning',
      value: ['gone/1.png', 'gone/2.png', 'gone/3.png'],
    });
    expect(warning.expected).toMatch(/\(4 of 5 ids match no image of the dataset; those rows are skipped\)$/);
  });

  it('skips a file name found in two folders', () => {
    const match = matchVectorIds('v.npy', ['dup.jpg'], IMAGES);
    expect([...match.imageOfRow]).toEqual([-1]);
    expect(match.ambiguous).toEqual(['dup.jpg']);
    expect(match.problems[0].expected).toMatch(/1 of 1 ids fit several images/);
  });

  it('lets an exact path win over a looser id for the same image, wherever it comes', () => {
    const match = matchVectorIds('v.npy', ['1.jpg', 'val/3.jpg', 'train/a/1.jpg'], IMAGES);
    expect([...match.imageOfRow]).toEqual([-1, 2, 0]);
    expect(match.superseded).toEqual(['1.jpg']);
    expect(match.matched).toBe(2);
  });
});

describe('layoutByImage', () => {
  it('orders matched rows by image and maps each image to its row', () => {
    // Row 0 → image 2, row 1 unused, row 2 → image 0; images 1 and 3 have no vector.
    const vectors = new Float32Array([1, 2, 3, 4, 5, 6]);
    const layout = layoutByImage(new Int32Array([2, -1, 0]), vectors, 2, 4);
    expect([...layout.vectors]).toEqual([5, 6, 1, 2]);
    expect([...layout.rowOfImage]).toEqual([0, -1, 1, -1]);
  });
});
