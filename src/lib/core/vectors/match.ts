/**
 * Pairs imported vector rows with the images of the opened dataset. A batch job names images by the
 * paths it saw, which may be relative to another root or absolute; the path index resolves them the
 * way annotation files are resolved, and ids that fit no image, or several, are reported.
 */
import { DataError } from '../errors';
import { ImagePathIndex } from '../imagePaths';

/** Ids shown in a warning about many ids; the rest are counted. */
const EXAMPLES = 3;

export interface VectorMatch {
  /** Image index (position in the dataset's image list) of each row, or -1 where the row is not used. */
  imageOfRow: Int32Array;
  /** Rows paired with an image. */
  matched: number;
  /** Ids that name no image of the dataset. */
  unmatched: string[];
  /** Ids that fit several images equally well (e.g. a bare file name found in two folders). */
  ambiguous: string[];
  /** Ids that resolve to an image another row already claimed by its exact path. */
  superseded: string[];
  /** Warnings (severity `warning`) about the three lists above, for the problem list. */
  problems: DataError[];
}

/**
 * Matches the `ids` of the vector file `file` to `imagePaths` (the dataset's, in image order):
 * exact paths first, then the suffix or file-name rules of `ImagePathIndex`. An image gets at most
 * one row; an exact match wins over a looser one.
 */
export function matchVectorIds(
  file: string,
  ids: readonly string[],
  imagePaths: readonly string[],
): VectorMatch {
  const index = new ImagePathIndex(imagePaths);
  const imageOfRow = new Int32Array(ids.length).fill(-1);
  const claimed = new Uint8Array(imagePaths.length);
  const unmatched: string[] = [];
  const ambiguous: string[] = [];
  const superseded: string[] = [];

  // Two passes, so that `a/x.jpg` named exactly keeps its image even when a looser `x.jpg` comes first.
  const resolved = ids.map((id) => index.resolve(id));
  resolved.forEach((found, row) => {
    if (found.kind === 'found' && found.how === 'exact') {
      imageOfRow[row] = found.index;
      claimed[found.index] = 1;
    }
  });
  resolved.forEach((found, row) => {
    if (found.kind === 'found' && found.how === 'exact') return;
    if (found.kind === 'missing') unmatched.push(ids[row]);
    else if (found.kind === 'ambiguous') ambiguous.push(ids[row]);
    else if (claimed[found.index]) superseded.push(ids[row]);
    else {
      imageOfRow[row] = found.index;
      claimed[found.index] = 1;
    }
  });

  const matched = ids.length - unmatched.length - ambiguous.length - superseded.length;
  const problems = [
    warning(
      file,
      unmatched,
      ids.length,
      'match no image of the dataset',
      'paths relative to the dataset folder',
    ),
    warning(file, ambiguous, ids.length, 'fit several images', 'paths long enough to tell the images apart'),
    warning(file, superseded, ids.length, 'name an image another row names exactly', 'one row per image'),
  ].filter((problem) => problem !== null);
  return { imageOfRow, matched, unmatched, ambiguous, superseded, problems };
}

function warning(
  file: string,
  ids: string[],
  total: number,
  what: string,
  expected: string,
): DataError | null {
  if (ids.length === 0) return null;
  const problem = new DataError({
    file,
    field: 'ids',
    value: ids.slice(0, EXAMPLES),
    expected: `${expected} (${ids.length} of ${total} ids ${what}; those rows are skipped)`,
  });
  problem.severity = 'warning';
  return problem;
}

/**
 * Lays matched rows out in dataset order, the form the analysis worker and the embedding store take:
 * `vectors` holds one row per matched image, and `rowOfImage[i]` is image i's row, or -1.
 */
export function layoutByImage(
  imageOfRow: Int32Array,
  vectors: Float32Array,
  dim: number,
  imageCount: number,
): { vectors: Float32Array; rowOfImage: Int32Array } {
  const sourceRowOfImage = new Int32Array(imageCount).fill(-1);
  imageOfRow.forEach((image, row) => {
    if (image >= 0) sourceRowOfImage[image] = row;
  });

  const rowOfImage = new Int32Array(imageCount).fill(-1);
  const matched = sourceRowOfImage.reduce((count, row) => count + (row >= 0 ? 1 : 0), 0);
  const laidOut = new Float32Array(matched * dim);
  let next = 0;
  sourceRowOfImage.forEach((row, image) => {
    if (row < 0) return;
    laidOut.set(vectors.subarray(row * dim, (row + 1) * dim), next * dim);
    rowOfImage[image] = next++;
  });
  return { vectors: laidOut, rowOfImage };
}
