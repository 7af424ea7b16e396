/**
 * Joining parsed sources (`types.ts`) into the one `Dataset`, the same way for every format:
 * images by name (exact path, path suffix, unique file name) or by the ids a source's images list
 * defines (a results file may use the ground truth's); classes by name (`joinCategories.ts`);
 * normalised boxes scaled by the image's displayed size. Anything that does not join is a problem
 * naming file and line or field; what looks wrong but loads (ground truth outside the image, all
 * predictions inside [0, 1] on large images) is a warning.
 *
 * Two passes, so image sizes can be filled in between: `joinImages` for every source (ground truth
 * first), then the header reading of images still without a size, then `joinEntries` for every
 * source (ground truth first). Each entry is visited once, in the second pass, unless the first
 * must learn which images its normalised boxes fall on; and the visit makes one object, the
 * Dataset's: a million boxes must join in a fraction of the time JSON.parse took to read them.
 */

import type { Dataset, Prediction, PredictionRun } from '../dataset';
import type { ImagePathIndex } from '../imagePaths';
import type { ProblemList } from '../problems';
import { flagNormalizedLookingRun, groundTruthOf, placeBox, predictionOf } from './entryBoxes';
import { ImageFinder, imageIdKey, resolveName } from './entryImages';
import { joinCategories } from './joinCategories';
import { sourceFile } from './places';
import type { ParsedEntry, ParsedImage, ParsedSource, SourcePlan } from './types';

export { imageIdKey } from './entryImages';

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

/** State shared by the joins of one import. */
export interface JoinContext {
  dataset: Dataset;
  images: ImagePathIndex;
  /** The ground-truth sources' images, in join order: results files may name images by their ids. */
  groundTruthImages: JoinedImages[];
  /** The first ground-truth source's first file, for messages; null before (or without) ground truth. */
  groundTruthFile: string | null;
  /**
   * Per image, 1 when it should have a size: it has normalised boxes, or ground truth names it.
   * After the first pass, those still of size 0 are worth reading from the image file's header.
   */
  wantsSize: Uint8Array;
}

/** What the first pass learned about one source's images list, for the second. */
export class JoinedImages {
  #ids: Map<string | number, number | null> | null = null;

  /**
   * @param images - the source's images list.
   * @param rows - image index of each entry of `images`, -1 when not in the folder.
   */
  constructor(
    readonly images: readonly ParsedImage[],
    readonly rows: Int32Array,
  ) {}

