/**
 * Importing embeddings computed elsewhere (a batch job on a GPU machine), for datasets too big to
 * embed in a browser: one entry point that reads any supported file into unit-length rows keyed by
 * image path, and the helpers around it (which dropped files are which, the model identity).
 */
import { DataError } from '../errors';
import { extensionOf } from '../imagePaths';
import type { VectorColumnOptions } from './columns';
import { parseIdList } from './ids';
import { parseNpy } from './npy';
import { readArrowVectors, readParquetVectors } from './table';
import { checkFinite, checkIdCount, checkUniqueIds, normalizeRows } from './validate';

export type { VectorColumnOptions } from './columns';

/** Extensions (lower case, no dot) of files that hold vectors. */
export const VECTOR_FILE_EXTENSIONS: readonly string[] = [
  'npy',
  'parquet',
  'arrow',
  'feather',
  'ipc',
  'arrows',
];

/** Extensions of the id list that goes with a `.npy` matrix. */
export const ID_LIST_EXTENSIONS: readonly string[] = ['txt', 'json'];

/** The `accept` attribute for a file input taking a vector file and its id list. */
export const VECTOR_IMPORT_ACCEPT = [...VECTOR_FILE_EXTENSIONS, ...ID_LIST_EXTENSIONS]
  .map((ext) => `.${ext}`)
  .join(',');

/** The one file of rows that travels beside a bare matrix. */
export interface Companion {
  name: string;
  bytes: Uint8Array;
}

/** Imported embeddings: row `r` of `vectors` (length `ids.length × dim`) belongs to image path `ids[r]`. */
export interface ImportedVectors {
  ids: string[];
  dim: number;
  /** Row-major and unit length (L2-normalised here). */
  vectors: Float32Array;
  /** True when some row was not unit length in the file, so the import rescaled it. */
  normalized: boolean;
}

/**
 * Reads the vector file `name` (`.npy` with `companion`, an id list, or a Parquet or Arrow table)
 * and checks it: one id per row, each id once, finite values, no all-zero row. Every row comes back
 * scaled to unit length, since search ranks by cosine similarity.
 */
export async function readVectorFile(
  name: string,
  bytes: Uint8Array,
  companion?: Companion,
  options: VectorColumnOptions = {},
): Promise<ImportedVectors> {
  const { ids, dim, vectors } = await readRows(name, bytes, companion, options);

  if (ids.length === 0) throw new DataError({ file: name, expected: 'at least one vector' });
  checkUniqueIds(companion && extensionOf(name) === 'npy' ? companion.name : name, ids);
  checkFinite(name, ids, vectors, dim);
  const normalized = normalizeRows(name, ids, vectors, dim);
  return { ids, dim, vectors, normalized };
}

async function readRows(
  name: string,
  bytes: Uint8Array,
  companion: Companion | undefined,
  options: VectorColumnOptions,
): Promise<{ ids: string[]; dim: number; vectors: Float32Array }> {
  const extension = extensionOf(name);
  if (extension === 'parquet') return readParquetVectors(name, bytes, options);
  if (extension !== 'npy') {
    if (VECTOR_FILE_EXTENSIONS.includes(extension)) return readArrowVectors(name, bytes, options);
    throw new DataError({
      file: name,
      expected: `a vector file (${VECTOR_FILE_EXTENSIONS.map((ext) => `.${ext}`).join(', ')})`,
    });
  }

  // A bare matrix has no ids of its own: they come from the companion list, row for row.
  if (!companion)
    throw new DataError({
      file: name,
      expected: 'an id list beside it (ids.txt with one image path per line, or ids.json), in row order',
    });
  const matrix = parseNpy(name, bytes);
  const ids = parseIdList(companion.name, new TextDecoder().decode(companion.bytes));
  checkIdCount(companion.name, ids, name, matrix.rows);
  return { ids, dim: matrix.dim, vectors: matrix.vectors };
}

/**
 * Sorts files the user picked into the vector file and, for a `.npy`, its id list. Returns the
 * positions in `names`; throws when there is no vector file, more than one, or a file of another kind.
 */
export function pickVectorFiles(names: readonly string[]): { vectors: number; companion: number | null } {
  const vectorFiles: number[] = [];
  const idLists: number[] = [];
  names.forEach((name, index) => {
    const extension = extensionOf(name);
    if (VECTOR_FILE_EXTENSIONS.includes(extension)) vectorFiles.push(index);
    else if (ID_LIST_EXTENSIONS.includes(extension)) idLists.push(index);
    else
      throw new DataError({
        file: name,
        expected: `a vector file (${VECTOR_IMPORT_ACCEPT.replaceAll(',', ', ')}) or its id list`,
      });
  });

  const files = names.join(', ') || '(no file)';
  if (vectorFiles.length !== 1)
    throw new DataError({
      file: files,
      expected: `one vector file at a time (.npy, .parquet, .arrow, .feather), got ${vectorFiles.length}`,
    });
  const vectors = vectorFiles[0];
  if (extensionOf(names[vectors]) !== 'npy' || idLists.length === 0) return { vectors, companion: null };

  // With several lists, the one named like the matrix (vectors.npy → vectors.txt) is meant.
  if (idLists.length === 1) return { vectors, companion: idLists[0] };
  const stem = (name: string) => name.slice(0, name.lastIndexOf('.'));
  const sameStem = idLists.filter((index) => stem(names[index]) === stem(names[vectors]));
  if (sameStem.length === 1) return { vectors, companion: sameStem[0] };
  throw new DataError({ file: files, expected: 'one id list (.txt or .json) for the .npy file' });
}

/**
 * The model identity imported vectors are stored under: `imported:<file name>@<12 hex digits of the
 * file's SHA-256>`, so a changed file is a new model and never mixes with the old one's vectors.
 */
export async function importedModelIdentity(name: string, bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  const hex = [...digest.subarray(0, 6)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `imported:${name}@${hex}`;
}
