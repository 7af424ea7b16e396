/**
 * Checks every imported matrix goes through, whatever its format: one id per row, each id once,
 * finite values, and rows that can be scaled to unit length (search compares directions).
 */
import { DataError } from '../errors';

/** How far a row's length may be from 1 and still count as already normalised. */
const UNIT_TOLERANCE = 1e-3;

/** Ids shown in a message about many ids; the rest are counted. */
const EXAMPLES = 3;

/** Throws unless the id list `idsFile` has one id per row of `vectorsFile`. */
export function checkIdCount(
  idsFile: string,
  ids: readonly string[],
  vectorsFile: string,
  rows: number,
): void {
  if (ids.length === rows) return;
  throw new DataError({
    file: idsFile,
    value: `${ids.length} ids`,
    expected: `${rows} ids, one per vector in ${vectorsFile}, in the same order`,
  });
}

/** Throws when an id names more than one row, listing the first repeated ids and how many there are. */
export function checkUniqueIds(file: string, ids: readonly string[]): void {
  const firstRow = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  ids.forEach((id, row) => {
    const first = firstRow.get(id);
    if (first === undefined) firstRow.set(id, row);
    else repeated.set(id, [...(repeated.get(id) ?? [first]), row]);
  });
  if (repeated.size === 0) return;

  const examples = [...repeated].slice(0, EXAMPLES).map(([id, rows]) => `${id} (rows ${rows.join(', ')})`);
  throw new DataError({
    file,
    field: 'ids',
    value: examples,
    expected: `each id once (${repeated.size} ${repeated.size === 1 ? 'id appears' : 'ids appear'} more than once)`,
  });
}

/** Throws at the first row holding NaN or ±Infinity, naming its id and counting the rows like it. */
export function checkFinite(file: string, ids: readonly string[], vectors: Float32Array, dim: number): void {
  let first = -1;
  let bad = 0;
  for (let row = 0; row < ids.length; row++) {
    for (let k = row * dim; k < (row + 1) * dim; k++) {
      if (Number.isFinite(vectors[k])) continue;
      if (first < 0) first = k;
      bad++;
      break;
    }
  }
  if (first < 0) return;

  const row = Math.floor(first / dim);
  const more = bad - 1;
  const others = more === 0 ? '' : `; ${more} more ${more === 1 ? 'row is' : 'rows are'} not finite either`;
  throw new DataError({
    file,
    field: describeRow(ids, row),
    expected: `finite numbers (element ${first - row * dim} is ${vectors[first]}${others})`,
  });
}

/**
 * Scales every row to unit length in place. Returns true when some row was not unit length already
 * (so the caller can say the vectors were changed). A zero row has no direction: an error naming it.
 */
export function normalizeRows(
  file: string,
  ids: readonly string[],
  vectors: Float32Array,
  dim: number,
): boolean {
  let changed = false;
  for (let row = 0; row < ids.length; row++) {
    const start = row * dim;
    let sum = 0;
    for (let k = start; k < start + dim; k++) sum += vectors[k] * vectors[k];
    const norm = Math.sqrt(sum);

    if (norm === 0)
      throw new DataError({
        file,
        field: describeRow(ids, row),
        expected: 'a vector with a non-zero value (an all-zero row has no direction to search by)',
      });
    if (Math.abs(norm - 1) > UNIT_TOLERANCE) changed = true;
    for (let k = start; k < start + dim; k++) vectors[k] /= norm;
  }
  return changed;
}

/** `vector of "images/a.jpg" (row 3)`: how messages point at one row (0-based, as in NumPy and pandas). */
export function describeRow(ids: readonly string[], row: number): string {
  return `vector of "${ids[row]}" (row ${row})`;
}
