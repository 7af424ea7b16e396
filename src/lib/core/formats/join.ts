/**
 * Joining parsed sources (`types.ts`) into the one `Dataset`, the same way for every format:
 * images by name (exact path, path suffix, unique file name) or by the ids a source's images list
 * defines (a results file may use the ground truth's); classes by name (ids only where a format
 * numbers them); normalised boxes scaled by the image's displayed size. Anything that does not
 * join is a problem naming file and line or field; what looks wrong but loads (boxes outside the
 * image, all predictions inside [0, 1] on large images) is a warning.
 *
 * Two passes, so image sizes can be filled in between: `joinImages` for every source (ground truth
 * first), then the header reading of images still without a size, then `joinEntries` for every
 * source (ground truth first). The loops over entries make one object per box (the Dataset's) and
 * nothing else: a million boxes must join in a fraction of the time JSON.parse took to read them.
 */

import type {
  BoxXYWH,
  Category,
  Dataset,
  GroundTruth,
  ImageRecord,
  Prediction,
  PredictionRun,
} from '../dataset';
import type { ImagePathIndex } from '../imagePaths';
import type { ProblemList } from '../problems';
import type { EntryPart, ParsedEntry, ParsedSource, SourcePlan } from './types';

/** `JoinedImages.entryImages` value of an entry whose image is not in the folder (counted once per source). */
export const NOT_IN_FOLDER = -1;
/** `JoinedImages.entryImages` value of an entry whose image could not be told (reported on its own). */
export const UNJOINED = -2;
/** Entries handled between two calls of a `JoinPace`. */
export const PACE_ENTRIES = 4096;

/**
 * Called before every `PACE_ENTRIES` entries with how many of the source's entries are done; the
 * paced joins wait for what it returns, so the caller can report progress, yield to the event loop
 * (where a cancel message waits), or throw an AbortError.
 */
export type JoinPace = (done: number) => Promise<void> | void;

/** A join's loop, suspended every `PACE_ENTRIES` entries with how many are done. */
type Steps<T> = Generator<number, T, void>;

/** Where a problem is: file, and line or field when known. */
type Location = { file: string; line?: number; field?: string };

/** State shared by the joins of one import. */
export interface JoinContext {
  dataset: Dataset;
  images: ImagePathIndex;
  /** Image ids of the ground truth's images lists (keys from `imageIdKey`) → image index, null when not in the folder. */
  groundTruthImageIds: Map<string | number, number | null>;
  /** The first ground-truth source's first file, for messages; null before (or without) ground truth. */
  groundTruthFile: string | null;
  /**
   * Per image, 1 when it should have a size: it has normalised boxes, or ground truth names it.
   * After the first pass, those still of size 0 are worth reading from the image file's header.
   */
  wantsSize: Uint8Array;
}

/** What the first pass learned about one source, for the second. */
export interface JoinedImages {
  /** The source's own image ids (keys from `imageIdKey`) → image index, null when not in the folder. */
  ids: Map<string | number, number | null>;
  /** Image index of each entry, or `NOT_IN_FOLDER` / `UNJOINED`. */
  entryImages: Int32Array;
}

/** @param images - index over `dataset.images` paths. */
export function createJoinContext(dataset: Dataset, images: ImagePathIndex): JoinContext {
  return {
    dataset,
    images,
    groundTruthImageIds: new Map(),
    groundTruthFile: null,
    wantsSize: new Uint8Array(dataset.images.length),
  };
}

/** The key an image id is compared by: a number and its decimal text (`7`, `"7"`) are one id; `"007"` is not `7`. */
export function imageIdKey(id: string | number): string | number {
  if (typeof id === 'number') return id;
  const number = Number(id);
  return id !== '' && String(number) === id ? number : id;
}

/** The images of the folder that some source wants sized and that no source gave a size. */
export function imagesWithoutSize(context: JoinContext): number[] {
  const wanted: number[] = [];
  context.dataset.images.forEach((image, index) => {
    if (context.wantsSize[index] === 1 && (image.width === 0 || image.height === 0)) wanted.push(index);
  });
  return wanted;
}

/**
 * First pass over a source: matches its images list to the folder (taking stated sizes for images
 * still without one, and for ground truth the metadata), then finds each entry's image. Run it for
 * ground-truth sources before prediction sources, whose entries may use the ground truth's ids.
 */
