/**
 * Embedding tables: Parquet (read with hyparquet) and Arrow IPC files or streams (apache-arrow),
 * as pandas, pyarrow and polars write them. A table has a string column of image paths and either a
 * column of float lists (FixedSizeList or List) or one float column per dimension (`e0`…`e{d-1}`).
 */
import { DataType, Precision, tableFromIPC, type Data, type Table, type Vector } from 'apache-arrow';
import {
  parquetMetadata,
  parquetReadObjects,
  parquetSchema,
  type SchemaElement,
  type SchemaTree,
} from 'hyparquet';
import { DataError } from '../errors';
import {
  chooseColumns,
  VectorRows,
  type RowValues,
  type TableColumn,
  type VectorColumnOptions,
  type VectorTable,
} from './columns';
import { float16ToNumber } from './halfFloat';

/**
 * Reads the ids and vectors of a Parquet file (uncompressed or Snappy, the pandas and pyarrow
 * default). Row groups are decoded one at a time, so only one group's rows exist as JS arrays.
 */
export async function readParquetVectors(
  file: string,
  bytes: Uint8Array,
  options: VectorColumnOptions = {},
): Promise<VectorTable> {
  try {
    const buffer = wholeBuffer(bytes);
    const metadata = parquetMetadata(buffer);
    const columns = parquetSchema(metadata).children.map(describeParquetColumn);
    const { id, vector } = chooseColumns(file, columns, options);
    const wanted = vector.kind === 'list' ? [id, vector.name] : [id, ...vector.names];
    const rows = new VectorRows(file, id, Number(metadata.num_rows));

    let start = 0;
    const scratch = vector.kind === 'columns' ? new Array<number | null>(vector.names.length) : [];
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const objects = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: wanted,
        rowStart: start,
        rowEnd: end,
      });
      objects.forEach((object, i) => {
        if (vector.kind === 'list')
          return rows.put(start + i, object[id], object[vector.name] as RowValues | null);
        vector.names.forEach((name, k) => (scratch[k] = object[name] as number | null));
        rows.put(start + i, object[id], scratch);
      });
      start = end;
    }
    return rows.finish();
  } catch (error) {
    throw asDataError(file, 'a Parquet file, uncompressed or Snappy-compressed (the pandas default)', error);
  }
}

/** Reads the ids and vectors of an Arrow IPC file (`.arrow`, `.feather` v2) or stream. */
export function readArrowVectors(
  file: string,
  bytes: Uint8Array,
  options: VectorColumnOptions = {},
): VectorTable {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw asDataError(
      file,
      "an uncompressed Arrow IPC file or stream (write it with compression='uncompressed')",
      error,
    );
  }
  const columns = table.schema.fields.map((field) => describeArrowType(field.name, field.type));
  const { id, vector } = chooseColumns(file, columns, options);
  const ids = table.getChild(id)!;
  const rows = new VectorRows(file, id, table.numRows);

  if (vector.kind === 'list') {
    forEachListRow(table.getChild(vector.name)!, (row, values) => rows.put(row, ids.get(row), values));
    return rows.finish();
  }

  const perDimension = vector.names.map((name) => numericValues(table.getChild(name)!));
  const scratch = new Array<number | null>(perDimension.length);
  for (let row = 0; row < table.numRows; row++) {
    perDimension.forEach((values, k) => (scratch[k] = values[row]));
    rows.put(row, ids.get(row), scratch);
  }
  return rows.finish();
}

