/**
 * Joining parsed sources (`types.ts`) into the one `Dataset`, the same way for every format:
 * images by name (exact path, path suffix, unique file name) or by the ids a source's images list
 * defines; classes by name (ids only where a format numbers them); normalised boxes scaled by the
 * image's displayed size. Anything that does not join is a problem naming file and line or field;
 * what looks wrong but loads (boxes outside the image, all predictions inside [0, 1] on large
 * images) is a warning.
 */
import type { Category, Dataset, GroundTruth, Prediction, PredictionRun } from '../dataset';
import type { ImagePathIndex } from '../imagePaths';
import type { ProblemList } from '../problems';
import type { ParsedEntry, ParsedSource, SourcePlan } from './types';

/** State shared by the joins of one import. */
export interface JoinContext {
  dataset: Dataset;
  images: ImagePathIndex;
  /** Image ids defined by the ground truth's images list → image index (null: not in the folder). */
  groundTruthImageIds: Map<string, number | null>;
  /** The ground-truth source's first file, for messages; null before (or without) ground truth. */
  groundTruthFile: string | null;
}

export function createJoinContext(dataset: Dataset, images: ImagePathIndex): JoinContext {
  return { dataset, images, groundTruthImageIds: new Map(), groundTruthFile: null };
}

/**
 * First pass over a source: matches its images list to the folder and takes the sizes and
 * metadata it states for images whose size is still unknown. Run it for every source before
 * `joinEntries`, then read the headers of images still without a size.
 *
 * @returns the source's image ids → image index (null for ids whose image is not in the folder).
 */
export function joinImages(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): Map<string, number | null> {
  const ids = new Map<string, number | null>();
  const file = plan.files[0] ?? plan.name;

  for (const image of parsed.images) {
    const index = resolveImage(context, image.name, file, image.field, problems);
    if (image.id !== undefined) ids.set(image.id, index);
    if (index === null) continue;

    const record = context.dataset.images[index];
    if (record.width === 0 && record.height === 0 && (image.width ?? 0) > 0 && (image.height ?? 0) > 0) {
      record.width = image.width!;
      record.height = image.height!;
    }
    if (plan.role === 'groundTruth' && image.meta) Object.assign(record.meta, image.meta);
  }

  if (plan.role === 'groundTruth') {
    context.groundTruthImageIds = ids;
    context.groundTruthFile = file;
  }
  return ids;
}

/**
 * Second pass: adds the source's classes and entries, as ground truth or as a prediction run named
 * `plan.name`. Image sizes must be known by now for normalised boxes.
 *
 * @param ownImageIds - what `joinImages` returned for this source.
 */
export function joinEntries(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  ownImageIds: Map<string, number | null>,
  problems: ProblemList,
): PredictionRun | null {
  const { dataset } = context;
  const categoryOf = joinCategories(dataset, parsed, plan, problems);
  const nameCache = new Map<string, number | null>();
  const predictions: Prediction[] = [];
  let missing = 0;

  for (const entry of parsed.entries) {
    const imageIndex = entryImage(context, entry, ownImageIds, nameCache, problems);
    if (imageIndex === null) {
      missing++;
      continue;
    }
    const categoryId = categoryOf(entry, problems);
    if (categoryId === null) continue;
    const box = entry.box && entryBox(dataset, entry, imageIndex, problems);
    if (box === null) continue;

    if (plan.role === 'groundTruth') {
      const annotation: GroundTruth = { index: dataset.groundTruth.length, imageIndex, categoryId };
      if (box) annotation.box = box;
      if (entry.crowd) annotation.crowd = true;
      if (entry.difficult) annotation.difficult = true;
      if (entry.truncated) annotation.truncated = true;
      if (entry.sourceId !== undefined) annotation.sourceId = entry.sourceId;
      dataset.groundTruth.push(annotation);
    } else {
      const prediction: Prediction = {
        index: predictions.length,
        imageIndex,
        categoryId,
        score: entry.score ?? 1,
      };
      if (box) prediction.box = box;
      predictions.push(prediction);
    }
  }

  if (missing > 0) {
    const value = `${missing} entries on images not in the folder (skipped)`;
    problems.report({
      file: plan.files[0] ?? plan.name,
      value,
      expected: 'entries for images in the opened folder',
    });
  }
  if (plan.role === 'groundTruth') return null;

  const run: PredictionRun = { name: plan.name, file: plan.files[0] ?? '', predictions };
  flagNormalizedLookingRun(dataset, run, problems);
  dataset.runs.push(run);
  return run;
}

function resolveImage(
  context: JoinContext,
  name: string,
  file: string,
  field: string | undefined,
  problems: ProblemList,
): number | null {
  const match = context.images.resolve(name);
  if (match.kind === 'found') return match.index;
  if (match.kind === 'missing') {
    problems.report({ file, field, value: name, expected: 'an image file in the opened folder' });
  } else {
    const value = { name, fits: match.candidates.slice(0, 3) };
    problems.report({ file, field, value, expected: 'a name that fits only one image in the folder' });
  }
  return null;
}

