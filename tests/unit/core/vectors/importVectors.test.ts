import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../src/lib/core/errors';
import {
  importedModelIdentity,
  pickVectorFiles,
  readVectorFile,
  type Companion,
} from '../../../../src/lib/core/vectors/importVectors';
import { floatBytes, npyBytes } from './npyBytes';
import { arrowBytes, fixedSizeListColumn, parquetBytes, pathAndListSchema, stringColumn } from './tableBytes';

async function rejection(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError');
}

function errorOf(run: () => unknown): DataError {
  try {
    run();
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError');
}

/** A float32 `.npy` of these rows. */
function npy(rows: number[][]): Uint8Array {
  return npyBytes({
    descr: '<f4',
    shape: [rows.length, rows[0]?.length ?? 4],
    data: floatBytes(rows.flat(), 4),
  });
}

/** The id list as a text file (a path per line) or, for a .json name, a JSON array. */
function idList(ids: string[], name = 'ids.txt'): Companion {
  const text = name.endsWith('.json') ? JSON.stringify(ids) : ids.map((id) => `${id}\n`).join('');
  return { name, bytes: new TextEncoder().encode(text) };
}

describe('readVectorFile', () => {
  it('reads a .npy with its id list and scales rows to unit length, saying so', async () => {
    // |(3, 4)| = 5 and |(0, 2)| = 2: the unit rows are (0.6, 0.8) and (0, 1).
    const result = await readVectorFile(
      'vectors.npy',
      npy([
        [3, 4],
        [0, 2],
      ]),
      idList(['a.jpg', 'b.jpg']),
    );
    expect(result.ids).toEqual(['a.jpg', 'b.jpg']);
    expect(result.dim).toBe(2);
    expect([...result.vectors]).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 1]);
    expect(result.normalized).toBe(true);
  });

  it('reports rows that were unit length already as not normalised', async () => {
    const result = await readVectorFile(
      'v.npy',
      npy([
        [1, 0],
        [0, -1],
      ]),
      idList(['a.jpg', 'b.jpg'], 'ids.json'),
    );
    expect(result.normalized).toBe(false);
    expect([...result.vectors]).toEqual([1, 0, 0, -1]);
  });

  it('dispatches Parquet and every Arrow extension by name', async () => {
    const parquet = parquetBytes(
      [
        { name: 'path', data: ['p.jpg'] },
        { name: 'embedding', data: [[0, 3]] },
      ],
      pathAndListSchema('path', 'embedding', 'FLOAT'),
    );
    expect([...(await readVectorFile('V.PARQUET', parquet)).vectors]).toEqual([0, 1]);

    const arrow = arrowBytes({ path: stringColumn(['p.jpg']), e: fixedSizeListColumn([[-2, 0]], 2) });
    for (const name of ['v.arrow', 'v.feather', 'v.ipc'])
      expect([...(await readVectorFile(name, arrow)).vectors], name).toEqual([-1, 0]);
    const stream = arrowBytes(
      { path: stringColumn(['p.jpg']), e: fixedSizeListColumn([[-2, 0]], 2) },
      'stream',
    );
    expect((await readVectorFile('v.arrows', stream)).ids).toEqual(['p.jpg']);
  });

  it('rejects an id list one short of the vectors', async () => {
    const rows = Array.from({ length: 100 }, () => [1, 1]);
    const ids = Array.from({ length: 99 }, (_, i) => `${i}.jpg`);
    const error = await rejection(readVectorFile('vectors.npy', npy(rows), idList(ids)));
    expect(error).toMatchObject({ file: 'ids.txt', value: '99 ids' });
    expect(error.message).toBe(
      'ids.txt: expected 100 ids, one per vector in vectors.npy, in the same order, got "99 ids"',
    );
  });

  it('asks for the id list when a .npy comes alone', async () => {
    const error = await rejection(readVectorFile('vectors.npy', npy([[1]])));
    expect(error.file).toBe('vectors.npy');
    expect(error.expected).toMatch(/^an id list beside it/);
  });

  it('names the repeated ids, in the id list of a .npy and in a table', async () => {
    const ids = ['a.jpg', 'b.jpg', 'a.jpg', 'c.jpg', 'b.jpg', 'a.jpg'];
    const rows = ids.map((_, i) => [i + 1]);
    const fromList = await rejection(readVectorFile('v.npy', npy(rows), idList(ids)));
    expect(fromList).toMatchObject({
      file: 'ids.txt',
      field: 'ids',
      value: ['a.jpg (rows 0, 2, 5)', 'b.jpg (rows 1, 4)'],
      expected: 'each id once (2 ids appear more than once)',
    });

    const table = arrowBytes({
      path: stringColumn(['x.jpg', 'x.jpg']),
      e: fixedSizeListColumn([[1], [2]], 1),
    });
    expect(await rejection(readVectorFile('v.arrow', table))).toMatchObject({
      file: 'v.arrow',
      value: ['x.jpg (rows 0, 1)'],
    });
  });

  it('rejects NaN and infinities, naming the first bad row and counting the others', async () => {
    const rows = [
      [1, 2],
      [3, NaN],
      [Infinity, 0],
    ];
    const error = await rejection(readVectorFile('v.npy', npy(rows), idList(['a.jpg', 'b.jpg', 'c.jpg'])));
    expect(error).toMatchObject({ file: 'v.npy', field: 'vector of "b.jpg" (row 1)' });
    expect(error.expected).toBe('finite numbers (element 1 is NaN; 1 more row is not finite either)');
  });

  it('rejects an all-zero row by its id, since it has no direction', async () => {
    const error = await rejection(
      readVectorFile(
        'v.npy',
        npy([
          [1, 0],
          [0, 0],
        ]),
        idList(['a.jpg', 'zero.jpg']),
      ),
    );
    expect(error).toMatchObject({ file: 'v.npy', field: 'vector of "zero.jpg" (row 1)' });
  });

  it('rejects a file without vectors and a file of an unknown kind', async () => {
    const empty = npyBytes({ descr: '<f4', shape: [0, 4], data: new Uint8Array(0) });
    const error = await rejection(readVectorFile('v.npy', empty, idList([])));
    expect(error.expected).toBe('at least one vector');

    const csv = await rejection(readVectorFile('v.csv', new Uint8Array(4)));
    expect(csv).toMatchObject({
      file: 'v.csv',
      expected: expect.stringMatching(/^a vector file \(\.npy, \.parquet/),
    });
  });
});

