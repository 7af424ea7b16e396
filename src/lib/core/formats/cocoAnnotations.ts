/**
 * Checking COCO annotations one by one, against the images and categories their file brings, into
 * `EntryColumns`: what `cocoDocument.ts` does with each item of `annotations`.
 */

import type { BoxXYWH } from '../dataset';
import type { ProblemList } from '../problems';
import { readRunLengthMask, runLengthBoundingBox } from './cocoRle';
import { imageIdKey } from './entryImages';
import type { EntryColumns, SourceRole } from './types';

const BOX_EXPECTED = 'an array of 4 finite numbers [x, y, width, height] with width and height >= 0';

/** Checks annotations one by one, against the tables the file brings, into columns. */
export class AnnotationReader {
  /** The file's own images: id key → position in `images`; null when the file has none. */
  readonly #imageRowsById: ReadonlyMap<string | number, number> | null;
  readonly #categoryIds: Set<number> | null;
  // Columns sized for every annotation; `finish` cuts them to the ones kept. An entry's image is a
  // position in the file's images when it has them (no lookup left for the join), else an id.
  readonly #rowImages: Int32Array;
  readonly #rowImageIds: (string | number)[];
  readonly #rowBoxes: BoxXYWH[];
  readonly #rowSourceIds: (string | number | undefined)[];
  readonly #rowCategories: Float64Array;
  readonly #rowScores: Float64Array;
  readonly #rowCrowd: Uint8Array;
  /** Position in the file of each kept row, for `locate`. */
  readonly #positions: Int32Array;
  #rows = 0;
  #lastImageId: string | number | undefined = undefined;
  #lastImageRow: number | undefined = undefined;

  /**
   * @param prefix - the list's field (`annotations`, or `''` for a bare results list), for problems.
   * @param imageRowsById - the file's images (keys from `imageIdKey` → position), null when it has none.
   * @param categoryIds - the file's category ids, null when it has none.
   * @param capacity - the number of annotations.
   */
  constructor(
    readonly file: string,
    readonly prefix: string,
    readonly role: SourceRole,
    readonly problems: ProblemList,
    imageRowsById: ReadonlyMap<string | number, number> | null,
    categoryIds: Set<number> | null,
    capacity: number,
  ) {
    this.#imageRowsById = imageRowsById;
    this.#categoryIds = categoryIds;
    const groundTruth = role === 'groundTruth';
    this.#rowImages = new Int32Array(imageRowsById ? capacity : 0);
    this.#rowImageIds = referenceArray(imageRowsById ? 0 : capacity);
    this.#rowBoxes = referenceArray(capacity);
    this.#rowSourceIds = referenceArray(groundTruth ? capacity : 0);
    this.#rowCategories = new Float64Array(capacity);
    this.#rowScores = new Float64Array(groundTruth ? 0 : capacity);
    this.#rowCrowd = new Uint8Array(groundTruth ? capacity : 0);
    this.#positions = new Int32Array(capacity);
  }

