/**
 * COCO detection files: instances JSON (ground truth) and results (a prediction run), read into
 * checked entries that still carry the file's own image and category ids. Joining those ids to
 * the folder's images and the dataset's categories is `cocoJoin.ts`'s job, because a results file
 * may bring its own `images` and `categories` with ids that mean something else in the ground truth.
 *
 * Ids are kept in Maps keyed by their text, so memory follows the number of entries and not the
 * largest id (VOC-converted files use image ids like 20180000001), and id 0 is an ordinary id.
 */

import type { BoxXYWH, Category } from '../dataset';
import type { ProblemList } from '../problems';
import { readRunLengthMask, runLengthBoundingBox } from './cocoRle';

/** What a parsed JSON document looks like to the importer. */
export type CocoFileKind = 'groundTruth' | 'predictions';

/** An entry of a COCO `images` list. */
export interface CocoImageEntry {
  /** The entry's `id` as text, the key annotations use to refer to it. */
  key: string;
  /** `id` as written (number or string). */
  id: number | string;
  /** `file_name` as written. */
  fileName: string;
  /** Pixels; 0 when the entry gives none. */
  width: number;
  /** Pixels; 0 when the entry gives none. */
  height: number;
  /** JSON path of the entry, e.g. `images[3]`, for problems found while joining. */
  field: string;
  /** The entry's other fields (license, capture date, urls). */
  extra: Record<string, unknown>;
}

/** An annotation (ground truth) or result (prediction) that passed the checks. */
export interface CocoBoxEntry {
  /** JSON path, e.g. `annotations[12]` or `[12]` in a bare results list. */
  field: string;
  /** `image_id` as text; refers to this file's `images` if it has them, else to the ground truth's. */
  imageKey: string;
  /** `category_id`; refers to this file's `categories` if it has them, else to the ground truth's. */
  categoryId: number;
  /** Pixel `[x, y, width, height]` as stored in `bbox` (or, for a crowd region without one, its mask's bounds). */
  box: BoxXYWH;
  /** `iscrowd` was 1 or true. */
  crowd: boolean;
  /** The annotation's `id`, when it has one (0 included). */
  sourceId?: number | string;
  /** Confidence, for predictions only. */
  score?: number;
}

/** One COCO file, checked: entries that failed a check were left out and reported. */
export interface CocoFile {
  file: string;
  kind: CocoFileKind;
  /** The file's own `images`, or null when it has none (a bare results list). */
  images: CocoImageEntry[] | null;
  /** The file's own `categories`, or null when it has none. */
  categories: Category[] | null;
  annotations: CocoBoxEntry[];
}

const BOX_EXPECTED = 'an array of 4 finite numbers [x, y, width, height] with width and height >= 0';

/**
 * Decides whether a parsed JSON document is COCO ground truth, a COCO prediction run, or neither.
 *
 * A list is a results file. A dict is a prediction run when most of its `annotations` carry a
 * `score`, and ground truth when it has `annotations`, `images` or `categories` otherwise.
 *
 * @returns the kind, or null when the document is not COCO (e.g. a LabelMe file or a config).
 */
export function classifyCocoJson(json: unknown): CocoFileKind | null {
  if (Array.isArray(json)) return json.every(isPlainObject) ? 'predictions' : null;
  if (!isPlainObject(json)) return null;

  const { annotations, images, categories } = json;
  if (Array.isArray(annotations)) {
    const scored = annotations.filter((entry) => isPlainObject(entry) && 'score' in entry).length;
    return annotations.length > 0 && scored * 2 > annotations.length ? 'predictions' : 'groundTruth';
  }
  return Array.isArray(images) || Array.isArray(categories) ? 'groundTruth' : null;
}

/**
 * Reads a COCO document already classified by `classifyCocoJson`.
 *
 * @param json - the parsed document.
 * @param file - its relative path, named in problems.
 * @param kind - ground truth or predictions; predictions must carry a finite `score`.
 * @param problems - where bad entries are reported; each is skipped and the rest still load.
 * @returns the checked entries. Boxes are pixel xywh as stored.
 */
