/**
 * Writes `.npy` files byte by byte, following the format description
 * (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) rather than the parser, so
 * tests check the parser against the format and not against itself.
 */

export interface NpyLayout {
  /** The dtype string, e.g. `<f4`; written quoted unless `descrLiteral` is set. */
  descr: string;
  /** Writes `descr` as it is, unquoted (for a structured dtype: `[('a', '<f4')]`). */
  descrLiteral?: boolean;
  shape: number[];
  fortranOrder?: boolean;
  /** Format version: 1 has a 2-byte header length, 2 and 3 a 4-byte one. */
  version?: 1 | 2 | 3;
  /** The array's bytes, exactly as they follow the header. */
  data: Uint8Array;
}

/** A complete `.npy` file: magic, version, header length, padded header dict, data. */
export function npyBytes(layout: NpyLayout): Uint8Array {
  const { descr, descrLiteral = false, shape, fortranOrder = false, version = 1, data } = layout;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': ${descrLiteral ? descr : `'${descr}'`}, 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;

  // NumPy pads the header with spaces and ends it with a newline so the data starts at a multiple of 64.
  const prefix = version === 1 ? 10 : 12;
  const padding = (64 - ((prefix + dict.length + 1) % 64)) % 64;
  const header = new TextEncoder().encode(`${dict}${' '.repeat(padding)}\n`);

  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(data, prefix + header.length);
  return out;
}

/** Numbers as 4- or 8-byte IEEE floats in the given byte order. */
export function floatBytes(values: number[], size: 4 | 8, littleEndian = true): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => {
    if (size === 4) view.setFloat32(i * 4, value, littleEndian);
    else view.setFloat64(i * 8, value, littleEndian);
  });
  return out;
}

/** Raw 16-bit patterns (for half floats, whose bits the tests spell out by hand). */
export function uint16Bytes(patterns: number[], littleEndian = true): Uint8Array {
  const out = new Uint8Array(patterns.length * 2);
  const view = new DataView(out.buffer);
  patterns.forEach((bits, i) => view.setUint16(i * 2, bits, littleEndian));
  return out;
}