  /** Checks one parsed annotation (an item of the list at `position`). */
  read(raw: unknown, position: number): void {
    if (!isPlainObject(raw)) {
      const field = this.#field(position);
      const expected = 'an object with image_id, category_id and bbox';
      this.problems.report({ file: this.file, field, value: raw, expected });
      return;
    }
    this.#add(
      position,
      raw.image_id,
      raw.category_id,
      raw.score,
      raw.iscrowd,
      raw.bbox,
      raw.id,
      raw.segmentation,
    );
  }

  /** The kept rows, and the file position of each. */
  finish(): { columns: EntryColumns; positions: Int32Array } {
    const length = this.#rows;
    for (const column of [this.#rowImageIds, this.#rowBoxes, this.#rowSourceIds]) {
      if (column.length > length) column.length = length;
    }
    const columns: EntryColumns = {
      length,
      file: this.file,
      categories: this.#rowCategories.subarray(0, length),
      boxes: this.#rowBoxes,
    };
    if (this.#imageRowsById) columns.imageRows = this.#rowImages.subarray(0, length);
    else columns.imageIds = this.#rowImageIds;
    if (this.role === 'predictions') columns.scores = this.#rowScores.subarray(0, length);
    else {
      columns.crowd = this.#rowCrowd.subarray(0, length);
      columns.sourceIds = this.#rowSourceIds;
    }
    return { columns, positions: this.#positions };
  }

  /** Adds the annotation at `position` as a row, or reports why it cannot be used. */
  #add(
    position: number,
    imageId: unknown,
    categoryId: unknown,
    score: unknown,
    iscrowd: unknown,
    bbox: unknown,
    id: unknown,
    segmentation: unknown,
  ): void {
    const { file, problems, role } = this;
    const predictions = role === 'predictions';
    if (!isId(imageId)) {
      const field = this.#field(position, 'image_id');
      problems.report({ file, field, value: imageId, expected: 'a number or string image id' });
      return;
    }
    if (typeof categoryId !== 'number' || !Number.isFinite(categoryId)) {
      const field = this.#field(position, 'category_id');
      problems.report({ file, field, value: categoryId, expected: 'a numeric category id' });
      return;
    }
    if (predictions && (typeof score !== 'number' || !Number.isFinite(score))) {
      const field = this.#field(position, 'score');
      problems.report({ file, field, value: score, expected: 'a finite confidence score' });
      return;
    }

    const crowd = !predictions && (iscrowd === 1 || iscrowd === true);
    const box = this.#box(bbox, segmentation, position, crowd);
    if (!box) return;

    if (predictions && ((score as number) < 0 || (score as number) > 1)) {
      // Kept: ranking by score still works, but thresholds in [0, 1] will not mean what they say.
      const field = this.#field(position, 'score');
      problems.report({ file, field, value: score, expected: 'a confidence in [0, 1]' }, 'warning');
    }

    // Ids are checked here only against tables this file brings; otherwise the join checks them.
    const imageRow = this.#imageRowOf(imageId);
    if (this.#imageRowsById && imageRow === undefined) {
      const field = this.#field(position, 'image_id');
      problems.report({ file, field, value: imageId, expected: `an image id listed in this file's images` });
      return;
    }
    if (this.#categoryIds && !this.#categoryIds.has(categoryId)) {
      const field = this.#field(position, 'category_id');
      const expected = `a category id listed in this file's categories`;
      problems.report({ file, field, value: categoryId, expected });
      return;
    }

    const row = this.#rows++;
    this.#positions[row] = position;
    if (imageRow !== undefined) this.#rowImages[row] = imageRow;
    else this.#rowImageIds[row] = imageId;
    this.#rowCategories[row] = categoryId;
    this.#rowBoxes[row] = box;
    if (predictions) {
      this.#rowScores[row] = score as number;
    } else {
      this.#rowCrowd[row] = crowd ? 1 : 0;
      this.#rowSourceIds[row] = isId(id) ? id : undefined;
    }
  }

  /**
   * The row in the file's images of an image id. Annotations usually come grouped by image, so the
   * last answer is kept: most annotations need no lookup at all.
   */
  #imageRowOf(imageId: string | number): number | undefined {
    if (imageId === this.#lastImageId) return this.#lastImageRow;
    const row = this.#imageRowsById?.get(imageIdKey(imageId));
    this.#lastImageId = imageId;
    this.#lastImageRow = row;
    return row;
  }

  /**
   * The stored `bbox` is what COCO evaluation uses, so it is kept even when a crowd region's mask
   * says otherwise; the disagreement is reported as a warning because it is a labelling error.
   */
  #box(bbox: unknown, segmentation: unknown, position: number, crowd: boolean): BoxXYWH | null {
    // Polygons and absent masks are the common case: only an object can be a run-length mask.
    const mask =
      typeof segmentation === 'object' && !Array.isArray(segmentation) && readRunLengthMask(segmentation);
    const maskBox = mask ? runLengthBoundingBox(mask) : null;

    if (bbox === undefined && maskBox) return maskBox;
    if (!isBox(bbox)) {
      const field = this.#field(position, 'bbox');
      this.problems.report({ file: this.file, field, value: bbox, expected: BOX_EXPECTED });
      return null;
    }

    if (crowd && maskBox && bbox.some((coordinate, i) => Math.abs(coordinate - maskBox[i]) > 0.5)) {
      const field = this.#field(position, 'bbox');
      const expected = 'a bbox matching the bounds of its run-length mask';
      this.problems.report(
        { file: this.file, field, value: { bbox: [...bbox], mask: maskBox }, expected },
        'warning',
      );
    }
    // The parsed array itself: a million copies would cost more than the rest of the check.
    return bbox;
  }

  #field(position: number, key?: string): string {
    return `${this.prefix}[${position}]${key ? `.${key}` : ''}`;
  }
}

/**
 * An array of `length` slots that holds references, never unboxed doubles: ids above 2^31 (COCO
 * exports use 10-digit ids) would otherwise be boxed anew at every read, a million allocations.
 * Sized up front, it is not copied as it grows.
 */
function referenceArray<T>(length: number): T[] {
  return new Array<T>(length).fill(undefined as T);
}

function isBox(value: unknown): value is BoxXYWH {
  if (!Array.isArray(value) || value.length !== 4) return false;
  // Indexed, not destructured: destructuring walks an iterator, a million times.
  const x: unknown = value[0];
  const y: unknown = value[1];
  const width: unknown = value[2];
  const height: unknown = value[3];
  return (
    typeof x === 'number' &&
    Number.isFinite(x) &&
    typeof y === 'number' &&
    Number.isFinite(y) &&
    typeof width === 'number' &&
    Number.isFinite(width) &&
    width >= 0 &&
    typeof height === 'number' &&
    Number.isFinite(height) &&
    height >= 0
  );
}

export function isId(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
