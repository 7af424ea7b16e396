/**
 * Parquet and Arrow files written in the test, with the libraries' own writers (apache-arrow for
 * Arrow IPC; hyparquet-writer, a dev dependency, for Parquet), laid out the way pandas and pyarrow
 * lay out an embedding table.
 */
import {
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  List,
  Table,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';

export type ArrowFloat = 'f16' | 'f32' | 'f64';

function floatType(float: ArrowFloat): DataType {
  return float === 'f16' ? new Float16() : float === 'f32' ? new Float32() : new Float64();
}

/** A column of fixed-size float lists (what pyarrow writes for `pa.list_(pa.float32(), d)`). */
export function fixedSizeListColumn(
  rows: (number[] | null)[],
  dim: number,
  float: ArrowFloat = 'f32',
): Vector {
  return vectorFromArray(rows, new FixedSizeList(dim, new Field('item', floatType(float), true)));
}

/** A column of variable-length float lists (what pandas writes for a column of numpy arrays). */
export function listColumn(rows: (number[] | null)[], float: ArrowFloat = 'f32'): Vector {
  return vectorFromArray(rows, new List(new Field('item', floatType(float), true)));
}

/** A plain (not dictionary-encoded) string column. */
export function stringColumn(values: string[]): Vector {
  return vectorFromArray(values, new Utf8());
}

export function floatColumn(values: number[], float: ArrowFloat = 'f32'): Vector {
  return vectorFromArray(values, floatType(float));
}

/** Arrow IPC bytes of a table with these columns, as a file (`.arrow`, `.feather`) or a stream. */
export function arrowBytes(columns: Record<string, Vector>, format: 'file' | 'stream' = 'file'): Uint8Array {
  return tableToIPC(new Table(columns), format);
}

/** Parquet bytes; `schema` spells out nested (LIST) columns, which the writer cannot guess. */
export function parquetBytes(columnData: ColumnSource[], schema?: SchemaElement[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData, schema }));
}

/** The schema pyarrow writes for a string `path` column and a list-of-floats column (3-level LIST). */
export function pathAndListSchema(
  idName: string,
  listName: string,
  leaf: 'FLOAT' | 'DOUBLE',
  extra: SchemaElement[] = [],
): SchemaElement[] {
  return [
    { name: 'root', num_children: 2 + extra.length },
    { name: idName, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: listName, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: leaf, repetition_type: 'OPTIONAL' },
    ...extra,
  ];
}