describe('pickVectorFiles', () => {
  it('pairs a .npy with its id list, and ignores lists beside a table', () => {
    expect(pickVectorFiles(['ids.txt', 'vectors.npy'])).toEqual({ vectors: 1, companion: 0 });
    expect(pickVectorFiles(['v.parquet', 'ids.txt'])).toEqual({ vectors: 0, companion: null });
    expect(pickVectorFiles(['v.npy'])).toEqual({ vectors: 0, companion: null });
  });

  it('prefers the id list named like the matrix when there are several', () => {
    expect(pickVectorFiles(['other.json', 'vectors.npy', 'vectors.txt'])).toEqual({
      vectors: 1,
      companion: 2,
    });
    expect(() => pickVectorFiles(['a.txt', 'b.txt', 'vectors.npy'])).toThrow(DataError);
  });

  it('rejects no vector file, two vector files, and files of other kinds', () => {
    expect(errorOf(() => pickVectorFiles(['ids.txt'])).expected).toMatch(/got 0$/);
    expect(errorOf(() => pickVectorFiles(['a.npy', 'b.parquet'])).expected).toMatch(/got 2$/);
    expect(errorOf(() => pickVectorFiles(['v.npy', 'notes.md'])).file).toBe('notes.md');
  });
});

describe('importedModelIdentity', () => {
  it('names the file and the first 12 hex digits of its SHA-256', async () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 example).
    const identity = await importedModelIdentity('vectors.npy', new TextEncoder().encode('abc'));
    expect(identity).toBe('imported:vectors.npy@ba7816bf8f01');
  });
});
