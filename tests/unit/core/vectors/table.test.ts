import { vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../src/lib/core/errors';
import { readArrowVectors, readParquetVectors } from '../../../../src/lib/core/vectors/table';
import {
  arrowBytes,
  fixedSizeListColumn,
  floatColumn,
  listColumn,
  parquetBytes,
  pathAndListSchema,
  stringColumn,
} from './tableBytes';

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

const PATHS = ['a/1.jpg', 'a/2.jpg', 'b/3.jpg'];
const ROWS = [
  [1, 0.5, -2],
  [0, 4, 0.25],
  [-1, -1, 8],
];

describe('readArrowVectors', () => {
  it('reads a FixedSizeList<Float32> column from an IPC file and an IPC stream', () => {
    for (const format of ['file', 'stream'] as const) {
      const bytes = arrowBytes(
        { path: stringColumn(PATHS), embedding: fixedSizeListColumn(ROWS, 3) },
        format,
      );
      const table = readArrowVectors(`v.${format === 'file' ? 'arrow' : 'arrows'}`, bytes);
      expect(table.ids, format).toEqual(PATHS);
      expect(table.dim).toBe(3);
      expect([...table.vectors]).toEqual(ROWS.flat());
    }
  });

  it('reads List<Float64> and FixedSizeList<Float16>, converting to float32', () => {
    const f64 = arrowBytes({ path: stringColumn(['x.jpg']), e: listColumn([[0.1, 0.2]], 'f64') });
    expect([...readArrowVectors('v.arrow', f64).vectors]).toEqual([Math.fround(0.1), Math.fround(0.2)]);

    // 0.5, -2 and 1.5 are exact in half precision.
    const f16 = arrowBytes({
      path: stringColumn(['x.jpg']),
      e: fixedSizeListColumn([[0.5, -2, 1.5]], 3, 'f16'),
    });
    expect([...readArrowVectors('v.feather', f16).vectors]).toEqual([0.5, -2, 1.5]);
  });

  it('takes ids from a dictionary-encoded column named image, after other string columns', () => {
    const bytes = arrowBytes({
      label: stringColumn(['cat', 'dog', 'cat']),
      image: vectorFromArray(PATHS), // dictionary-encoded, as pandas categoricals are
      embedding: fixedSizeListColumn(ROWS, 3),
    });
    expect(readArrowVectors('v.arrow', bytes).ids).toEqual(PATHS);
  });

  it('reads one float column per dimension, e0 to e{d-1}, in index order', () => {
    const bytes = arrowBytes({
      path: stringColumn(PATHS),
      e1: floatColumn(ROWS.map((row) => row[1])),
      e0: floatColumn(
        ROWS.map((row) => row[0]),
        'f64',
      ),
      e2: floatColumn(
        ROWS.map((row) => row[2]),
        'f16',
      ),
    });
    const table = readArrowVectors('v.arrow', bytes);
    expect(table.dim).toBe(3);
    expect([...table.vectors]).toEqual(ROWS.flat());
  });

  it('uses the columns it is told to use', () => {
    const bytes = arrowBytes({
      path: stringColumn(['wrong1', 'wrong2', 'wrong3']),
      key: stringColumn(PATHS),
      first: fixedSizeListColumn([[9], [9], [9]], 1),
      second: fixedSizeListColumn(ROWS, 3),
    });
    const table = readArrowVectors('v.arrow', bytes, { idColumn: 'key', vectorColumn: 'second' });
    expect(table.ids).toEqual(PATHS);
    expect([...table.vectors]).toEqual(ROWS.flat());
  });

  it('rejects rows of different lengths, naming the row and the dimension', () => {
    const bytes = arrowBytes({
      path: stringColumn(['p.jpg', 'q.jpg']),
      e: listColumn([
        [1, 2, 3],
        [1, 2],
      ]),
    });
    const error = errorOf(() => readArrowVectors('v.arrow', bytes));
    expect(error).toMatchObject({ file: 'v.arrow', field: 'vector of "q.jpg" (row 1)', value: '2 values' });
    expect(error.expected).toBe('3 values, like the rows before it');
  });

  it('rejects a null vector and a null element', () => {
    const nullRow = arrowBytes({
      path: stringColumn(['p.jpg', 'q.jpg']),
      e: fixedSizeListColumn([[1, 2], null], 2),
    });
    expect(errorOf(() => readArrowVectors('v.arrow', nullRow))).toMatchObject({
      field: 'vector of "q.jpg" (row 1)',
      expected: 'a vector',
    });

    const nullElement = arrowBytes({
      path: stringColumn(['p.jpg']),
      e: listColumn([[1, null as unknown as number]]),
    });
    expect(errorOf(() => readArrowVectors('v.arrow', nullElement)).expected).toBe('a number at element 1');
  });

  it('names the columns it found when none holds ids or vectors', () => {
    const noIds = arrowBytes({ score: floatColumn([1]), e: fixedSizeListColumn([[1]], 1) });
    expect(errorOf(() => readArrowVectors('v.arrow', noIds))).toMatchObject({
      field: 'columns',
      value: 'score: Float32, e: FixedSizeList[1]<Float32>',
    });

    const noVectors = arrowBytes({ path: stringColumn(['p.jpg']), score: floatColumn([1]) });
    expect(errorOf(() => readArrowVectors('v.arrow', noVectors)).expected).toMatch(/^a vector column/);

    const gap = arrowBytes({ path: stringColumn(['p.jpg']), e0: floatColumn([1]), e2: floatColumn([1]) });
    expect(errorOf(() => readArrowVectors('v.arrow', gap)).expected).toMatch(/e1 is missing/);
  });

  it('wraps bytes that are not Arrow in a DataError naming the file', () => {
    const error = errorOf(() =>
      readArrowVectors('junk.arrow', new TextEncoder().encode('not an arrow file at all')),
    );
    expect(error.file).toBe('junk.arrow');
    expect(error.expected).toMatch(/Arrow IPC/);
  });
});

describe('readParquetVectors', () => {
  it('reads a LIST<FLOAT> column as pyarrow writes it', async () => {
    const bytes = parquetBytes(
      [
        { name: 'path', data: PATHS },
        { name: 'embedding', data: ROWS },
      ],
      pathAndListSchema('path', 'embedding', 'FLOAT'),
    );
    const table = await readParquetVectors('v.parquet', bytes);
    expect(table.ids).toEqual(PATHS);
    expect(table.dim).toBe(3);
    expect([...table.vectors]).toEqual(ROWS.flat());
  });

  it('reads every row group', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `img/${i}.png`);
    const rows = ids.map((_, i) => [i, -i]);
    const bytes = new Uint8Array(
      (await import('hyparquet-writer')).parquetWriteBuffer({
        columnData: [
          { name: 'filename', data: ids },
          { name: 'vec', data: rows },
        ],
        schema: pathAndListSchema('filename', 'vec', 'DOUBLE'),
        rowGroupSize: 3,
      }),
    );
    const table = await readParquetVectors('v.parquet', bytes);
    expect(table.ids).toEqual(ids);
    expect([...table.vectors]).toEqual(rows.flat());
  });

  it('reads float columns e0..e{d-1}, including FLOAT16', async () => {
    const bytes = parquetBytes([
      { name: 'id', data: PATHS, type: 'STRING' },
      { name: 'e0', data: ROWS.map((row) => row[0]), type: 'DOUBLE' },
      { name: 'e1', data: ROWS.map((row) => row[1]), type: 'FLOAT' },
      { name: 'e2', data: ROWS.map((row) => row[2]), type: 'FLOAT16' },
    ]);
    const table = await readParquetVectors('v.parquet', bytes);
    expect(table.ids).toEqual(PATHS);
    expect([...table.vectors]).toEqual(ROWS.flat());
  });

  it('rejects rows of different lengths', async () => {
    const bytes = parquetBytes(
      [
        { name: 'path', data: ['p.jpg', 'q.jpg'] },
        { name: 'embedding', data: [[1, 2], [3]] },
      ],
      pathAndListSchema('path', 'embedding', 'FLOAT'),
    );
    const error = await rejection(readParquetVectors('v.parquet', bytes));
    expect(error).toMatchObject({ field: 'vector of "q.jpg" (row 1)', value: '1 values' });
  });

  it('rejects an integer e-column and a missing id column by name', async () => {
    const ints = parquetBytes([
      { name: 'path', data: ['p.jpg'], type: 'STRING' },
      { name: 'e0', data: [1], type: 'INT32' },
    ]);
    expect(await rejection(readParquetVectors('v.parquet', ints))).toMatchObject({
      field: 'e0',
      value: 'INT32',
      expected: 'a float column',
    });

    const bytes = parquetBytes(
      [
        { name: 'path', data: ['p.jpg'] },
        { name: 'embedding', data: [[1]] },
      ],
      pathAndListSchema('path', 'embedding', 'FLOAT'),
    );
    const missing = await rejection(readParquetVectors('v.parquet', bytes, { idColumn: 'image_id' }));
    expect(missing).toMatchObject({ field: 'columns', expected: 'a column named "image_id"' });
  });

  it('wraps bytes that are not Parquet in a DataError naming the file', async () => {
    const error = await rejection(
      readParquetVectors('junk.parquet', new TextEncoder().encode('PAR1 nothing PAR1')),
    );
    expect(error.file).toBe('junk.parquet');
    expect(error.expected).toMatch(/Parquet file/);
  });
});
