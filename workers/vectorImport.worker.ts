/**
 * Reading an imported embedding file off the main thread: decoding a Parquet file of 100k rows takes
 * seconds and would freeze the page. The worker reads the picked files itself (File objects clone
 * cheaply), hashes the vector file for its model identity, and hands back the matrix as a transfer.
 */
import * as Comlink from 'comlink';
import { DataError, toProblemRecord, type ProblemRecord } from '../src/lib/core/errors';
import {
  importedModelIdentity,
  readVectorFile,
  type ImportedVectors,
  type VectorColumnOptions,
} from '../src/lib/core/vectors/importVectors';

/** The vectors with the identity they are stored under, or the problem that stopped the import. */
export type VectorReadResult =
  ({ kind: 'vectors'; identity: string } & ImportedVectors) | { kind: 'problem'; problem: ProblemRecord };

const api = {
  /** Reads `file` (and, for a `.npy`, the id list `companion`); DataErrors come back as a problem record. */
  async read(
    file: File,
    companion: File | null,
    options: VectorColumnOptions = {},
  ): Promise<VectorReadResult> {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const identity = await importedModelIdentity(file.name, bytes);
      const ids = companion
        ? { name: companion.name, bytes: new Uint8Array(await companion.arrayBuffer()) }
        : undefined;
      const result = await readVectorFile(file.name, bytes, ids, options);
      return Comlink.transfer({ kind: 'vectors', identity, ...result }, [result.vectors.buffer]);
    } catch (error) {
      // Comlink keeps only an Error's message; a problem record keeps the file, field and expectation.
      if (error instanceof DataError) return { kind: 'problem', problem: toProblemRecord(error) };
      throw error;
    }
  },
};

export type VectorImportWorkerApi = typeof api;
Comlink.expose(api);
