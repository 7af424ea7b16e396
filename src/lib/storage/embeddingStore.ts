import { openDatabase, type EmbeddingChunk, type LongtailDatabase } from './db';

/** Rows per IndexedDB record: big enough to keep the record count low, small enough to write often. */
export const CHUNK_ROWS = 256;

/** Embeddings of one folder under one model, as one matrix with a row per path. */
export interface EmbeddingMatrix {
  dim: number;
  paths: string[];
  vectors: Float32Array;
}

/**
 * Durable store of embedding vectors, keyed by (folder, model identity, image path, file fingerprint),
 * so switching models never mixes vectors and a changed file is embedded again.
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
    const vectors = new Float32Array(paths.length * dim);
    paths.forEach((path, i) => vectors.set(rows.get(path)!, i * dim));
    return { dim, paths, vectors };
  }

  /** Appends rows as new chunks after the ones already stored. */
  async append(
    folder: string,
    model: string,
    batch: { dim: number; paths: string[]; fingerprints: string[]; vectors: Float32Array },
  ): Promise<void> {
    // Numbering and writing share one transaction, so overlapping appends cannot claim the same chunk.
    const tx = this.db.transaction('embeddings', 'readwrite');
    const existing = await tx.store.index('byFolderModel').getAllKeys([folder, model]);
    let next = existing.reduce((max, key) => Math.max(max, key[2] + 1), 0);
    for (let start = 0; start < batch.paths.length; start += CHUNK_ROWS) {
      const end = Math.min(start + CHUNK_ROWS, batch.paths.length);
      const chunk: EmbeddingChunk = {
        folder,
        model,
        chunk: next++,
        dim: batch.dim,
        paths: batch.paths.slice(start, end),
        fingerprints: batch.fingerprints.slice(start, end),
        vectors: batch.vectors.slice(start * batch.dim, end * batch.dim),
      };
      await tx.store.put(chunk);
    }
    await tx.done;
  }

  /** Drops every vector of the folder and model (e.g. to recompute after a model change). */
  async clear(folder: string, model: string): Promise<void> {
    const tx = this.db.transaction('embeddings', 'readwrite');
    const keys = await tx.store.index('byFolderModel').getAllKeys([folder, model]);
    await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  }
}
