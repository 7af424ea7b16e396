import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, resetDatabaseConnection, SCHEMA_VERSION } from '../../../src/lib/storage/db';
import { CHUNK_ROWS, EmbeddingStore } from '../../../src/lib/storage/embeddingStore';

const DIM = 3;

/** The vector stored for a path in these tests: its number, a tag for the run that computed it, and a sign. */
function vectorOf(index: number, run: number): number[] {
  return [index, run, -index];
}

/** A batch of `count` paths `img-<first>.jpg`...; fingerprint `<size>:<lastModified>` with size = index. */
function batchOf(first: number, count: number, run = 0, lastModified = 1000) {
  const indices = Array.from({ length: count }, (_, i) => first + i);
  return {
    dim: DIM,
    paths: indices.map((index) => `img-${index}.jpg`),
    fingerprints: indices.map((index) => `${index}:${lastModified}`),
    vectors: Float32Array.from(indices.flatMap((index) => vectorOf(index, run))),
  };
}

/** Fingerprints of paths `img-<first>.jpg`... as `load` receives them from the folder listing. */
function fingerprintsOf(first: number, count: number, lastModified = 1000): Map<string, string> {
  return new Map(
    Array.from(
      { length: count },
      (_, i) => [`img-${first + i}.jpg`, `${first + i}:${lastModified}`] as const,
    ),
  );
}

/** The loaded matrix as path → row, so tests compare rows without depending on row order. */
function rowsByPath(
  matrix: { dim: number; paths: string[]; vectors: Float32Array } | null,
): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  matrix?.paths.forEach((path, row) =>
    rows.set(path, [...matrix.vectors.subarray(row * DIM, (row + 1) * DIM)]),
  );
  return rows;
}

beforeEach(() => {
  // A fresh, empty IndexedDB for every test; the cached connection belongs to the old one.
  globalThis.indexedDB = new IDBFactory() as unknown as typeof globalThis.indexedDB;
  resetDatabaseConnection();
});

afterEach(async () => {
  (await openDatabase()).close();
  resetDatabaseConnection();
});

describe('openDatabase', () => {
  it('creates the folders and embeddings stores at the current schema version', async () => {
    const db = await openDatabase();
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['embeddings', 'folders']);
  });

  it('opens once and hands every caller the same connection', async () => {
    expect(await openDatabase()).toBe(await openDatabase());
  });
});

