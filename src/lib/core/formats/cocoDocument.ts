/**
 * Checking a parsed COCO detection document (instances JSON or results) into a `ParsedSource`:
 * every entry that fails a check is reported and left out, the rest keep the file's own image and
 * category ids for the join, because a results file may bring its own `images` and `categories`
 * whose ids mean something else than the ground truth's.
 *
 * Ids are kept as written and compared through `imageIdKey`, in Maps and Sets, so memory follows
 * the number of entries and not the largest id (VOC-converted files use image ids like
 * 20180000001), and id 0 is an ordinary id.
 *
 * A million annotations must cost little beyond JSON.parse, so they become `EntryColumns`, not a
 * million entry objects: an image is named by its row in the file's images list (the join then
 * needs no lookup), fields are described on demand by `locate`, and the `bbox` arrays JSON.parse
 * made are kept rather than copied.
 */

import type { BoxXYWH } from '../dataset';
import type { ProblemList } from '../problems';
import { readRunLengthMask, runLengthBoundingBox } from './cocoRle';
import { imageIdKey } from './entryImages';
import type { EntryColumns, EntryPart, ParsedImage, ParsedSource, SourceRole } from './types';

const BOX_EXPECTED = 'an array of 4 finite numbers [x, y, width, height] with width and height >= 0';
const PART_KEYS: Record<EntryPart, string> = { image: 'image_id', category: 'category_id', box: 'bbox' };
/** Fields of an `images` entry read as such; the others are kept as metadata. */
const IMAGE_KEYS = new Set(['id', 'file_name', 'width', 'height']);

/**
 * Reads a COCO document as ground truth or as a prediction run.
 *
 * @param json - the parsed document: a dict with `images`, `categories`, `annotations`, or a bare
 *   results list.
 * @param file - its relative path, named in problems.
 * @param role - predictions must carry a finite `score`.
 * @param problems - where bad entries are reported; each is skipped and the rest still load.
 * @returns images by `file_name` with their ids, sizes (pixels, 0 when not given) and other fields
 *   as `meta`; categories with their ids; entries with `imageId` and numeric `category` as written
 *   and `box` in pixel xywh as stored. A file without `categories` gives an empty list: its ids are
 *   the ground truth's.
 */
export function readCocoFile(
  json: unknown,
  file: string,
  role: SourceRole,
  problems: ProblemList,
): ParsedSource {
  const list = Array.isArray(json) ? json : null;
  const dict = isPlainObject(json) ? json : {};

  const images = 'images' in dict ? readImages(dict.images, file, problems) : null;
  const categories = 'categories' in dict ? readCategories(dict.categories, file, problems) : null;
  if (
    role === 'groundTruth' &&
    images === null &&
    Array.isArray(dict.annotations) &&
    dict.annotations.length > 0
  ) {
    problems.report({
      file,
      field: 'images',
      expected: 'a list of images naming the files the annotations belong to',
    });
  }

  const raw = list ?? readList(dict.annotations ?? [], file, 'annotations', problems);
  const prefix = list ? '' : 'annotations';
  const reader = new AnnotationReader(file, prefix, role, problems, images, categories, raw.length);
  for (let position = 0; position < raw.length; position++) reader.read(raw[position], position);
  const { columns, positions } = reader.finish();

  return {
    categories: categories ?? [],
    images: images?.list ?? [],
    entries: [],
    columns,
    locate: (index, part) => ({ field: `${prefix}[${positions[index]}].${PART_KEYS[part]}` }),
    lists: { entries: list ? undefined : 'annotations', categories: 'categories' },
  };
}

/** Checks annotations one by one, against the tables the file brings, into columns. */
class AnnotationReader {
  /** The file's own images: id key → position in `images`; null when the file has none. */
  readonly #imageRowsById: Map<string | number, number> | null;
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