  /**
   * The list's ids (keys from `imageIdKey`) → image index, null when not in the folder. Built at
   * first use: entries that name their image by row (COCO) never need it.
   */
  get ids(): Map<string | number, number | null> {
    if (this.#ids) return this.#ids;
    const ids = new Map<string | number, number | null>();
    this.images.forEach((image, row) => {
      if (image.id !== undefined) ids.set(imageIdKey(image.id), this.rows[row] >= 0 ? this.rows[row] : null);
    });
    this.#ids = ids;
    return ids;
  }
}

/** @param images - index over `dataset.images` paths. */
export function createJoinContext(dataset: Dataset, images: ImagePathIndex): JoinContext {
  return {
    dataset,
    images,
    groundTruthImages: [],
    groundTruthFile: null,
    wantsSize: new Uint8Array(dataset.images.length),
  };
}

/** The images of the folder that some source wants sized and that no source gave a size. */
export function imagesWithoutSize(context: JoinContext): number[] {
  const wanted: number[] = [];
  context.dataset.images.forEach((image, index) => {
    if (context.wantsSize[index] === 1 && (image.width === 0 || image.height === 0)) wanted.push(index);
  });
  return wanted;
}

/** Number of entries of a source: its `entries` and its columns' rows. */
export function entryCount(parsed: ParsedSource): number {
  return parsed.entries.length + (parsed.columns?.length ?? 0);
}

/**
 * First pass over a source: matches its images list to the folder (taking stated sizes for images
 * still without one, and for ground truth the metadata), and marks the images whose size the
 * second pass needs. Run it for ground-truth sources before prediction sources, whose entries may
 * use the ground truth's ids.
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

function* imageSteps(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): Steps<JoinedImages> {
  const joined = matchImages(context, parsed, plan, problems);
  if (plan.role === 'groundTruth') {
    context.groundTruthImages.push(joined);
    context.groundTruthFile ??= sourceFile(plan);
  }

  // Entries that need their image's size: every normalised box, and ground truth named by path
  // (an images list marked its own images already). Columns hold pixel boxes: none need it.
  const groundTruth = plan.role === 'groundTruth';
  const { entries } = parsed;
  const finder = new ImageFinder(context, parsed, plan, joined, null);
  for (let i = 0; i < entries.length; i++) {
    if (i % PACE_ENTRIES === 0) yield i;
    const entry = entries[i];
    if (!entry.normalized && !(groundTruth && entry.imageId === undefined)) continue;
    const index = finder.find(entry, i);
    if (index >= 0) context.wantsSize[index] = 1;
  }
  return joined;
}

/** Matches the source's images list to the folder: each entry → image index. */
function matchImages(
  context: JoinContext,
  parsed: ParsedSource,
  plan: SourcePlan,
  problems: ProblemList,
): JoinedImages {
  const file = sourceFile(plan);
  const groundTruth = plan.role === 'groundTruth';
  const rows = new Int32Array(parsed.images.length).fill(-1);
  // Per folder image, 1 + the position of the first images entry naming it (0: none yet).
  const namedBy = new Int32Array(context.dataset.images.length);

  parsed.images.forEach((image, position) => {
    const index = resolveName(context, image.name, file, image.field, problems);
    if (index === null) return;
    rows[position] = index;

    // Two entries for one picture usually mean a duplicated export; both ids keep working.
    if (namedBy[index] > 0) {
      const value = { name: image.name, same_as: parsed.images[namedBy[index] - 1].field };
      const expected = 'one images entry per image file';
      problems.report({ file, field: image.field, value, expected }, 'warning');
    } else {
      namedBy[index] = position + 1;
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
  });
  return new JoinedImages(parsed.images, rows);
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
  const finder = new ImageFinder(context, parsed, plan, joined, problems);
  const { count, at } = entryAccess(parsed);
  // Columns may name images by their row in the images list: no lookup needed.
  const imageRows = parsed.columns?.imageRows;
  const offset = parsed.entries.length;
  const groundTruth = plan.role === 'groundTruth';
  const predictions: Prediction[] = [];

  for (let i = 0; i < count; i++) {
    if (i % PACE_ENTRIES === 0) yield i;
    const entry = at(i);
    const imageIndex =
      imageRows && i >= offset ? finder.findRow(imageRows[i - offset], entry) : finder.find(entry, i);
    if (imageIndex < 0) continue;
    const categoryId = categoryOf(entry, i);
    if (categoryId === null) continue;
    const box = entry.box && placeBox(dataset.images[imageIndex], parsed, entry, i, groundTruth, problems);
    if (box === null) continue;

    if (groundTruth) {
      dataset.groundTruth.push(groundTruthOf(dataset.groundTruth.length, imageIndex, categoryId, box, entry));
    } else {
      predictions.push(predictionOf(predictions.length, imageIndex, categoryId, box, entry));
    }
  }
  finder.reportSkipped();

  if (groundTruth) return null;
  const run: PredictionRun = { name: plan.name, file: sourceFile(plan), predictions };
  flagNormalizedLookingRun(dataset, run, problems);
  dataset.runs.push(run);
  return run;
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
      if (imageIds) row.imageId = imageIds[r];
      row.category = categories[r];
      row.box = boxes[r];
      if (scores) row.score = scores[r];
      if (crowd) row.crowd = crowd[r] === 1;
      if (sourceIds) row.sourceId = sourceIds[r];
      return row;
    },
  };
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

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}
