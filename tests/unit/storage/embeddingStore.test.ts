import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, resetDatabaseConnection, SCHEMA_VERSION } from '../../../src/lib/storage/db';
import {
  batchBytes,
  CHUNK_ROWS,
  EmbeddingStore,
  objectKey,
  StorageQuotaError,
  type ObjectNow,
} from '../../../src/lib/storage/embeddingStore';

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
  vi.restoreAllMocks();
  (await openDatabase()).close();
  resetDatabaseConnection();
});

describe('openDatabase', () => {
  // Later versions add stores of their own (see dbMigration.test.ts); these are the embedding store's.
  it('creates the folders, embeddings and object embeddings stores', async () => {
    const db = await openDatabase();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.objectStoreNames]).toEqual(
      expect.arrayContaining(['embeddings', 'folders', 'objectEmbeddings']),
    );
  });

  it('migrates a version 1 database, keeping its image embeddings', async () => {
    // Version 1 as it shipped: folders, and embeddings keyed [folder, model, chunk] with one index.
    const old = await openDB('longtail', 1, {
      upgrade(db) {
        db.createObjectStore('folders');
        db.createObjectStore('embeddings', { keyPath: ['folder', 'model', 'chunk'] }).createIndex(
          'byFolderModel',
          ['folder', 'model'],
        );
      },
    });
    await old.put('embeddings', { folder: 'photos', model: 'clip-a', chunk: 0, ...batchOf(0, 2) });
    old.close();

    const db = await openDatabase();
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.objectStoreNames]).toEqual(
      expect.arrayContaining(['embeddings', 'folders', 'objectEmbeddings']),
    );
    const rows = rowsByPath(
      await (await EmbeddingStore.open()).load('photos', 'clip-a', fingerprintsOf(0, 2)),
    );
    expect(rows).toEqual(new Map([0, 1].map((index) => [`img-${index}.jpg`, vectorOf(index, 0)])));
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

  it('lists the models stored for one folder only, each once', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'imported:a.npy@1', batchOf(0, CHUNK_ROWS + 1));
    await store.append('photos', 'clip-b', batchOf(0, 1));
    await store.append('photos-2', 'clip-c', batchOf(0, 1));
    await store.append('photo', 'clip-d', batchOf(0, 1));
    expect(await store.models('photos')).toEqual(['clip-b', 'imported:a.npy@1']);
    expect(await store.models('nothing here')).toEqual([]);
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

/** Box-crop rows: object i is box i of `source` on `img-<i % 3>.jpg`, at [i, i, 10, 10]. */
function objectBatchOf(first: number, count: number, source = 'gt', run = 0) {
  const indices = Array.from({ length: count }, (_, i) => first + i);
  const paths = indices.map((index) => `img-${index % 3}.jpg`);
  return {
    dim: DIM,
    paths,
    fingerprints: indices.map((index) => `${index % 3}:1000`),
    sources: indices.map(() => source),
    boxIndices: Int32Array.from(indices),
    boxes: Float32Array.from(indices.flatMap((index) => [index, index, 10, 10])),
    vectors: Float32Array.from(indices.flatMap((index) => vectorOf(index, run))),
  };
}

/** Where objects `first`... are now, as the state passes them to `loadObjects`. */
function objectsNow(first: number, count: number, source = 'gt'): Map<string, ObjectNow> {
  return new Map(
    Array.from({ length: count }, (_, i) => {
      const index = first + i;
      return [
        objectKey(source, index),
        { path: `img-${index % 3}.jpg`, box: [index, index, 10, 10] as const },
      ];
    }),
  );
}

function rowsByKey(matrix: { dim: number; keys: string[]; vectors: Float32Array } | null) {
  const rows = new Map<string, number[]>();
  matrix?.keys.forEach((key, row) => rows.set(key, [...matrix.vectors.subarray(row * DIM, (row + 1) * DIM)]));
  return rows;
}

