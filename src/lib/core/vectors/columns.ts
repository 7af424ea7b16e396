/**
 * Which columns of a table hold the image paths and the vectors, decided the same way for Parquet
 * and Arrow, and the row collector both readers fill.
 */
import { DataError } from '../errors';
import { describeRow } from './validate';

/** What a column can be used for, and its type as the file names it (for messages). */
export interface TableColumn {
  name: string;
  kind: 'string' | 'float' | 'float-list' | 'other';
  typeName: string;
}

/** Column names to use instead of guessing them. */
export interface VectorColumnOptions {
  /** The string column of image paths; default: the first string column with a name in `ID_COLUMN_NAMES`. */
  idColumn?: string;
  /** The list-of-floats column; default: the first one, else float columns `e0`…`e{d-1}`. */
  vectorColumn?: string;
}

/** Names (any case) taken for the id column when none is given, first match in column order. */
export const ID_COLUMN_NAMES: readonly string[] = [
  'path',
  'image',
  'file',
  'filename',
  'id',
  'image_path',
  'file_name',
  'filepath',
];

/** Where the vectors are: one column of float lists, or one float column per dimension. */
export type VectorColumns = { kind: 'list'; name: string } | { kind: 'columns'; names: string[] };

export interface ColumnChoice {
  id: string;
  vector: VectorColumns;
}

/** A matrix with the id of each row, as read from a table. */
export interface VectorTable {
  ids: string[];
  dim: number;
  vectors: Float32Array;
}

/** Picks the id column and the vector column(s) of `file`, or throws naming what was found. */
export function chooseColumns(
  file: string,
  columns: readonly TableColumn[],
  options: VectorColumnOptions = {},
): ColumnChoice {
  return {
    id: chooseIdColumn(file, columns, options.idColumn),
    vector: chooseVectors(file, columns, options),
  };
}

function chooseIdColumn(file: string, columns: readonly TableColumn[], wanted?: string): string {
  if (wanted !== undefined)
    return requireColumn(file, columns, wanted, 'string', 'a string column of image paths');

  const strings = columns.filter((column) => column.kind === 'string');
  const named = strings.find((column) => ID_COLUMN_NAMES.includes(column.name.toLowerCase()));
  if (named) return named.name;

  // A lone string column is the id whatever its name (pandas writes a string index as `__index_level_0__`).
  if (strings.length === 1) return strings[0].name;
  throw new DataError({
    file,
    field: 'columns',
    value: summarize(columns),
    expected: `a string column of image paths named ${ID_COLUMN_NAMES.slice(0, 5).join(', ')} (or pass its name)`,
  });
}

function chooseVectors(
  file: string,
  columns: readonly TableColumn[],
  options: VectorColumnOptions,
): VectorColumns {
  if (options.vectorColumn !== undefined) {
    const name = requireColumn(file, columns, options.vectorColumn, 'float-list', 'a column of float lists');
    return { kind: 'list', name };
  }

  const list = columns.find((column) => column.kind === 'float-list');
  if (list) return { kind: 'list', name: list.name };

  const perDimension = columns
    .map((column) => ({ column, index: /^e(\d+)$/.exec(column.name) }))
    .filter((entry) => entry.index !== null)
    .map(({ column, index }) => ({ column, index: Number(index![1]) }))
    .sort((a, b) => a.index - b.index);
  if (perDimension.length === 0)
    throw new DataError({
      file,
      field: 'columns',
      value: summarize(columns),
      expected: 'a vector column (FixedSizeList or List of floats) or float columns e0, e1, …',
    });

  perDimension.forEach(({ column, index }, position) => {
    if (index !== position)
      throw new DataError({
        file,
        field: 'columns',
        value: perDimension.map((entry) => entry.column.name),
        expected: `columns e0…e${perDimension.length - 1} with none missing (e${position} is missing)`,
      });
    if (column.kind !== 'float')
      throw new DataError({ file, field: column.name, value: column.typeName, expected: 'a float column' });
  });
  return { kind: 'columns', names: perDimension.map((entry) => entry.column.name) };
}

function requireColumn(
  file: string,
  columns: readonly TableColumn[],
  name: string,
  kind: TableColumn['kind'],
  expected: string,
): string {
  const column = columns.find((candidate) => candidate.name === name);
  if (!column)
    throw new DataError({
      file,
      field: 'columns',
      value: summarize(columns),
      expected: `a column named "${name}"`,
    });
  if (column.kind !== kind) throw new DataError({ file, field: name, value: column.typeName, expected });
  return name;
}

/** `path: STRING, score: DOUBLE`: the columns of a file, for messages. */
function summarize(columns: readonly TableColumn[]): string {
  return columns.map((column) => `${column.name}: ${column.typeName}`).join(', ');
}

/** A vector's values as a reader hands them over: numbers, with null or undefined for missing ones. */
export type RowValues = ArrayLike<number | null | undefined>;

/**
 * Collects rows into one matrix, checking as it goes that every row has an id and a vector, and
 * that every vector has as many values as the first.
 */
export class VectorRows {
  readonly ids: string[];
  private vectors = new Float32Array(0);
  private dim = 0;

  constructor(
    private readonly file: string,
    private readonly idColumn: string,
    private readonly rowCount: number,
  ) {
    this.ids = new Array<string>(rowCount);
  }

  /** Stores row `row`: its id (the id column's value) and its vector. */
  put(row: number, id: unknown, values: RowValues | null | undefined): void {
    if (typeof id !== 'string' || id.trim() === '')
      throw new DataError({
        file: this.file,
        field: `${this.idColumn} (row ${row})`,
        value: id ?? null,
        expected: 'an image path',
      });
    this.ids[row] = id.trim();
    if (values === null || values === undefined) return this.fail(row, null, 'a vector');

    // The first row fixes the dimension; a later row of another length was written by mistake.
    if (this.dim === 0) {
      if (values.length === 0) this.fail(row, [], 'a vector of at least one value');
      this.dim = values.length;
      this.vectors = new Float32Array(this.rowCount * this.dim);
    }
    if (values.length !== this.dim)
      this.fail(row, `${values.length} values`, `${this.dim} values, like the rows before it`);

    const start = row * this.dim;
    for (let k = 0; k < this.dim; k++) {
      const value = values[k];
      if (value === null || value === undefined) return this.fail(row, null, `a number at element ${k}`);
      this.vectors[start + k] = value;
    }
  }

  finish(): VectorTable {
    return { ids: this.ids, dim: this.dim, vectors: this.vectors };
  }

  /** Messages name the row by its id, which the caller stored before anything could fail. */
  private fail(row: number, value: unknown, expected: string): never {
    throw new DataError({ file: this.file, field: describeRow(this.ids, row), value, expected });
  }
}