export function joinImages(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): JoinedImages {
  return runToEnd(imageSteps(context, parsed, plan, problems));
}

/** `joinImages`, waiting for `pace` every `PACE_ENTRIES` entries. */
export function joinImagesPaced(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
  pace: JoinPace,
): Promise<JoinedImages> {
  return runPaced(imageSteps(context, parsed, plan, problems), pace);
}

function* imageSteps(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): Steps<JoinedImages> {
  const file = sourceFile(plan);
  const groundTruth = plan.role === 'groundTruth';
  const ids = new Map<string | number, number | null>();
  const firstNamedBy = new Map<number, string | undefined>();

  for (const image of parsed.images) {
    const index = resolveName(context, image.name, { file, field: image.field }, problems);
    if (image.id !== undefined) ids.set(imageIdKey(image.id), index);
    if (index === null) continue;

    // Two entries for one picture usually mean a duplicated export; both ids keep working.
    if (firstNamedBy.has(index)) {
      const value = { name: image.name, same_as: firstNamedBy.get(index) };
      problems.report(
        { file, field: image.field, value, expected: 'one images entry per image file' },
        'warning',
      );
    } else {
      firstNamedBy.set(index, image.field);
    }

    const record = context.dataset.images[index];
    if (record.width === 0 && record.height === 0 && (image.width ?? 0) > 0 && (image.height ?? 0) > 0) {
      record.width = image.width!;
      record.height = image.height!;
    }
    if (groundTruth) {
      // The source's own object when there is nothing to merge: 100k copies would cost for nothing.
      if (image.meta)
        record.meta = isEmpty(record.meta) ? image.meta : Object.assign(record.meta, image.meta);
      context.wantsSize[index] = 1;
    }
  }

  if (groundTruth) shareGroundTruthIds(context, ids, file);
  const entryImages = yield* placeEntries(context, parsed, plan, ids, problems);
  return { ids, entryImages };
}

/**
 * Second pass: adds the source's classes and entries, as ground truth or as a prediction run named
 * `plan.name`. Sizes must be known by now for normalised boxes. Run ground truth first: it defines
 * the classes predictions are joined to.
 *
 * @param joined - what `joinImages` returned for this source.
 * @returns the run (also appended to `dataset.runs`), or null for ground truth.
 */
export function joinEntries(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  joined: JoinedImages,
  problems: ProblemList,
): PredictionRun | null {
  return runToEnd(entrySteps(context, parsed, plan, joined, problems));
}

/** `joinEntries`, waiting for `pace` every `PACE_ENTRIES` entries. */
export function joinEntriesPaced(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  joined: JoinedImages,
  problems: ProblemList,
  pace: JoinPace,
): Promise<PredictionRun | null> {
  return runPaced(entrySteps(context, parsed, plan, joined, problems), pace);
}

function* entrySteps(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  joined: JoinedImages,
  problems: ProblemList,
): Steps<PredictionRun | null> {
  const { dataset } = context;
  const categoryOf = joinCategories(context, parsed, plan, problems);
  const { count, at } = entryAccess(parsed);
  const { entryImages } = joined;
  const groundTruth = plan.role === 'groundTruth';
  const predictions: Prediction[] = [];

  for (let i = 0; i < count; i++) {
    if (i % PACE_ENTRIES === 0) yield i;
    const imageIndex = entryImages[i];
    if (imageIndex < 0) continue;
    const entry = at(i);
    const categoryId = categoryOf(entry, i);
    if (categoryId === null) continue;
    const box = entry.box && placeBox(dataset.images[imageIndex], parsed, entry, i, groundTruth, problems);
    if (box === null) continue;

    if (groundTruth)
      dataset.groundTruth.push(groundTruthOf(dataset.groundTruth.length, imageIndex, categoryId, box, entry));
    else predictions.push(predictionOf(predictions.length, imageIndex, categoryId, box, entry));
  }

  if (groundTruth) return null;
  const run: PredictionRun = { name: plan.name, file: sourceFile(plan), predictions };
  flagNormalizedLookingRun(dataset, run, problems);
  dataset.runs.push(run);
  return run;
}