describe('EmbeddingStore object embeddings', () => {
  it('stores box-crop rows in chunks and loads them by source and box index', async () => {
    const store = await EmbeddingStore.open();
    await store.appendObjects('photos', 'clip-a#margin=0.1', objectBatchOf(0, 300));
    await store.appendObjects('photos', 'clip-a#margin=0.1', objectBatchOf(0, 2, 'yolo', 5));

    const keys = await (await openDatabase()).getAllKeys('objectEmbeddings');
    expect(keys).toEqual([
      ['photos', 'clip-a#margin=0.1', 0],
      ['photos', 'clip-a#margin=0.1', 1],
      ['photos', 'clip-a#margin=0.1', 2],
    ]);
    const now = new Map([...objectsNow(0, 300), ...objectsNow(0, 2, 'yolo')]);
    const rows = rowsByKey(await store.loadObjects('photos', 'clip-a#margin=0.1', fingerprintsOf(0, 3), now));
    expect(rows.size).toBe(302);
    expect(rows.get(objectKey('gt', 299))).toEqual(vectorOf(299, 0));
    expect(rows.get(objectKey('yolo', 1))).toEqual(vectorOf(1, 5));
    expect(await store.load('photos', 'clip-a#margin=0.1', fingerprintsOf(0, 3))).toBeNull();
  });

  it('drops rows whose image changed, whose box moved, or whose box is gone', async () => {
    const store = await EmbeddingStore.open();
    await store.appendObjects('photos', 'clip-a', objectBatchOf(0, 6));

    const fingerprints = fingerprintsOf(0, 3);
    fingerprints.set('img-2.jpg', '2:2000'); // objects 2 and 5
    const now = objectsNow(0, 6);
    now.set(objectKey('gt', 0), { path: 'img-0.jpg', box: [0, 0, 10, 11] });
    now.set(objectKey('gt', 1), { path: 'img-2.jpg', box: [1, 1, 10, 10] });
    now.delete(objectKey('gt', 3));

    const rows = rowsByKey(await store.loadObjects('photos', 'clip-a', fingerprints, now));
    expect([...rows.keys()]).toEqual([objectKey('gt', 4)]);
  });

  it('matches boxes as float32, as they were stored', async () => {
    const store = await EmbeddingStore.open();
    const batch = objectBatchOf(0, 1);
    batch.boxes = Float32Array.of(0.1, 0.2, 10.3, 10.4);
    await store.appendObjects('photos', 'clip-a', batch);
    const now = new Map([[objectKey('gt', 0), { path: 'img-0.jpg', box: [0.1, 0.2, 10.3, 10.4] as const }]]);
    expect(rowsByKey(await store.loadObjects('photos', 'clip-a', fingerprintsOf(0, 1), now)).size).toBe(1);
  });

  it('clears object rows apart from image rows', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 2));
    await store.appendObjects('photos', 'clip-a', objectBatchOf(0, 2));
    await store.clear('photos', 'clip-a', 'objectEmbeddings');
    expect(await store.loadObjects('photos', 'clip-a', fingerprintsOf(0, 3), objectsNow(0, 2))).toBeNull();
    expect(rowsByPath(await store.load('photos', 'clip-a', fingerprintsOf(0, 2))).size).toBe(2);
  });
});

describe('EmbeddingStore when storage is full', () => {
  it('throws a StorageQuotaError with the bytes needed, and keeps no chunk of the failed batch', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 2));

    // The second chunk of the next batch hits the quota, as a full disk makes a put fail.
    const put = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (++calls === 2) throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
      return put.apply(this, args);
    });
    const batch = batchOf(100, CHUNK_ROWS + 10);
    const failure = await store.append('photos', 'clip-a', batch).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageQuotaError);
    expect((failure as StorageQuotaError).bytes).toBe(batchBytes(batch));
    expect((failure as StorageQuotaError).cause).toMatchObject({ name: 'QuotaExceededError' });
    vi.restoreAllMocks();
    expect(await (await openDatabase()).getAllKeys('embeddings')).toEqual([['photos', 'clip-a', 0]]);
  });

  it('counts a batch as its floats plus its strings in UTF-16', () => {
    const batch = batchOf(0, 2);
    // 2 rows x 3 floats x 4 bytes, plus "img-0.jpg" "0:1000" "img-1.jpg" "1:1000" (30 characters) x 2.
    expect(batchBytes(batch)).toBe(24 + 60);
  });

  it('sums what each folder and model holds, largest first', async () => {
    const store = await EmbeddingStore.open();
    await store.append('photos', 'clip-a', batchOf(0, 2));
    await store.append('scans', 'clip-b', batchOf(0, 10));
    await store.appendObjects('photos', 'clip-a', objectBatchOf(0, 1));
    const summary = await store.summary();
    expect(summary.map((set) => [set.store, set.folder, set.model, set.rows])).toEqual([
      ['embeddings', 'scans', 'clip-b', 10],
      ['embeddings', 'photos', 'clip-a', 2],
      ['objectEmbeddings', 'photos', 'clip-a', 1],
    ]);
    expect(summary[1].bytes).toBe(batchBytes(batchOf(0, 2)));
  });
});
