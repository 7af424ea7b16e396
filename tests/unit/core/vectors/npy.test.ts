import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../src/lib/core/errors';
import { float16ToNumber } from '../../../../src/lib/core/vectors/halfFloat';
import { parseIdList } from '../../../../src/lib/core/vectors/ids';
import { parseNpy } from '../../../../src/lib/core/vectors/npy';
import { floatBytes, npyBytes, uint16Bytes } from './npyBytes';

function errorOf(run: () => unknown): DataError {
  try {
    run();
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError');
}

describe('parseNpy', () => {
  it('reads a little-endian float32 matrix row by row', () => {
    const bytes = npyBytes({ descr: '<f4', shape: [2, 3], data: floatBytes([0.5, -1.25, 3, 4, 5, -6], 4) });
    const matrix = parseNpy('vectors.npy', bytes);
    expect([matrix.rows, matrix.dim]).toEqual([2, 3]);
    expect([...matrix.vectors]).toEqual([0.5, -1.25, 3, 4, 5, -6]);
  });

  it('reads the 4-byte header length of format versions 2 and 3', () => {
    for (const version of [2, 3] as const) {
      const bytes = npyBytes({ descr: '<f4', shape: [1, 2], version, data: floatBytes([7, 8], 4) });
      expect([...parseNpy('v.npy', bytes).vectors], `version ${version}`).toEqual([7, 8]);
    }
  });

  it('reads a matrix whose data does not start on a 4-byte boundary of its buffer', () => {
    const file = npyBytes({ descr: '<f4', shape: [1, 2], data: floatBytes([1.5, 2.5], 4) });
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect([...parseNpy('v.npy', shifted.subarray(1)).vectors]).toEqual([1.5, 2.5]);
  });

  it('rounds float64 to float32', () => {
    const bytes = npyBytes({ descr: '<f8', shape: [1, 3], data: floatBytes([0.1, 1 / 3, -2], 8) });
    expect([...parseNpy('v.npy', bytes).vectors]).toEqual([Math.fround(0.1), Math.fround(1 / 3), -2]);
  });

  it('reads big-endian float32 and float64', () => {
    const f4 = npyBytes({ descr: '>f4', shape: [1, 2], data: floatBytes([1.5, -3], 4, false) });
    const f8 = npyBytes({ descr: '>f8', shape: [1, 2], data: floatBytes([0.25, 1e10], 8, false) });
    expect([...parseNpy('be4.npy', f4).vectors]).toEqual([1.5, -3]);
    expect([...parseNpy('be8.npy', f8).vectors]).toEqual([0.25, Math.fround(1e10)]);
  });

  it('converts half floats, normal and subnormal, in either byte order', () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5, 0x7bff = 65504 (largest), 0x0001 = 2^-24 (smallest), 0x3555 = 1365/4096.
    const patterns = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x3555];
    const expected = [1, -2, 0.5, 65504, 2 ** -24, 1365 / 4096].map(Math.fround);
    for (const [descr, little] of [
      ['<f2', true],
      ['>f2', false],
    ] as const) {
      const bytes = npyBytes({ descr, shape: [2, 3], data: uint16Bytes(patterns, little) });
      expect([...parseNpy('half.npy', bytes).vectors], descr).toEqual(expected);
    }
  });

  it('transposes a Fortran-order array into rows', () => {
    // The matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
    const bytes = npyBytes({
      descr: '<f4',
      shape: [2, 3],
      fortranOrder: true,
      data: floatBytes([1, 4, 2, 5, 3, 6], 4),
    });
    expect([...parseNpy('f.npy', bytes).vectors]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects an integer array, naming the file and the dtype', () => {
    const bytes = npyBytes({ descr: '<i8', shape: [1, 1], data: new Uint8Array(8) });
    const error = errorOf(() => parseNpy('vectors.npy', bytes));
    expect(error).toMatchObject({ file: 'vectors.npy', field: 'header descr', value: '<i8' });
    expect(error.message).toMatch(/^vectors\.npy: header descr: expected a float array .*, got "<i8"$/);
  });

  it('rejects a one-dimensional array, a structured array and a wrong magic string', () => {
    const oneD = npyBytes({ descr: '<f4', shape: [3], data: floatBytes([1, 2, 3], 4) });
    expect(errorOf(() => parseNpy('v.npy', oneD))).toMatchObject({ field: 'header shape', value: '(3,)' });

    const structured = npyBytes({
      descr: "[('a', '<f4')]",
      descrLiteral: true,
      shape: [1, 1],
      data: floatBytes([1], 4),
    });
    const structuredError = errorOf(() => parseNpy('s.npy', structured));
    expect(structuredError.expected).toMatch(/not a structured array/);

    expect(errorOf(() => parseNpy('x.npy', new TextEncoder().encode('PK\x03\x04 not numpy')))).toMatchObject({
      file: 'x.npy',
      expected: expect.stringMatching(/NumPy \.npy file/),
    });
  });

  it('reports a truncated file with the byte counts', () => {
    const bytes = npyBytes({ descr: '<f4', shape: [2, 3], data: floatBytes([1, 2, 3, 4, 5], 4) });
    const error = errorOf(() => parseNpy('cut.npy', bytes));
    expect(error).toMatchObject({ file: 'cut.npy', field: 'data', value: '20 bytes' });
    expect(error.expected).toMatch(/^24 bytes for shape \(2, 3\) of '<f4'/);
  });
});

describe('float16ToNumber', () => {
  it('maps the special patterns', () => {
    expect(float16ToNumber(0x0000)).toBe(0);
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(float16ToNumber(0x7e00)).toBeNaN();
  });
});

describe('parseIdList', () => {
  it('reads one path per line, ignoring a BOM, CRLF and the final newline', () => {
    expect(parseIdList('ids.txt', '\uFEFFa/1.jpg\r\nb/2.jpg\r\n')).toEqual(['a/1.jpg', 'b/2.jpg']);
  });

  it('rejects a blank line inside the list, naming its line', () => {
    expect(errorOf(() => parseIdList('ids.txt', 'a.jpg\n\nb.jpg\n'))).toMatchObject({
      file: 'ids.txt',
      line: 2,
    });
  });

  it('reads a JSON array of strings and rejects anything else', () => {
    expect(parseIdList('ids.json', '["x.jpg", "y/z.png"]')).toEqual(['x.jpg', 'y/z.png']);
    expect(errorOf(() => parseIdList('ids.json', '["x.jpg", 7]'))).toMatchObject({ field: '[1]', value: 7 });
    expect(errorOf(() => parseIdList('ids.json', '{"ids": []}')).expected).toBe(
      'a JSON array of image paths',
    );
    expect(errorOf(() => parseIdList('ids.json', '[1,')).cause).toBeInstanceOf(SyntaxError);
  });
});