function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

async function runPaced<T>(steps: Steps<T>, pace: JoinPace): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pace(step.value);
  }
}

/** Fills `entryImages`, reporting unknown ids once per entry and images not in the folder once per source. */
function* placeEntries(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  ownIds: Map<string | number, number | null>,
  problems: ProblemList,
): Steps<Int32Array> {
  const { count, at } = entryAccess(parsed);
  const entryImages = new Int32Array(count);
  const byName = new Map<string, number>();
  const wantsAllSizes = plan.role === 'groundTruth';
  const missingImages = new Set<string | number>();
  let skipped = 0;
  let skippedBoxes = 0;

  for (let i = 0; i < count; i++) {
    if (i % PACE_ENTRIES === 0) yield i;
    const entry = at(i);
    let index: number;
    if (entry.imageId !== undefined) {
      index = imageById(context, parsed, plan, ownIds, entry, i, problems);
    } else {
      const name = entry.image ?? '';
      let known = byName.get(name);
      if (known === undefined) {
        known = resolveName(context, name, where(parsed, entry, i, 'image'), problems) ?? NOT_IN_FOLDER;
        byName.set(name, known);
      }
      index = known;
    }

    entryImages[i] = index;
    if (index >= 0) {
      if (wantsAllSizes || entry.normalized) context.wantsSize[index] = 1;
    } else if (index === NOT_IN_FOLDER) {
      skipped++;
      if (entry.box) skippedBoxes++;
      missingImages.add(entry.imageId !== undefined ? imageIdKey(entry.imageId) : (entry.image ?? ''));
    }
  }

  if (skipped > 0) {
    const what = skippedBoxes === skipped ? 'boxes' : skippedBoxes === 0 ? 'labels' : 'boxes and labels';
    problems.report({
      file: sourceFile(plan),
      field: parsed.lists?.entries,
      value: `${skipped} ${what} on ${missingImages.size} images not in the folder (skipped)`,
      expected: `${what} on images in the opened folder`,
    });
  }
  return entryImages;
}

/** The image an entry names by id: the source's own ids first, then the ground truth's. */
function imageById(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  ownIds: Map<string | number, number | null>,
  entry: ParsedEntry,
  index: number,
  problems: ProblemList,
): number {
  const key = imageIdKey(entry.imageId!);
  let image = ownIds.get(key);
  if (image === undefined) image = context.groundTruthImageIds.get(key);
  if (image !== undefined) return image ?? NOT_IN_FOLDER;

  let expected: string;
  if (parsed.images.length > 0) expected = `an image id listed in the images of ${sourceFile(plan)}`;
  else if (context.groundTruthFile && plan.role === 'predictions')
    expected = `an image id listed in the ground truth's images (${context.groundTruthFile})`;
  else
    expected = 'an image id listed in an images list (this file has none and the folder has no ground truth)';
  problems.report({ ...where(parsed, entry, index, 'image'), value: entry.imageId, expected });
  return UNJOINED;
}

/** Image index for a name, or null (reported) when no image or several fit it. */
function resolveName(
  context: JoinContext,
  name: string,
  location: Location,
  problems: ProblemList,
): number | null {
  const match = context.images.resolve(name);
  if (match.kind === 'found') return match.index;
  if (match.kind === 'missing') {
    problems.report({ ...location, value: name, expected: 'an image file in the opened folder' });
  } else {
    const value = { name, fits: match.candidates.slice(0, 3) };
    problems.report({ ...location, value, expected: 'a name that fits only one image in the folder' });
  }
  return null;
}

/** Ground-truth ids serve results files without images lists; with two ground truths, the first id wins. */
function shareGroundTruthIds(
  context: JoinContext,
  ids: Map<string | number, number | null>,
  file: string,
): void {
  if (context.groundTruthFile === null) {
    context.groundTruthImageIds = ids;
    context.groundTruthFile = file;
    return;
  }
  for (const [id, index] of ids) {
    if (!context.groundTruthImageIds.has(id)) context.groundTruthImageIds.set(id, index);
  }
}