  constructor(
    readonly file: string,
    readonly prefix: string,
    readonly role: SourceRole,
    readonly problems: ProblemList,
    images: CocoImages | null,
    categories: { id?: number }[] | null,
    capacity: number,
  ) {
    this.#imageRowsById = images && images.rowsById;
    this.#rowImages = new Int32Array(images ? capacity : 0);
    this.#categoryIds = categories && new Set(categories.map((category) => category.id!));
    this.#rowImageIds = images ? [] : referenceArray(capacity);
    this.#rowBoxes = referenceArray(capacity);
    this.#rowSourceIds = referenceArray(role === 'groundTruth' ? capacity : 0);
    this.#rowCategories = new Float64Array(capacity);
    this.#rowScores = new Float64Array(role === 'predictions' ? capacity : 0);
    this.#rowCrowd = new Uint8Array(role === 'groundTruth' ? capacity : 0);
    this.#positions = new Int32Array(capacity);
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

  /** Adds the annotation as a row, or reports why it cannot be used. */
  read(raw: unknown, position: number): void {
    const { file, problems, role } = this;
    if (!isPlainObject(raw)) {
      const field = this.#field(position);
      problems.report({ file, field, value: raw, expected: 'an object with image_id, category_id and bbox' });
      return;
    }

    const imageId = raw.image_id;
    const categoryId = raw.category_id;
    const score = role === 'predictions' ? raw.score : undefined;
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
    if (role === 'predictions' && (typeof score !== 'number' || !Number.isFinite(score))) {
      const field = this.#field(position, 'score');
      problems.report({ file, field, value: score, expected: 'a finite confidence score' });
      return;
    }

    const crowd = role === 'groundTruth' && (raw.iscrowd === 1 || raw.iscrowd === true);
    const box = this.#box(raw.bbox, raw.segmentation, position, crowd);
    if (!box) return;

    if (role === 'predictions' && ((score as number) < 0 || (score as number) > 1)) {
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
    if (role === 'predictions') {
      this.#rowScores[row] = score as number;
    } else {
      this.#rowCrowd[row] = crowd ? 1 : 0;
      const id = raw.id;
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

/** The checked `images` entries, and each id's (key from `imageIdKey`) position among them. */
interface CocoImages {
  list: ParsedImage[];
  rowsById: Map<string | number, number>;
}

function readImages(value: unknown, file: string, problems: ProblemList): CocoImages {
  const images: ParsedImage[] = [];
  const rowsById = new Map<string | number, number>();

  readList(value, file, 'images', problems).forEach((raw, position) => {
    const field = `images[${position}]`;
    if (!isPlainObject(raw)) {
      problems.report({ file, field, value: raw, expected: 'an object with id and file_name' });
      return;
    }

    const { id, file_name: fileName, width, height } = raw;
    if (!isId(id)) {
      problems.report({ file, field: `${field}.id`, value: id, expected: 'a number or string id' });
      return;
    }
    if (typeof fileName !== 'string' || fileName.trim() === '') {
      const expected = 'the path of an image file';
      problems.report({ file, field: `${field}.file_name`, value: fileName, expected });
      return;
    }
    const key = imageIdKey(id);
    if (rowsById.has(key)) {
      const expected = 'an id not used by an earlier image';
      problems.report({ file, field: `${field}.id`, value: id, expected });
      return;
    }

    rowsById.set(key, images.length);
    images.push({
      name: fileName,
      id,
      width: size(width),
      height: size(height),
      meta: imageMeta(raw),
      field: `${field}.file_name`,
    });
  });
  return { list: images, rowsById };
}

/** The image's COCO id and its other fields (license, capture date, urls): the image's metadata. */
function imageMeta(raw: Record<string, unknown>): Record<string, unknown> {
  // A loop rather than rest and spread: it makes one object, not two, for each of 100k images.
  const meta: Record<string, unknown> = { cocoImageId: raw.id };
  for (const key in raw) if (!IMAGE_KEYS.has(key)) meta[key] = raw[key];
  return meta;
}

function readCategories(value: unknown, file: string, problems: ProblemList): { name: string; id: number }[] {
  const categories: { name: string; id: number }[] = [];
  const ids = new Set<number>();
  const names = new Set<string>();

  readList(value, file, 'categories', problems).forEach((raw, position) => {
    const field = `categories[${position}]`;
    const id = isPlainObject(raw) ? raw.id : undefined;
    const name = isPlainObject(raw) ? raw.name : undefined;

    if (typeof id !== 'number' || !Number.isFinite(id)) {
      problems.report({ file, field: `${field}.id`, value: id, expected: 'a numeric category id' });
    } else if (ids.has(id)) {
      const expected = 'an id not used by an earlier category';
      problems.report({ file, field: `${field}.id`, value: id, expected });
    } else if (typeof name !== 'string' || name === '') {
      problems.report({ file, field: `${field}.name`, value: name, expected: 'a non-empty category name' });
    } else if (names.has(name)) {
      // Two ids with one name would make the dataset's names ambiguous; the first one wins.
      const expected = 'a name not used by an earlier category';
      problems.report({ file, field: `${field}.name`, value: name, expected });
    } else {
      ids.add(id);
      names.add(name);
      categories.push({ id, name });
    }
  });
  return categories;
}

function isBox(value: unknown): value is BoxXYWH {
  if (!Array.isArray(value) || value.length !== 4) return false;
  const [x, y, width, height] = value as unknown[];
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

function readList(value: unknown, file: string, field: string, problems: ProblemList): unknown[] {
  if (Array.isArray(value)) return value;
  problems.report({ file, field, value, expected: 'a list' });
  return [];
}

function isId(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');
}

/** Sizes are optional in practice; anything but a positive number reads as "not known yet". */
function size(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An array of `length` slots that holds references, never unboxed doubles: ids above 2^31 (COCO
 * exports use 10-digit ids) would otherwise be boxed anew at every read, a million allocations.
 * Sized up front, it is not copied as it grows.
 */
function referenceArray<T>(length: number): T[] {
  return new Array<T>(length).fill(undefined as T);
}