export function readCocoFile(
  json: unknown,
  file: string,
  kind: CocoFileKind,
  problems: ProblemList,
): CocoFile {
  const list = Array.isArray(json) ? json : null;
  const dict = isPlainObject(json) ? json : {};

  const images = 'images' in dict ? readImages(dict.images, file, problems) : null;
  const categories = 'categories' in dict ? readCategories(dict.categories, file, problems) : null;
  if (
    kind === 'groundTruth' &&
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

  const rawAnnotations = list ?? readList(dict.annotations ?? [], file, 'annotations', problems);
  const prefix = list ? '' : 'annotations';
  const imageKeys = images && new Set(images.map((image) => image.key));
  const categoryIds = categories && new Set(categories.map((category) => category.id));

  const annotations: CocoBoxEntry[] = [];
  rawAnnotations.forEach((raw, position) => {
    const entry = readAnnotation(raw, `${prefix}[${position}]`, file, kind, problems);
    if (!entry) return;

    // Ids are checked here only against tables this file brings; otherwise the join checks them.
    if (imageKeys && !imageKeys.has(entry.imageKey)) {
      const expected = `an image id listed in this file's images`;
      problems.report({ file, field: `${entry.field}.image_id`, value: entry.imageKey, expected });
      return;
    }
    if (categoryIds && !categoryIds.has(entry.categoryId)) {
      const expected = `a category id listed in this file's categories`;
      problems.report({ file, field: `${entry.field}.category_id`, value: entry.categoryId, expected });
      return;
    }
    annotations.push(entry);
  });

  return { file, kind, images, categories, annotations };
}

function readImages(value: unknown, file: string, problems: ProblemList): CocoImageEntry[] {
  const images: CocoImageEntry[] = [];
  const seen = new Set<string>();

  readList(value, file, 'images', problems).forEach((raw, position) => {
    const field = `images[${position}]`;
    if (!isPlainObject(raw)) {
      problems.report({ file, field, value: raw, expected: 'an object with id and file_name' });
      return;
    }

    const { id, file_name: fileName, width, height, ...extra } = raw;
    if (!isId(id)) {
      problems.report({ file, field: `${field}.id`, value: id, expected: 'a number or string id' });
      return;
    }
    if (typeof fileName !== 'string' || fileName.trim() === '') {
      problems.report({
        file,
        field: `${field}.file_name`,
        value: fileName,
        expected: 'the path of an image file',
      });
      return;
    }
    if (seen.has(String(id))) {
      problems.report({
        file,
        field: `${field}.id`,
        value: id,
        expected: 'an id not used by an earlier image',
      });
      return;
    }

    seen.add(String(id));
    images.push({ key: String(id), id, fileName, width: size(width), height: size(height), field, extra });
  });
  return images;
}

function readCategories(value: unknown, file: string, problems: ProblemList): Category[] {
  const categories: Category[] = [];
  const ids = new Set<number>();
  const names = new Set<string>();

  readList(value, file, 'categories', problems).forEach((raw, position) => {
    const field = `categories[${position}]`;
    const id = isPlainObject(raw) ? raw.id : undefined;
    const name = isPlainObject(raw) ? raw.name : undefined;

    if (typeof id !== 'number' || !Number.isFinite(id)) {
      problems.report({ file, field: `${field}.id`, value: id, expected: 'a numeric category id' });
    } else if (ids.has(id)) {
      problems.report({
        file,
        field: `${field}.id`,
        value: id,
        expected: 'an id not used by an earlier category',
      });
    } else if (typeof name !== 'string' || name === '') {
      problems.report({ file, field: `${field}.name`, value: name, expected: 'a non-empty category name' });
    } else if (names.has(name)) {
      // Two ids with one name would make the dataset's names ambiguous; the first one wins.
      problems.report({
        file,
        field: `${field}.name`,
        value: name,
        expected: 'a name not used by an earlier category',
      });
    } else {
      ids.add(id);
      names.add(name);
      categories.push({ id, name });
    }
  });
  return categories;
}

function readAnnotation(
  raw: unknown,
  field: string,
  file: string,
  kind: CocoFileKind,
  problems: ProblemList,
): CocoBoxEntry | null {
  if (!isPlainObject(raw)) {
    problems.report({ file, field, value: raw, expected: 'an object with image_id, category_id and bbox' });
    return null;
  }

  const { image_id: imageId, category_id: categoryId, score, id, iscrowd } = raw;
  if (!isId(imageId)) {
    problems.report({
      file,
      field: `${field}.image_id`,
      value: imageId,
      expected: 'a number or string image id',
    });
    return null;
  }
  if (typeof categoryId !== 'number' || !Number.isFinite(categoryId)) {
    problems.report({
      file,
      field: `${field}.category_id`,
      value: categoryId,
      expected: 'a numeric category id',
    });
    return null;
  }
  if (kind === 'predictions' && (typeof score !== 'number' || !Number.isFinite(score))) {
    problems.report({ file, field: `${field}.score`, value: score, expected: 'a finite confidence score' });
    return null;
  }

  const crowd = iscrowd === 1 || iscrowd === true;
  const box = readBox(raw, field, file, crowd, problems);
  if (!box) return null;

  if (kind === 'predictions' && ((score as number) < 0 || (score as number) > 1)) {
    // Kept: ranking by score still works, but thresholds in [0, 1] will not mean what they say.
    problems.report(
      { file, field: `${field}.score`, value: score, expected: 'a confidence in [0, 1]' },
      'warning',
    );
  }

  const entry: CocoBoxEntry = { field, imageKey: String(imageId), categoryId, box, crowd };
  if (isId(id)) entry.sourceId = id;
  if (kind === 'predictions') entry.score = score as number;
  return entry;
}

/**
 * The stored `bbox` is what COCO evaluation uses, so it is kept even when a crowd region's mask
 * says otherwise; the disagreement is reported as a warning because it is a labelling error.
 */
function readBox(
  raw: Record<string, unknown>,
  field: string,
  file: string,
  crowd: boolean,
  problems: ProblemList,
): BoxXYWH | null {
  const mask = readRunLengthMask(raw.segmentation);
  const maskBox = mask && runLengthBoundingBox(mask);

  if (raw.bbox === undefined && maskBox) return maskBox;
  if (!isBox(raw.bbox)) {
    problems.report({ file, field: `${field}.bbox`, value: raw.bbox, expected: BOX_EXPECTED });
    return null;
  }

  const box: BoxXYWH = [raw.bbox[0], raw.bbox[1], raw.bbox[2], raw.bbox[3]];
  if (crowd && maskBox && box.some((coordinate, i) => Math.abs(coordinate - maskBox[i]) > 0.5)) {
    const expected = 'a bbox matching the bounds of its run-length mask';
    problems.report(
      { file, field: `${field}.bbox`, value: { bbox: box, mask: maskBox }, expected },
      'warning',
    );
  }
  return box;
}

function isBox(value: unknown): value is [number, number, number, number] {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    value[2] >= 0 &&
    value[3] >= 0
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