/**
 * Ground truth defines the dataset's classes, in its order, keeping the ids a format gives them.
 * Predictions join by name (or through their own list's ids, or the ground truth's ids when they
 * list none); a predicted class the ground truth lacks is added with a warning, so the confusion
 * matrix can show it instead of hiding its boxes. Without names anywhere, an id names itself.
 *
 * @returns the dataset's class id for an entry, or null (reported) when it has none.
 */
function joinCategories(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): (entry: ParsedEntry, index: number) => number | null {
  const { dataset } = context;
  const file = sourceFile(plan);
  const groundTruth = plan.role === 'groundTruth';
  // Predictions are held to the ground truth's classes only when there is a ground truth.
  const checked = !groundTruth && context.groundTruthFile !== null && dataset.categories.length > 0;
  const newClass = 'a class the ground truth has (added as a new class)';
  const byName = new Map(dataset.categories.map((category) => [category.name, category.id]));
  const ids = new Set(dataset.categories.map((category) => category.id));
  const ownIds = new Map<number, number>();
  const add = (category: { name: string; id?: number }) => {
    const added = addCategory(dataset, category);
    byName.set(category.name, added.id);
    ids.add(added.id);
    return added.id;
  };

  parsed.categories.forEach((category, position) => {
    let id = byName.get(category.name);
    if (id === undefined) {
      if (checked) {
        const field = parsed.lists?.categories && `${parsed.lists.categories}[${position}]`;
        problems.report({ file, field, value: category.name, expected: newClass }, 'warning');
      }
      id = add(category);
    }
    if (category.id !== undefined) ownIds.set(category.id, id);
  });

  let namedAfterIds = false;
  return (entry, index) => {
    const { category } = entry;
    if (typeof category === 'string') {
      const known = byName.get(category);
      if (known !== undefined) return known;
      if (checked)
        problems.report(
          { ...where(parsed, entry, index, 'category'), value: category, expected: newClass },
          'warning',
        );
      return add({ name: category });
    }

    const own = ownIds.get(category);
    if (own !== undefined) return own;
    if (parsed.categories.length === 0 && ids.has(category)) return category;
    if (parsed.categories.length > 0 || checked) {
      const expected =
        parsed.categories.length > 0
          ? `a category id listed in the categories of ${file}`
          : `a category id listed in the ground truth's categories (${context.groundTruthFile})`;
      problems.report({ ...where(parsed, entry, index, 'category'), value: category, expected });
      return null;
    }

    // No names anywhere: the id names itself; ground truth is expected to have names, so say so once.
    if (groundTruth && !namedAfterIds) {
      namedAfterIds = true;
      const expected = 'a list of categories naming the ids (ids are used as names)';
      problems.report({ file, field: parsed.lists?.categories, expected }, 'warning');
    }
    const added = add({ id: category, name: String(category) });
    ownIds.set(category, added);
    return added;
  };
}

/** Appends a class, keeping its id unless another class has it, and its name unless taken. */
function addCategory(dataset: Dataset, category: { name: string; id?: number }): Category {
  const { categories } = dataset;
  const taken = category.id === undefined || categories.some((existing) => existing.id === category.id);
  const id = taken ? categories.reduce((max, existing) => Math.max(max, existing.id + 1), 0) : category.id!;
  let name = category.name;
  for (let n = 2; categories.some((existing) => existing.name === name); n++)
    name = `${category.name} (${n})`;

  const added = { id, name };
  categories.push(added);
  return added;
}

/**
 * The entry's box in pixels, or null (with a problem) when it cannot be placed: a normalised box on
 * an image of unknown size. A pixel box is the entry's own array, not a copy.
 *
 * A ground-truth box reaching outside the image loads with a warning: the label or the image's
 * stated size is wrong. Detectors often predict boxes a little past the border, so a prediction is
 * flagged only when it misses the image altogether (its coordinates mean something else).
 */
