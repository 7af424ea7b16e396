import {
  openDatabase,
  type ChunkStoreName,
  type EmbeddingChunk,
  type LongtailDatabase,
  type ObjectEmbeddingChunk,
} from './db';

/** Rows per IndexedDB record: big enough to keep the record count low, small enough to write often. */
export const CHUNK_ROWS = 256;

/** Embeddings of one folder under one model, as one matrix with a row per path. */
export interface EmbeddingMatrix {
  dim: number;
  paths: string[];
  vectors: Float32Array;
}

/** Rows to append: `vectors` holds `paths.length` rows of `dim` floats. */
export interface EmbeddingBatch {
  dim: number;
  paths: string[];
  fingerprints: string[];
  vectors: Float32Array;
}

/** Box-crop rows to append: row i embeds box `boxIndices[i]` of `sources[i]`, cropped from `boxes[4i..]`. */
export interface ObjectEmbeddingBatch extends EmbeddingBatch {
  sources: string[];
  boxIndices: Int32Array;
  boxes: Float32Array;
}

/** Where a box is now, to check a stored vector against: its image and pixel xywh. */
export interface ObjectNow {
  path: string;
  box: readonly [number, number, number, number];
}

/** Box-crop embeddings as one matrix: row i embeds the object `keys[i]` (see `objectKey`). */
export interface ObjectEmbeddingMatrix {
  dim: number;
  keys: string[];
  vectors: Float32Array;
}

/** What one folder and model hold in one store. */
export interface StoredSet {
  store: ChunkStoreName;
  folder: string;
  model: string;
  rows: number;
  bytes: number;
}

/**
 * The browser refused a write for lack of space. Nothing of the write was kept (it ran in one
 * transaction); `bytes` is about what it needed.
 */
export class StorageQuotaError extends Error {
  readonly bytes: number;

  /** `message` replaces the default one, e.g. with advice on what to free (see `describeQuotaShortfall`). */
  constructor(bytes: number, options?: { cause?: unknown; message?: string }) {
    super(
      options?.message ?? `storage quota exceeded: the browser refused to store ${bytes} more bytes`,
      options,
    );
    this.name = 'StorageQuotaError';
    this.bytes = bytes;
  }
}

/** The key of a box in an object matrix: its source ('gt' or a run's name) and its index there. */
export function objectKey(source: string, index: number): string {
  return `${source}\u0000${index}`;
}

/** About how many bytes a batch takes in IndexedDB: its floats plus its strings (UTF-16). */
export function batchBytes(batch: EmbeddingBatch): number {
  let strings = 0;
  for (let i = 0; i < batch.paths.length; i++)
    strings += batch.paths[i].length + batch.fingerprints[i].length;
  return batch.vectors.byteLength + 2 * strings;
}

/**
 * Durable store of embedding vectors. Image rows are keyed by (folder, model identity, image path,
 * file fingerprint); box-crop rows add the box's source and index, and are checked against where the
 * box is now. So switching models never mixes vectors, and a changed file or box is embedded again.
 */
export class EmbeddingStore {
  private constructor(private readonly db: LongtailDatabase) {}

  static async open(): Promise<EmbeddingStore> {
    return new EmbeddingStore(await openDatabase());
  }

  /** Every stored vector of the folder and model whose fingerprint still matches the file. */
  async load(
    folder: string,
    model: string,
    fingerprints: Map<string, string>,
  ): Promise<EmbeddingMatrix | null> {
    const chunks = await this.db.getAllFromIndex('embeddings', 'byFolderModel', [folder, model]);
    if (chunks.length === 0) return null;

    // Later chunks win: a file embedded again after it changed appears in a newer chunk.
    const dim = chunks[0].dim;
    const rows = new Map<string, Float32Array>();
    for (const chunk of chunks) {
      chunk.paths.forEach((path, row) => {
        if (fingerprints.get(path) !== chunk.fingerprints[row]) return;
        rows.set(path, chunk.vectors.subarray(row * dim, (row + 1) * dim));
      });
    }

    const paths = [...rows.keys()];
    return {
      dim,
      paths,
      vectors: stack(
        paths.map((path) => rows.get(path)!),
        dim,
      ),
    };
  }

  /**
   * Every stored box-crop vector of the folder and model whose image fingerprint still matches and
   * whose box (as float32) is still where it was cropped from.
   * @param objects where each box is now, by `objectKey`
   */
  async loadObjects(
    folder: string,
    model: string,
    fingerprints: Map<string, string>,
    objects: Map<string, ObjectNow>,
  ): Promise<ObjectEmbeddingMatrix | null> {
    const chunks = await this.db.getAllFromIndex('objectEmbeddings', 'byFolderModel', [folder, model]);
    if (chunks.length === 0) return null;

    const dim = chunks[0].dim;
    const rows = new Map<string, Float32Array>();
    for (const chunk of chunks) {
      chunk.paths.forEach((path, row) => {
        const key = objectKey(chunk.sources[row], chunk.boxIndices[row]);
        const now = objects.get(key);
        if (!now || now.path !== path || fingerprints.get(path) !== chunk.fingerprints[row]) return;
        if (!now.box.every((value, i) => Math.fround(value) === chunk.boxes[row * 4 + i])) return;
        rows.set(key, chunk.vectors.subarray(row * dim, (row + 1) * dim));
      });
    }

    const keys = [...rows.keys()];
    return {
      dim,
      keys,
      vectors: stack(
        keys.map((key) => rows.get(key)!),
        dim,
      ),
    };
  }

