/**
 * Checking a COCO detection document (instances JSON or results) into a `ParsedSource`: every
 * entry that fails a check is reported and left out, the rest keep the file's own image and
 * category ids for the join, because a results file may bring its own `images` and `categories`
 * whose ids mean something else than the ground truth's.
 *
 * Ids are kept as written and compared through `imageIdKey`, in Maps and Sets, so memory follows
 * the number of entries and not the largest id (VOC-converted files use image ids like
 * 20180000001), and id 0 is an ordinary id. Read from text (`readCocoText`), ids past 2^53 stay
 * exact, as their decimal text.
 *
 * A million annotations must cost little beyond reading the file, so they become `EntryColumns`,
 * not a million entry objects: an image is named by its row in the file's images list (the join
 * then needs no lookup), fields are described on demand by `locate`, and each `bbox` array is the
 * one the Dataset keeps.
 */

import type { ProblemList } from '../problems';
import { AnnotationReader, isId, isPlainObject } from './cocoAnnotations';
import { imageIdKey } from './entryImages';
import { parseJsonFile } from './json';
import { parseJsonExact } from './jsonScanner';
import type { EntryPart, ParsedImage, ParsedSource, SourceRole } from './types';

/** Keys whose integers past 2^53 `readCocoText` keeps exact: the ids entries are joined by. */
const ID_KEYS: ReadonlySet<string> = new Set(['id', 'image_id']);
const PART_KEYS: Record<EntryPart, string> = { image: 'image_id', category: 'category_id', box: 'bbox' };
/** Fields of an `images` entry read as such; the others are kept as metadata. */
const IMAGE_KEYS = new Set(['id', 'file_name', 'width', 'height']);

/**
 * Reads a COCO file's text as ground truth or as a prediction run (see `readCocoFile`), keeping
 * image and annotation ids past 2^53 exact, as their decimal text: `JSON.parse` rounds them, and
 * boxes of two images would land on one.
 *
 * @throws DataError naming the file, line and column when the text is not valid JSON.
 */
export function readCocoText(
  text: string,
  file: string,
  role: SourceRole,
  problems: ProblemList,
): ParsedSource {
  let json = parseJsonFile(text, file);
  // A rounded id is never a safe integer, so the parsed document tells cheaply whether the text
  // must be read again, exactly (several times slower); most files never are.
  if (hasUnsafeIds(json)) {
    try {
      json = parseJsonExact(text, ID_KEYS);
    } catch (error) {
      // Only nesting deeper than the stack gets here (JSON.parse took the text): keep the rounded ids.
      const expected = 'ids JSON numbers hold exactly (read rounded: ids past 2^53 may be merged)';
      problems.report({ file, value: String(error), expected }, 'warning');
    }
  }
  return readCocoFile(json, file, role, problems);
}

/**
 * Reads a parsed COCO document as ground truth or as a prediction run.
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
  const raw = list ?? readList(dict.annotations ?? [], file, 'annotations', problems);
  if (role === 'groundTruth' && images === null && !list && raw.length > 0) {
    const expected = 'a list of images naming the files the annotations belong to';
    problems.report({ file, field: 'images', expected });
  }

  const prefix = list ? '' : 'annotations';
  const categoryIds = categories && new Set(categories.map((category) => category.id));
  const rowsById = images?.rowsById ?? null;
  const reader = new AnnotationReader(file, prefix, role, problems, rowsById, categoryIds, raw.length);
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

/**
 * Whether an image or annotation id of a parsed document is a number past 2^53 (so maybe rounded).
 * An indexed loop over plain property reads: it runs once per import, over a million annotations.
 */
function hasUnsafeIds(json: unknown): boolean {
  const dict = isPlainObject(json) ? json : {};
  const lists = Array.isArray(json) ? [json] : [dict.images, dict.annotations];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (typeof item !== 'object' || item === null) continue;
      const { id, image_id: imageId } = item as { id?: unknown; image_id?: unknown };
      if (isUnsafe(id) || isUnsafe(imageId)) return true;
    }
  }
  return false;
}

function isUnsafe(id: unknown): boolean {
  return typeof id === 'number' && (id > Number.MAX_SAFE_INTEGER || id < -Number.MAX_SAFE_INTEGER);
}

/** The checked `images` entries, and each id's (key from `imageIdKey`) position among them. */
interface CocoImages {
  list: ParsedImage[];
  rowsById: Map<string | number, number>;
}

function readImages(value: unknown, file: string, problems: ProblemList): CocoImages {
  const images: ParsedImage[] = [];
  const rowsById = new Map<string | number, number>();
  // Fields are worded only for a problem: 100k images would make 100k strings for nothing.
  const at = (position: number, key?: string) => `images[${position}]${key ? `.${key}` : ''}`;

  const list = readList(value, file, 'images', problems);
  for (let position = 0; position < list.length; position++) {
    const raw = list[position];
    if (!isPlainObject(raw)) {
      const expected = 'an object with id and file_name';
      problems.report({ file, field: at(position), value: raw, expected });
      continue;
    }

    const { id, file_name: fileName, width, height } = raw;
    if (!isId(id)) {
      problems.report({ file, field: at(position, 'id'), value: id, expected: 'a number or string id' });
      continue;
    }
    if (typeof fileName !== 'string' || fileName.trim() === '') {
      const expected = 'the path of an image file';
      problems.report({ file, field: at(position, 'file_name'), value: fileName, expected });
      continue;
    }
    const key = imageIdKey(id);
    if (rowsById.has(key)) {
      const expected = 'an id not used by an earlier image';
      problems.report({ file, field: at(position, 'id'), value: id, expected });
      continue;
    }

    rowsById.set(key, images.length);
    const imageWidth = size(width);
    const imageHeight = size(height);
    if (imageWidth === 0) reportSize(width, at(position, 'width'), file, problems);
    if (imageHeight === 0) reportSize(height, at(position, 'height'), file, problems);
    images.push(new CocoImage(fileName, id, imageWidth, imageHeight, imageMeta(raw), position));
  }
  return { list: images, rowsById };
}

/** An `images` entry; where it is written is worded only when a problem asks (100k strings saved). */
class CocoImage implements ParsedImage {
  constructor(
    readonly name: string,
    readonly id: string | number,
    readonly width: number,
    readonly height: number,
    readonly meta: Record<string, unknown>,
    readonly position: number,
  ) {}

  get field(): string {
    return `images[${this.position}].file_name`;
  }
}

/**
 * The image's COCO id and `file_name` as written (an export writes them back) and its other fields
 * (license, capture date, urls): the image's metadata.
 */
function imageMeta(raw: Record<string, unknown>): Record<string, unknown> {
  // A loop rather than rest and spread: it makes one object, not two, for each of 100k images.
  const meta: Record<string, unknown> = { cocoImageId: raw.id, cocoFileName: raw.file_name };
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

function readList(value: unknown, file: string, field: string, problems: ProblemList): unknown[] {
  if (Array.isArray(value)) return value;
  problems.report({ file, field, value, expected: 'a list' });
  return [];
}

/** An absent size is common and fine (it is read from the image); one given but unusable is a mistake. */
function reportSize(value: unknown, field: string, file: string, problems: ProblemList): void {
  if (value === undefined || value === null) return;
  const expected = 'a size in pixels, a number > 0 (the image file is asked instead)';
  problems.report({ file, field, value, expected }, 'warning');
}

/** Sizes are optional in practice; anything but a positive number reads as "not known yet". */
function size(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