function placeBox(
  image: ImageRecord,
  parsed: ParsedSource,
  entry: ParsedEntry,
  index: number,
  groundTruth: boolean,
  problems: ProblemList,
): BoxXYWH | null {
  let box = entry.box!;
  const { width, height } = image;
  if (entry.normalized) {
    if (width === 0 || height === 0) {
      const expected = 'an image whose size is known (to scale normalised coordinates)';
      problems.report({ ...where(parsed, entry, index, 'box'), value: image.path, expected });
      return null;
    }
    box = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
  }
  if (width === 0 || height === 0) return box;

  // Half a pixel of slack: exporters round, and a box ending at width + 0.5 is not a mistake.
  const slack = 0.5;
  const [x, y, w, h] = box;
  const outside = groundTruth
    ? x < -slack || y < -slack || x + w > width + slack || y + h > height + slack
    : x >= width || y >= height || x + w <= 0 || y + h <= 0;
  if (outside) {
    const value = { box: box.map((v) => Math.round(v * 100) / 100), image: [width, height] };
    const expected = groundTruth ? 'a box inside the image' : 'a box that overlaps the image';
    problems.report({ ...where(parsed, entry, index, 'box'), value, expected }, 'warning');
  }
  return box;
}

function groundTruthOf(
  index: number,
  imageIndex: number,
  categoryId: number,
  box: BoxXYWH | undefined,
  entry: ParsedEntry,
): GroundTruth {
  const annotation: GroundTruth = { index, imageIndex, categoryId };
  if (box) annotation.box = box;
  if (entry.crowd !== undefined) annotation.crowd = entry.crowd;
  if (entry.difficult !== undefined) annotation.difficult = entry.difficult;
  if (entry.truncated !== undefined) annotation.truncated = entry.truncated;
  if (entry.sourceId !== undefined) annotation.sourceId = entry.sourceId;
  return annotation;
}

function predictionOf(
  index: number,
  imageIndex: number,
  categoryId: number,
  box: BoxXYWH | undefined,
  entry: ParsedEntry,
): Prediction {
  const score = entry.score ?? 1;
  return box ? { index, imageIndex, categoryId, score, box } : { index, imageIndex, categoryId, score };
}

/**
 * Predictions whose boxes all lie within [0, 1] on images larger than 32 pixels were almost surely
 * written in normalised coordinates by a tool that claimed pixels: warn once for the run.
 */
function flagNormalizedLookingRun(dataset: Dataset, run: PredictionRun, problems: ProblemList): void {
  let boxed = 0;
  let largeImages = false;
  for (const { box, imageIndex } of run.predictions) {
    if (!box) continue;
    // One pixel-sized coordinate settles it; this usually returns at the first box.
    if (!box.every((v) => v >= 0 && v <= 1)) return;
    boxed++;
    const image = dataset.images[imageIndex];
    largeImages ||= Math.max(image.width, image.height) > 32;
  }
  if (boxed === 0 || !largeImages) return;
  problems.report(
    {
      file: run.file,
      value: `${boxed} boxes, all within [0, 1]`,
      expected: 'pixel coordinates (these look normalised: export them in pixels, or as YOLO)',
    },
    'warning',
  );
}

/** Number of entries of a source: its `entries` and its columns' rows. */
export function entryCount(parsed: ParsedSource): number {
  return parsed.entries.length + (parsed.columns?.length ?? 0);
}

/**
 * Entries one at a time by index, `entries` first, then the columns' rows. A row is filled into one
 * object reused for every row, so callers take what they need from it before asking for the next.
 */
function entryAccess(parsed: ParsedSource): { count: number; at: (index: number) => ParsedEntry } {
  const { entries, columns } = parsed;
  if (!columns) return { count: entries.length, at: (index) => entries[index] };

  const offset = entries.length;
  const { imageIds, categories, boxes, scores, crowd, sourceIds } = columns;
  const row: ParsedEntry = { category: 0, file: columns.file };
  return {
    count: offset + columns.length,
    at: (index) => {
      if (index < offset) return entries[index];
      const r = index - offset;
      row.imageId = imageIds[r];
      row.category = categories[r];
      row.box = boxes[r];
      if (scores) row.score = scores[r];
      if (crowd) row.crowd = crowd[r] === 1;
      if (sourceIds) row.sourceId = sourceIds[r];
      return row;
    },
  };
}

/** Where an entry's part is, for a problem. */
function where(parsed: ParsedSource, entry: ParsedEntry, index: number, part: EntryPart): Location {
  if (parsed.locate) return { file: entry.file, ...parsed.locate(index, part) };
  return { file: entry.file, line: entry.line, field: entry.field };
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

function sourceFile(plan: SourcePlan): string {
  return plan.files[0] ?? plan.name;
}