function describeParquetColumn(node: SchemaTree): TableColumn {
  const { element } = node;
  const typeName = String(element.logical_type?.type ?? element.converted_type ?? element.type ?? 'group');
  const column = (kind: TableColumn['kind']) => ({ name: element.name, kind, typeName });

  // A bare repeated leaf is the old two-level list encoding; current writers nest it in a LIST group.
  if (node.children.length === 0) {
    if (!isParquetFloat(element)) return column(isParquetString(element) ? 'string' : 'other');
    return column(element.repetition_type === 'REPEATED' ? 'float-list' : 'float');
  }
  if (element.converted_type !== 'LIST' && element.logical_type?.type !== 'LIST') return column('other');

  const repeated = node.children[0];
  const leaf = repeated.children.length === 1 ? repeated.children[0] : repeated;
  const isFloatList = leaf.children.length === 0 && isParquetFloat(leaf.element);
  return {
    ...column(isFloatList ? 'float-list' : 'other'),
    typeName: `LIST<${leaf.element.type ?? 'group'}>`,
  };
}

function isParquetFloat(element: SchemaElement): boolean {
  return (
    element.type === 'FLOAT' ||
    element.type === 'DOUBLE' ||
    (element.type === 'FIXED_LEN_BYTE_ARRAY' && element.logical_type?.type === 'FLOAT16')
  );
}

function isParquetString(element: SchemaElement): boolean {
  return (
    element.type === 'BYTE_ARRAY' &&
    (element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING')
  );
}

function describeArrowType(name: string, type: DataType): TableColumn {
  const typeName = String(type);
  const isString = (t: DataType) => DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t);
  if (isString(type) || (DataType.isDictionary(type) && isString(type.dictionary)))
    return { name, kind: 'string', typeName };
  if (DataType.isFloat(type)) return { name, kind: 'float', typeName };

  const isList = DataType.isFixedSizeList(type) || DataType.isList(type) || DataType.isLargeList(type);
  if (isList && DataType.isFloat(type.children[0].type)) return { name, kind: 'float-list', typeName };
  return { name, kind: 'other', typeName };
}

/** Calls `visit` with each row's values (a view where possible), or null for a null list. */
function forEachListRow(vector: Vector, visit: (row: number, values: RowValues | null) => void): void {
  let row = 0;
  for (const data of vector.data) {
    const values = floatValues(data.children[0]);
    const listSize = DataType.isFixedSizeList(data.type) ? data.type.listSize : 0;
    for (let r = 0; r < data.length; r++, row++) {
      if (!data.getValid(r)) {
        visit(row, null);
        continue;
      }
      // Fixed-size lists have no offsets; List and LargeList (BigInt offsets) do.
      const begin = listSize > 0 ? r * listSize : Number(data.valueOffsets[r]);
      const end = listSize > 0 ? begin + listSize : Number(data.valueOffsets[r + 1]);
      visit(row, Array.isArray(values) ? values.slice(begin, end) : values.subarray(begin, end));
    }
  }
}

/** The values of a float child array: a typed array, or a plain one holding nulls where it has some. */
function floatValues(data: Data): Float32Array | Float64Array | (number | null)[] {
  const half = (data.type as { precision?: Precision }).precision === Precision.HALF;
  const raw = data.values as Float32Array | Float64Array | Uint16Array;
  const values = half ? Float32Array.from(raw.subarray(0, data.length), float16ToNumber) : raw;
  if (data.nullCount === 0) return values as Float32Array | Float64Array;
  return Array.from({ length: data.length }, (_, i) => (data.getValid(i) ? values[i] : null));
}

/** One float column as numbers (null where the column has a null). */
function numericValues(vector: Vector): ArrayLike<number | null> {
  const half = (vector.type as { precision?: Precision }).precision === Precision.HALF;
  if (vector.nullCount === 0 && !half) return vector.toArray() as Float32Array | Float64Array;
  return Array.from({ length: vector.length }, (_, i) => vector.get(i) as number | null);
}

/** The bytes as an ArrayBuffer of their own (hyparquet reads an ArrayBuffer, not a view into one). */
function wholeBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
}

/** Our own errors pass through; a library's becomes a DataError naming the file and what was expected. */
function asDataError(file: string, expected: string, error: unknown): DataError {
  if (error instanceof DataError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new DataError({ file, value: reason, expected }, { cause: error });
}
