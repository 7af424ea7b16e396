/**
 * Joining checked COCO files (`coco.ts`) to a dataset: their image ids to the folder's images,
 * their category ids to the dataset's categories.
 *
 * Images are always joined through `file_name`, never through ids, because a results file may
 * number images its own way (the VOC2007 case's detections use 0..97 where its ground truth uses
 * 20180000001..). Likewise a results file that brings its own `categories` is joined by name.
 */

import type { Category, Dataset, GroundTruth, Prediction, PredictionRun } from '../dataset';
import type { ImagePathIndex } from '../imagePaths';
import type { ProblemList } from '../problems';
import type { CocoFile, CocoImageEntry } from './coco';

/** What a prediction run without its own `images` needs from the ground truth to find its images. */
export interface CocoGroundTruthImages {
  /** Relative path of the ground-truth file. */
  file: string;
  /** Ground-truth image id (as text) → image index in the dataset, or null when not in the folder. */
  imageByKey: Map<string, number | null>;
}

/**
 * Adds a COCO ground-truth file to `dataset`: its categories (in file order), image sizes and
 * metadata, and its annotations as ground truth. Annotations on images that are not in the folder
 * are skipped and counted in one problem.
 *
 * @param dataset - holds the folder's images already; categories and ground truth are appended.
 * @param coco - the checked file.
 * @param images - index over `dataset.images` paths.
 * @returns the image join, for prediction runs that refer to ground-truth image ids.
 */
export function addCocoGroundTruth(
  dataset: Dataset,
  coco: CocoFile,
  images: ImagePathIndex,
  problems: ProblemList,
): CocoGroundTruthImages {
  const imageByKey = resolveImages(dataset, coco, images, problems, true);
  const categoryOf = groundTruthCategories(dataset, coco, problems);

  let skipped = 0;
  const missingImages = new Set<string>();
  for (const entry of coco.annotations) {
    const imageIndex = imageByKey.get(entry.imageKey);
    if (imageIndex === null || imageIndex === undefined) {
      skipped++;
      missingImages.add(entry.imageKey);
      continue;
    }

    const groundTruth: GroundTruth = {
      index: dataset.groundTruth.length,
      imageIndex,
      categoryId: categoryOf(entry.categoryId),
      box: entry.box,
      crowd: entry.crowd,
    };
    if (entry.sourceId !== undefined) groundTruth.sourceId = entry.sourceId;
    dataset.groundTruth.push(groundTruth);
  }

  reportSkipped(coco.file, skipped, missingImages.size, problems);
  return { file: coco.file, imageByKey };
}

/**
 * Adds a COCO results file to `dataset` as a prediction run named `name`.
 *
 * @param groundTruth - the ground truth's image join, needed when the file has no `images` of
 *   its own; null when the folder has no ground truth.
 * @returns the run, also appended to `dataset.runs`.
 */
export function addCocoRun(
  dataset: Dataset,
  coco: CocoFile,
  name: string,
  groundTruth: CocoGroundTruthImages | null,
  images: ImagePathIndex,
  problems: ProblemList,
): PredictionRun {
  const ownImages = coco.images ? resolveImages(dataset, coco, images, problems, false) : null;
  const categoryOf = runCategories(dataset, coco, groundTruth !== null, problems);
  const { file } = coco;

  const predictions: Prediction[] = [];
  let skipped = 0;
  const missingImages = new Set<string>();
  for (const entry of coco.annotations) {
    const imageIndex = (ownImages ?? groundTruth?.imageByKey)?.get(entry.imageKey);
    if (imageIndex === undefined) {
      const expected = groundTruth
        ? `an image id listed in the ground truth's images (${groundTruth.file})`
        : 'an image id listed in an images list (this file has none and the folder has no ground truth)';
      problems.report({ file, field: `${entry.field}.image_id`, value: entry.imageKey, expected });
      continue;
    }
    if (imageIndex === null) {
      skipped++;
      missingImages.add(entry.imageKey);
      continue;
    }

    const categoryId = categoryOf(entry.categoryId);
    if (categoryId === null) {
      // A category of the file's own list that the ground truth lacks was reported once, by name.
      if (coco.categories) continue;
      const expected = `a category id listed in the ground truth's categories (${groundTruth?.file})`;
      problems.report({ file, field: `${entry.field}.category_id`, value: entry.categoryId, expected });
      continue;
    }

    const score = entry.score ?? 0;
    predictions.push({ index: predictions.length, imageIndex, categoryId, score, box: entry.box });
  }

  reportSkipped(file, skipped, missingImages.size, problems);
  const run: PredictionRun = { name, file, predictions };
  dataset.runs.push(run);
  return run;
}

/**
 * Maps each `images` entry of the file to a folder image by its `file_name`, filling in sizes the
 * folder does not know yet. Ground truth also supplies the image's metadata.
 */
