/**
 * NumPy `.npy` files holding one float matrix, a vector per row, as written by `np.save`. The format
 * (versions 1, 2 and 3) is a magic string, a header length, a header that is a Python dict literal
 * naming the dtype, the memory order and the shape, then the raw array.
 * See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { DataError } from '../errors';
import { float16ToNumber } from './halfFloat';

/** A row-major matrix: row `r` is `vectors.subarray(r * dim, (r + 1) * dim)`. */
export interface VectorMatrix {
  rows: number;
  dim: number;
  vectors: Float32Array;
}

/** `\x93NUMPY`, the first six bytes of every `.npy` file. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const FLOAT_DESCRS = "a float array (descr '<f4', '<f2' or '<f8', or big-endian '>f4', '>f2', '>f8')";

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads a 2-D float array (`<f2`, `<f4`, `<f8`, either byte order, C or Fortran order) from the bytes
 * of a `.npy` file named `file` (used in errors), converting every element to float32.
 */
export function parseNpy(file: string, bytes: Uint8Array): VectorMatrix {
  const { dict, dataStart } = readHeader(file, bytes);
  const { descr, littleEndian, size } = parseDescr(file, dict);
  const fortranOrder = parseFortranOrder(file, dict);
  const [rows, dim] = parseShape(file, dict);

  // np.save writes exactly rows × dim elements after the header; fewer means a cut-off download.
  const needed = rows * dim * size;
  const available = bytes.length - dataStart;
  if (available < needed)
    throw new DataError({
      file,
      field: 'data',
      value: `${available} bytes`,
      expected: `${needed} bytes for shape (${rows}, ${dim}) of '${descr}' (the file is truncated)`,
    });

  const vectors = new Float32Array(rows * dim);
  const offset = bytes.byteOffset + dataStart;
  if (size === 4 && littleEndian === HOST_IS_LITTLE_ENDIAN && offset % 4 === 0 && !fortranOrder) {
    // The common case (`np.save` of float32 in C order) is one copy, not a loop.
    vectors.set(new Float32Array(bytes.buffer, offset, rows * dim));
    return { rows, dim, vectors };
  }

  const read = elementReader(new DataView(bytes.buffer, offset, needed), size, littleEndian);
  if (!fortranOrder) {
    for (let i = 0; i < vectors.length; i++) vectors[i] = read(i);
  } else {
    // Fortran order stores column by column: element (row, column) sits at column × rows + row.
    for (let column = 0; column < dim; column++)
      for (let row = 0; row < rows; row++) vectors[row * dim + column] = read(column * rows + row);
  }
  return { rows, dim, vectors };
}

/** The header dict's text and where the array data starts. */
function readHeader(file: string, bytes: Uint8Array): { dict: string; dataStart: number } {
  if (bytes.length < 10 || MAGIC.some((byte, i) => bytes[i] !== byte))
    throw new DataError({ file, expected: 'a NumPy .npy file (starting with \\x93NUMPY)' });

  // Version 1 has a 2-byte header length; versions 2 and 3 (for huge headers, UTF-8) have 4 bytes.
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let length: number;
  let start: number;
  if (major === 1) {
    length = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError({ file, expected: 'a complete .npy header' });
    length = view.getUint32(8, true);
    start = 12;
  } else {
    throw new DataError({
      file,
      field: 'format version',
      value: `${major}.${bytes[7]}`,
      expected: 'version 1, 2 or 3',
    });
  }

  if (start + length > bytes.length)
    throw new DataError({
      file,
      field: 'header',
      expected: `${length} header bytes (the file is truncated)`,
    });
  const dict = new TextDecoder().decode(bytes.subarray(start, start + length));
  return { dict, dataStart: start + length };
}

function parseDescr(file: string, dict: string): { descr: string; littleEndian: boolean; size: 2 | 4 | 8 } {
  if (/['"]descr['"]\s*:\s*\[/.test(dict))
    throw new DataError({
      file,
      field: 'header descr',
      expected: `${FLOAT_DESCRS}, not a structured array`,
    });

  const found = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(dict);
  if (!found) throw new DataError({ file, field: 'header', value: dict.trim(), expected: "a 'descr' entry" });
  const descr = found[2];

  // `<` little-endian, `>` big-endian, `=` and `|` native (NumPy writes `|` only for 1-byte types).
  const parts = /^([<>=|]?)([a-zA-Z])(\d+)$/.exec(descr);
  const size = parts ? Number(parts[3]) : 0;
  if (!parts || parts[2] !== 'f' || (size !== 2 && size !== 4 && size !== 8))
    throw new DataError({ file, field: 'header descr', value: descr, expected: FLOAT_DESCRS });

  const order = parts[1];
  const littleEndian = order === '<' || (order !== '>' && HOST_IS_LITTLE_ENDIAN);
  return { descr, littleEndian, size };
}

function parseFortranOrder(file: string, dict: string): boolean {
  const found = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict);
  if (!found)
    throw new DataError({
      file,
      field: 'header',
      value: dict.trim(),
      expected: "a 'fortran_order' entry of True or False",
    });
  return found[1] === 'True';
}

function parseShape(file: string, dict: string): [number, number] {
  const found = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict);
  if (!found) throw new DataError({ file, field: 'header', value: dict.trim(), expected: "a 'shape' entry" });

  // Python 2 wrote longs with an `L` suffix: `(100L, 512L)`.
  const sizes = found[1]
    .split(',')
    .map((part) => part.trim().replace(/L$/, ''))
    .filter((part) => part !== '');
  if (sizes.length !== 2 || sizes.some((part) => !/^\d+$/.test(part)))
    throw new DataError({
      file,
      field: 'header shape',
      value: `(${found[1].trim()})`,
      expected: 'a 2-D shape (vectors, dimension)',
    });

  const [rows, dim] = sizes.map(Number);
  if (dim === 0)
    throw new DataError({
      file,
      field: 'header shape',
      value: `(${rows}, 0)`,
      expected: 'vectors of at least one value',
    });
  return [rows, dim];
}

/** Element `i` of the array as a number, for the element size and byte order of the file. */
function elementReader(view: DataView, size: 2 | 4 | 8, littleEndian: boolean): (i: number) => number {
  if (size === 2) return (i) => float16ToNumber(view.getUint16(i * 2, littleEndian));
  if (size === 4) return (i) => view.getFloat32(i * 4, littleEndian);
  return (i) => view.getFloat64(i * 8, littleEndian);
}