describe('EmbeddingStore', () => {
  it('splits appended rows into chunks of CHUNK_ROWS, numbered after the chunks already stored', async () => {
    expect(CHUNK_ROWS).toBe(256);
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 300));
    await store.append('photos', 'clip-a', batchOf(300, 100));
    await store.append('photos', 'clip-a', batchOf(400, 513));

    const chunks = await (await openDatabase()).getAll('embeddings');
    expect(chunks.map((chunk) => [chunk.folder, chunk.model, chunk.chunk, chunk.paths.length])).toEqual([
      ['photos', 'clip-a', 0, 256],
      ['photos', 'clip-a', 1, 44],
      ['photos', 'clip-a', 2, 100],
      ['photos', 'clip-a', 3, 256],
      ['photos', 'clip-a', 4, 256],
      ['photos', 'clip-a', 5, 1],
    ]);
    expect(chunks[1].paths[0]).toBe('img-256.jpg');
    expect(chunks[1].fingerprints[0]).toBe('256:1000');
    expect([...chunks[1].vectors.subarray(0, DIM)]).toEqual([256, 0, -256]);
    expect(chunks[5].paths).toEqual(['img-912.jpg']);
  });

  it('loads every appended row, each with its own vector', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 300));
    await store.append('photos', 'clip-a', batchOf(300, 100));
    await store.append('photos', 'clip-a', batchOf(400, 300));

    const matrix = await store.load('photos', 'clip-a', fingerprintsOf(0, 700));
    expect(matrix?.dim).toBe(DIM);
    expect(matrix?.vectors.length).toBe(700 * DIM);
    expect(rowsByPath(matrix)).toEqual(
      new Map(Array.from({ length: 700 }, (_, index) => [`img-${index}.jpg`, vectorOf(index, 0)])),
    );
  });

  it('drops the rows of files that changed, and of files no longer in the folder', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 260));

    const fingerprints = fingerprintsOf(0, 260);
    fingerprints.set('img-3.jpg', '3:2000');
    fingerprints.set('img-257.jpg', '999:1000');
    fingerprints.delete('img-10.jpg');

    const rows = rowsByPath(await store.load('photos', 'clip-a', fingerprints));
    expect(rows.size).toBe(257);
    expect(rows.has('img-3.jpg')).toBe(false);
    expect(rows.has('img-257.jpg')).toBe(false);
    expect(rows.has('img-10.jpg')).toBe(false);
    expect(rows.get('img-256.jpg')).toEqual(vectorOf(256, 0));
  });

  it('returns an empty matrix when rows are stored but none still matches', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 4));
    const matrix = await store.load('photos', 'clip-a', fingerprintsOf(0, 4, 5000));
    expect(matrix).toEqual({ dim: DIM, paths: [], vectors: new Float32Array(0) });
  });

  it('uses the later chunk for a path embedded again after its file changed', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 5, 1, 1000));
    await store.append('photos', 'clip-a', batchOf(2, 1, 2, 2000));

    const fingerprints = fingerprintsOf(0, 5);
    fingerprints.set('img-2.jpg', '2:2000');
    const rows = rowsByPath(await store.load('photos', 'clip-a', fingerprints));
    expect(rows.size).toBe(5);
    expect(rows.get('img-2.jpg')).toEqual(vectorOf(2, 2));
    expect(rows.get('img-1.jpg')).toEqual(vectorOf(1, 1));
  });

  it('uses the later chunk when the same file was embedded twice, even past chunk 9', async () => {
    const store = await EmbeddingStore.open();
    // Twelve one-row chunks: img-7 is embedded in chunk 2 (run 1) and again in chunk 11 (run 2).
    for (let chunk = 0; chunk < 12; chunk++) {
      const index = chunk === 2 || chunk === 11 ? 7 : 100 + chunk;
      await store.append('photos', 'clip-a', batchOf(index, 1, chunk === 11 ? 2 : 1));
    }
    const fingerprints = new Map([['img-7.jpg', '7:1000']]);
    const matrix = await store.load('photos', 'clip-a', fingerprints);
    expect(matrix?.paths).toEqual(['img-7.jpg']);
    expect([...(matrix?.vectors ?? [])]).toEqual(vectorOf(7, 2));
  });

  it('falls back to an earlier chunk whose fingerprint matches when a later one does not', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(4, 1, 1, 1000));
    await store.append('photos', 'clip-a', batchOf(4, 1, 2, 2000));
    const rows = rowsByPath(await store.load('photos', 'clip-a', new Map([['img-4.jpg', '4:1000']])));
    expect(rows).toEqual(new Map([['img-4.jpg', vectorOf(4, 1)]]));
  });

  it('never mixes vectors of different models or different folders', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 3, 1));
    await store.append('photos', 'clip-b', batchOf(0, 3, 2));
    await store.append('scans', 'clip-a', batchOf(1, 3, 3));
    const fingerprints = fingerprintsOf(0, 4);

    expect(rowsByPath(await store.load('photos', 'clip-a', fingerprints))).toEqual(
      new Map([0, 1, 2].map((index) => [`img-${index}.jpg`, vectorOf(index, 1)])),
    );
    expect(rowsByPath(await store.load('photos', 'clip-b', fingerprints))).toEqual(
      new Map([0, 1, 2].map((index) => [`img-${index}.jpg`, vectorOf(index, 2)])),
    );
    expect(rowsByPath(await store.load('scans', 'clip-a', fingerprints))).toEqual(
      new Map([1, 2, 3].map((index) => [`img-${index}.jpg`, vectorOf(index, 3)])),
    );
    expect(await store.load('scans', 'clip-b', fingerprints)).toBeNull();
    expect(await store.load('photo', 'clip-a', fingerprints)).toBeNull();
  });

  it('numbers chunks per folder and model', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 300));
    await store.append('photos', 'clip-b', batchOf(0, 1));
    const keys = await (await openDatabase()).getAllKeys('embeddings');
    expect(keys).toEqual([
      ['photos', 'clip-a', 0],
      ['photos', 'clip-a', 1],
      ['photos', 'clip-b', 0],
    ]);
  });

  it('writes nothing for an empty batch', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', {
      dim: DIM,
      paths: [],
      fingerprints: [],
      vectors: new Float32Array(0),
    });
    expect(await store.load('photos', 'clip-a', new Map())).toBeNull();
  });

  it('clears only the given folder and model', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 300, 1));
    await store.append('photos', 'clip-b', batchOf(0, 2, 2));
    await store.append('scans', 'clip-a', batchOf(0, 2, 3));
    const fingerprints = fingerprintsOf(0, 300);

    await store.clear('photos', 'clip-a');

    expect(await store.load('photos', 'clip-a', fingerprints)).toBeNull();
    expect(rowsByPath(await store.load('photos', 'clip-b', fingerprints)).get('img-1.jpg')).toEqual(
      vectorOf(1, 2),
    );
    expect(rowsByPath(await store.load('scans', 'clip-a', fingerprints)).get('img-1.jpg')).toEqual(
      vectorOf(1, 3),
    );
    const keys = await (await openDatabase()).getAllKeys('embeddings');
    expect(keys).toEqual([
      ['photos', 'clip-b', 0],
      ['scans', 'clip-a', 0],
    ]);
  });

  it('stores again after a clear', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 2, 1));
    await store.clear('photos', 'clip-a');
    await store.append('photos', 'clip-a', batchOf(0, 2, 2));
    expect(rowsByPath(await store.load('photos', 'clip-a', fingerprintsOf(0, 2)))).toEqual(
      new Map([0, 1].map((index) => [`img-${index}.jpg`, vectorOf(index, 2)])),
    );
  });

  it('keeps every row when two appends to one folder and model overlap', async () => {
    const store = await EmbeddingStore.open();
    await Promise.all([
      store.append('photos', 'clip-a', batchOf(0, 2)),
      store.append('photos', 'clip-a', batchOf(2, 2)),
    ]);
    const rows = rowsByPath(await store.load('photos', 'clip-a', fingerprintsOf(0, 4)));
    expect([...rows.keys()].sort()).toEqual(['img-0.jpg', 'img-1.jpg', 'img-2.jpg', 'img-3.jpg']);
  });
});