  /**
   * Appends rows as new chunks after the ones already stored, all in one transaction: it lands
   * whole or not at all.
   * @throws {StorageQuotaError} when the browser is out of space for it
   */
  async append(folder: string, model: string, batch: EmbeddingBatch): Promise<void> {
    await this.write('embeddings', folder, model, batch, (start, end) =>
      chunkOf(folder, model, batch, start, end),
    );
  }

  /** Appends box-crop rows, like `append`. @throws {StorageQuotaError} */
  async appendObjects(folder: string, model: string, batch: ObjectEmbeddingBatch): Promise<void> {
    await this.write('objectEmbeddings', folder, model, batch, (start, end) => ({
      ...chunkOf(folder, model, batch, start, end),
      sources: batch.sources.slice(start, end),
      boxIndices: batch.boxIndices.slice(start, end),
      boxes: batch.boxes.slice(start * 4, end * 4),
    }));
  }

  /** Drops every vector of the folder and model (e.g. to recompute after a model change). */
  async clear(folder: string, model: string, store: ChunkStoreName = 'embeddings'): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite');
    const keys = await tx.store.index('byFolderModel').getAllKeys([folder, model]);
    await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  }

  /** The model identities with image rows stored for a folder, in key order. */
  async models(folder: string): Promise<string[]> {
    const range = IDBKeyRange.bound([folder, ''], [folder, '\uffff']);
    const keys = await this.db.getAllKeysFromIndex('embeddings', 'byFolderModel', range);
    return [...new Set(keys.map((key) => key[1]))];
  }

  /** What is stored, per store, folder and model, largest first: to tell a user what to clear. */
  async summary(): Promise<StoredSet[]> {
    const sets = new Map<string, StoredSet>();
    for (const store of ['embeddings', 'objectEmbeddings'] as const) {
      let cursor = await this.db.transaction(store).store.openCursor();
      while (cursor) {
        const chunk = cursor.value;
        const id = `${store}\u0000${chunk.folder}\u0000${chunk.model}`;
        const set = sets.get(id) ?? { store, folder: chunk.folder, model: chunk.model, rows: 0, bytes: 0 };
        set.rows += chunk.paths.length;
        set.bytes += batchBytes(chunk);
        sets.set(id, set);
        cursor = await cursor.continue();
      }
    }
    return [...sets.values()].sort((a, b) => b.bytes - a.bytes);
  }

  /** Numbers and writes a batch's chunks in one transaction; aborts it whole on any failure. */
  private async write(
    store: ChunkStoreName,
    folder: string,
    model: string,
    batch: EmbeddingBatch,
    chunk: (start: number, end: number) => EmbeddingChunk | ObjectEmbeddingChunk,
  ): Promise<void> {
    if (batch.paths.length === 0) return;
    const tx = this.db.transaction(store, 'readwrite');
    const done = tx.done;
    try {
      // Numbering and writing share the transaction, so overlapping appends cannot claim the same chunk.
      const existing = await tx.store.index('byFolderModel').getAllKeys([folder, model]);
      let next = existing.reduce((max, key) => Math.max(max, key[2] + 1), 0);
      for (let start = 0; start < batch.paths.length; start += CHUNK_ROWS) {
        const value = { ...chunk(start, Math.min(start + CHUNK_ROWS, batch.paths.length)), chunk: next++ };
        await tx.store.put(value as ObjectEmbeddingChunk);
      }
      await done;
    } catch (error) {
      // A failed put does not end the transaction by itself: abort, so no earlier chunk commits.
      try {
        tx.abort();
      } catch {
        // Already finished (a quota failure aborts it for us).
      }
      await done.catch(() => undefined);
      throw isQuotaError(error) ? new StorageQuotaError(batchBytes(batch), { cause: error }) : error;
    }
  }
}

function chunkOf(
  folder: string,
  model: string,
  batch: EmbeddingBatch,
  start: number,
  end: number,
): EmbeddingChunk {
  return {
    folder,
    model,
    chunk: 0,
    dim: batch.dim,
    paths: batch.paths.slice(start, end),
    fingerprints: batch.fingerprints.slice(start, end),
    vectors: batch.vectors.slice(start * batch.dim, end * batch.dim),
  };
}

function stack(rows: Float32Array[], dim: number): Float32Array {
  const matrix = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => matrix.set(row, i * dim));
  return matrix;
}

/** IndexedDB reports a full disk or quota as a DOMException named QuotaExceededError. */
function isQuotaError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'QuotaExceededError'
  );
}