function resolveImages(
  dataset: Dataset,
  coco: CocoFile,
  images: ImagePathIndex,
  problems: ProblemList,
  isGroundTruth: boolean,
): Map<string, number | null> {
  const imageByKey = new Map<string, number | null>();
  const claimedBy = new Map<number, CocoImageEntry>();
  const { file } = coco;

  for (const entry of coco.images ?? []) {
    const match = images.resolve(entry.fileName);
    const field = `${entry.field}.file_name`;
    if (match.kind !== 'found') {
      imageByKey.set(entry.key, null);
      if (match.kind === 'missing') {
        problems.report({
          file,
          field,
          value: entry.fileName,
          expected: 'an image file in the opened folder',
        });
      } else {
        const value = { file_name: entry.fileName, fits: match.candidates.slice(0, 3) };
        problems.report({ file, field, value, expected: 'a name that fits only one image in the folder' });
      }
      continue;
    }

    // Two entries for one picture usually mean a duplicated export; both ids keep working.
    const earlier = claimedBy.get(match.index);
    if (earlier) {
      const value = { file_name: entry.fileName, same_as: earlier.field };
      problems.report({ file, field, value, expected: 'one images entry per image file' }, 'warning');
    }
    claimedBy.set(match.index, entry);
    imageByKey.set(entry.key, match.index);

    const image = dataset.images[match.index];
    if (image.width === 0 && image.height === 0 && entry.width > 0 && entry.height > 0) {
      image.width = entry.width;
      image.height = entry.height;
    }
    if (isGroundTruth) Object.assign(image.meta, { cocoImageId: entry.id }, entry.extra);
  }
  return imageByKey;
}

/**
 * Ground truth defines the dataset's categories. A file without a `categories` list still loads:
 * each id it uses becomes a category named after the id, and a warning says names are missing.
 */
function groundTruthCategories(
  dataset: Dataset,
  coco: CocoFile,
  problems: ProblemList,
): (id: number) => number {
  if (coco.categories) {
    dataset.categories.push(...coco.categories);
    return (id) => id;
  }

  problems.report(
    {
      file: coco.file,
      field: 'categories',
      expected: 'a list of categories naming the ids (ids are used as names)',
    },
    'warning',
  );
  const known = new Set(dataset.categories.map((category) => category.id));
  return (id) => {
    if (!known.has(id)) {
      known.add(id);
      addCategory(dataset, { id, name: String(id) });
    }
    return id;
  };
}

/**
 * Returns the dataset category id for a run's category id, or null when it has none. With ground
 * truth, only its categories exist; without, the run's categories are added as they come.
 */
function runCategories(
  dataset: Dataset,
  coco: CocoFile,
  hasGroundTruth: boolean,
  problems: ProblemList,
): (id: number) => number | null {
  const byId = new Map(dataset.categories.map((category) => [category.id, category]));
  const byName = new Map(dataset.categories.map((category) => [category.name, category]));

  if (!coco.categories) {
    return (id) => {
      if (byId.has(id)) return id;
      if (hasGroundTruth) return null;
      const added = addCategory(dataset, { id, name: String(id) });
      byId.set(id, added);
      return added.id;
    };
  }

  const ownNames = new Map(coco.categories.map((category) => [category.id, category.name]));
  const joined = new Map<number, number | null>();
  for (const [id, name] of ownNames) {
    const existing = byName.get(name);
    if (existing) joined.set(id, existing.id);
    else if (!hasGroundTruth) joined.set(id, addCategory(dataset, { id, name }).id);
    else joined.set(id, null);
  }
  if (hasGroundTruth) reportUnjoinedCategories(coco, joined, problems);
  return (id) => joined.get(id) ?? null;
}

function reportUnjoinedCategories(
  coco: CocoFile,
  joined: Map<number, number | null>,
  problems: ProblemList,
): void {
  coco.categories?.forEach((category, position) => {
    if (joined.get(category.id) !== null) return;
    problems.report({
      file: coco.file,
      field: `categories[${position}].name`,
      value: category.name,
      expected: "a category name the ground truth lists (this category's predictions are skipped)",
    });
  });
}

/** Appends a category, giving it a fresh id when its id is taken by another name. */
function addCategory(dataset: Dataset, category: Category): Category {
  const taken = dataset.categories.some((existing) => existing.id === category.id);
  const id = taken
    ? dataset.categories.reduce((max, existing) => Math.max(max, existing.id), 0) + 1
    : category.id;
  let name = category.name;
  for (let n = 2; dataset.categories.some((existing) => existing.name === name); n++)
    name = `${category.name} (${n})`;

  const added = { id, name };
  dataset.categories.push(added);
  return added;
}

function reportSkipped(file: string, boxes: number, images: number, problems: ProblemList): void {
  if (boxes === 0) return;
  const value = `${boxes} boxes on ${images} images not in the folder (skipped)`;
  problems.report({ file, field: 'annotations', value, expected: 'boxes on images in the opened folder' });
}
