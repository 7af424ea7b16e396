import { describe, expect, it } from 'vitest';
import { ImagePathIndex, normalizeImageName } from '../../../src/lib/core/imagePaths';

describe('ImagePathIndex', () => {
  const index = new ImagePathIndex(['ab/x.jpg', 'b/y.jpg', 'images/val/z.png', 'other/z.png']);

  it('normalises names written on other systems', () => {
    expect(normalizeImageName(' .\\images\\a.jpg ')).toBe('images/a.jpg');
    expect(normalizeImageName('D:/data/a.jpg')).toBe('data/a.jpg');
    expect(normalizeImageName('/home/me/a.jpg')).toBe('home/me/a.jpg');
  });

  it('matches a suffix only at a folder boundary', () => {
    // `b/x.jpg` is not a suffix of `ab/x.jpg` at a folder boundary, but the file name is unique.
    expect(index.resolve('b/x.jpg')).toEqual({ kind: 'found', index: 0, how: 'basename' });
    expect(index.resolve('val/z.png')).toEqual({ kind: 'found', index: 2, how: 'suffix' });
    expect(index.resolve('/mnt/data/b/y.jpg')).toEqual({ kind: 'found', index: 1, how: 'suffix' });
  });

  it('says when a name is missing or fits several images', () => {
    expect(index.resolve('q.jpg')).toEqual({ kind: 'missing' });
    expect(index.resolve('z.png')).toEqual({
      kind: 'ambiguous',
      candidates: ['images/val/z.png', 'other/z.png'],
    });
  });
});