/** The entry's image index, or null when it is not in the folder (counted, reported once per image). */
function entryImage(
  context: JoinContext,
  entry: ParsedEntry,
  ownImageIds: Map<string, number | null>,
  nameCache: Map<string, number | null>,
  problems: ProblemList,
): number | null {
  if (entry.imageId !== undefined) {
    const own = ownImageIds.get(entry.imageId);
    if (own !== undefined) return own;
    const shared = context.groundTruthImageIds.get(entry.imageId);
    if (shared !== undefined) return shared;
    const expected = context.groundTruthFile
      ? `an image id listed in the ground truth's images (${context.groundTruthFile})`
      : 'an image id listed in an images list (this file has none and the folder has no ground truth)';
    problems.report({
      file: entry.file,
      line: entry.line,
      field: entry.field,
      value: entry.imageId,
      expected,
    });
    return null;
  }

  const name = entry.image ?? '';
  let index = nameCache.get(name);
  if (index === undefined) {
    index = resolveImage(context, name, entry.file, entry.field, problems);
    nameCache.set(name, index);
  }
  return index;
}

/**
 * Ground truth defines the dataset's classes, in its order, keeping the ids a format gives them.
 * Predictions join by name (or by id when they carry one); a predicted class the ground truth lacks
 * is added with a warning, so the confusion matrix can show it instead of hiding its boxes.
 */
function joinCategories(
  dataset: Dataset,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): (entry: ParsedEntry, problems: ProblemList) => number | null {
  const file = plan.files[0] ?? plan.name;
  const byName = new Map(dataset.categories.map((category) => [category.name, category.id]));
  const ownIds = new Map<number, string>();

  parsed.categories.forEach((category, position) => {
    if (category.id !== undefined) ownIds.set(category.id, category.name);
    if (byName.has(category.name)) return;
    if (plan.role === 'predictions' && dataset.categories.length > 0) {
      const field = `categories[${position}]`;
      const expected = 'a class the ground truth has (added as a new class)';
      problems.report({ file, field, value: category.name, expected }, 'warning');
    }
    byName.set(category.name, addCategory(dataset, category).id);
  });

  const datasetIds = new Set(dataset.categories.map((category) => category.id));
  return (entry, problems) => {
    if (typeof entry.category === 'string') {
      const known = byName.get(entry.category);
      if (known !== undefined) return known;
      const added = addCategory(dataset, { name: entry.category }).id;
      byName.set(entry.category, added);
      return added;
    }

    // A number: the source's own id if it listed one, else an id of the dataset's classes.
    const name = ownIds.get(entry.category);
    if (name !== undefined) return byName.get(name)!;
    if (parsed.categories.length === 0 && datasetIds.has(entry.category)) return entry.category;
    const expected =
      parsed.categories.length > 0
        ? 'a class id this file lists'
        : "a class id of the ground truth's classes";
    problems.report({
      file: entry.file,
      line: entry.line,
      field: entry.field,
      value: entry.category,
      expected,
    });
    return null;
  };
}

/** Appends a class, keeping its id unless another class has it already. */
function addCategory(dataset: Dataset, category: { name: string; id?: number }): Category {
  const taken =
    category.id === undefined || dataset.categories.some((existing) => existing.id === category.id);
  const id = taken
    ? dataset.categories.reduce((max, existing) => Math.max(max, existing.id + 1), 0)
    : category.id!;
  const added = { id, name: category.name };
  dataset.categories.push(added);
  return added;
}

/**
 * The entry's box in pixels, or null (with a problem) when it cannot be placed: a normalised box on
 * an image of unknown size. Boxes reaching outside the image load with a warning.
 */
function entryBox(
  dataset: Dataset,
  entry: ParsedEntry,
  imageIndex: number,
  problems: ProblemList,
): [number, number, number, number] | null {
  const image = dataset.images[imageIndex];
  let [x, y, width, height] = entry.box!;
  if (entry.normalized) {
    if (image.width === 0 || image.height === 0) {
      const expected = 'an image whose size is known (to scale normalised coordinates)';
      problems.report({
        file: entry.file,
        line: entry.line,
        field: entry.field,
        value: image.path,
        expected,
      });
      return null;
    }
    [x, y, width, height] = [x * image.width, y * image.height, width * image.width, height * image.height];
  }

  // Half a pixel of slack: exporters round, and a box ending at width + 0.5 is not a mistake.
  const slack = 0.5;
  const outside =
    x < -slack || y < -slack || x + width > image.width + slack || y + height > image.height + slack;
  if (image.width > 0 && image.height > 0 && outside) {
    const value = {
      box: [x, y, width, height].map((v) => Math.round(v * 100) / 100),
      image: [image.width, image.height],
    };
    problems.report(
      { file: entry.file, line: entry.line, field: entry.field, value, expected: 'a box inside the image' },
      'warning',
    );
  }
  return [x, y, width, height];
}

/**
 * Predictions whose boxes all lie within [0, 1] on images larger than 32 pixels were almost surely
 * written in normalised coordinates by a tool that claimed pixels: warn once for the run.
 */
function flagNormalizedLookingRun(dataset: Dataset, run: PredictionRun, problems: ProblemList): void {
  const boxed = run.predictions.filter((prediction) => prediction.box);
  if (boxed.length === 0) return;
  const allUnit = boxed.every(({ box }) => box!.every((v) => v >= 0 && v <= 1));
  const largeImages = boxed.some(
    ({ imageIndex }) => Math.max(dataset.images[imageIndex].width, dataset.images[imageIndex].height) > 32,
  );
  if (allUnit && largeImages) {
    problems.report(
      {
        file: run.file,
        value: `${boxed.length} boxes, all within [0, 1]`,
        expected: 'pixel coordinates (these look normalised: export them in pixels, or as YOLO)',
      },
      'warning',
    );
  }
}
