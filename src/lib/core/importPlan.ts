/**
 * Opening a folder, in two steps the user sees: `planImport` asks every registered format which of
 * the folder's files it recognises and proposes sources (ground truth, prediction runs) the user
 * can review; `executeImport` reads the sources the user kept and joins them into one `Dataset`.
 *
 * Everything goes through a `FolderReader`, so the same code runs on a directory handle in a
 * worker and on Node's file system in tests. Long loops report progress and can be cancelled.
 */

import { emptyDataset, type Dataset, type ImageRecord } from './dataset';
import { AbortError, DataError, isAbort } from './errors';
import {
  createJoinContext,
  entryCount,
  imagesWithoutSize,
  joinEntriesPaced,
  joinImagesPaced,
  type JoinContext,
  type JoinedImages,
} from './formats/join';
import {
  enableFewRuns,
  enableOneGroundTruth,
  planNotes,
  preferOriginals,
  uniqueRunNames,
} from './formats/plans';
import { FORMATS } from './formats/registry';
import type { AnnotationFormat, FolderFile, FolderReader, ParsedSource, SourcePlan } from './formats/types';
import { ImagePathIndex, isImagePath } from './imagePaths';
import { namedImages, reportMissingImages, type ParsedPlan } from './missingImages';
import { Pacer } from './pace';
import { ProblemList } from './problems';

export { isImagePath } from './imagePaths';
export { nameRuns, splitGroupOf } from './formats/plans';
export type { FolderFile, FolderReader, SourcePlan } from './formats/types';

/** What an import will read: the sources found (the user may edit roles, names, `enabled`). */
export interface ImportPlan {
  sources: SourcePlan[];
  /** Number of images in the folder: every one is part of the dataset, annotated or not. */
  images: number;
  /**
   * What the planner left off and why, for the user to read (`planNotes`): information, not
   * problems. Absent in plans made before notes existed.
   */
  notes?: string[];
}

/** How far an import is: reading sources (files), reading image sizes (images), joining (entries). */
export interface ImportProgress {
  phase: 'reading' | 'sizes' | 'joining';
  done: number;
  total: number;
  /** The file just read, in the reading phase. */
  file?: string;
}

/** Displayed width and height in pixels of an image, from its file's header; null when unreadable. */
export type ImageSizeReader = (path: string) => Promise<{ width: number; height: number } | null>;

export interface ImportOptions {
  /** Called at most every ~50 ms, and at the start and end of each phase. */
  onProgress?: (progress: ImportProgress) => void;
  /** Cancels the import: it rejects with an AbortError between files, or within ~50 ms while joining. */
  signal?: AbortSignal;
  /**
   * Reads the size of images that need one (normalised boxes, or named by ground truth) and that no
   * source gives a size; without it such images stay of size 0.
   */
  readImageSize?: ImageSizeReader;
  /** Where problems go; a new list when absent. */
  problems?: ProblemList;
  /** The formats to use; `FORMATS` when absent. */
  formats?: readonly AnnotationFormat[];
}

/** The outcome of an import. */
export interface ImportResult {
  dataset: Dataset;
  /** Everything that did not load or looks wrong, bounded per kind (see `ProblemList`). */
  problems: DataError[];
}

/** Image headers read at once: enough to hide file-system latency, few enough not to flood it. */
const SIZE_READS_IN_FLIGHT = 8;

/**
 * A `FolderReader` over a listing: hidden files and folders (a leading `.`) and `__MACOSX/` are
 * left out (zip archives made on a Mac carry a `._name.jpg` beside every image, which would show up
 * as a broken image), and files are sorted by path in UTF-16 code-unit order, not locale order, so
 * every machine numbers the images alike.
 *
 * @param files - the folder's files, relative paths with forward slashes.
 * @param readText - reads a file as text; an AbortError it throws ends the import.
 * @param readHead - reads the first `length` bytes of a file.
 */
export function makeFolderReader(
  files: readonly FolderFile[],
  readText: (path: string) => Promise<string>,
  readHead: (path: string, length: number) => Promise<Uint8Array>,
): FolderReader {
  const visible = files.filter((file) => !isHiddenPath(file.path));
  // Listings usually come sorted already: one look saves the sort's 100k calls of a comparator.
  if (!isSortedByPath(visible)) visible.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const images = visible.filter((file) => isImagePath(file.path)).map((file) => file.path);
  return { files: visible, images, readText, readHead };
}

/**
 * Proposes what to import: every format's sources, originals before derived ones (`preferOriginals`:
 * files under `derived/`, `converted/`, `export(s)/` come last), else in registry order. A file two
 * formats claim goes to the first (the later source keeps its other files, or is left out, with a
 * warning); run names are made unique across formats; one ground truth is enabled, with its other
 * splits (`enableOneGroundTruth`), and at most a few runs (`enableFewRuns`). The sources left off
 * stay listed and are named in `notes`, not as problems.
 *
 * @param problems - receives files that could not be read or parsed, and the warnings above.
 * @throws AbortError when `options.signal` fires (checked between formats) or a read is aborted.
 */
export async function planImport(
  folder: FolderReader,
  problems: ProblemList,
  options: { signal?: AbortSignal; formats?: readonly AnnotationFormat[] } = {},
): Promise<ImportPlan> {
  const sources: SourcePlan[] = [];
  const claims = new Map<string, AnnotationFormat>();

  for (const format of options.formats ?? FORMATS) {
    if (options.signal?.aborted) throw new AbortError();
    let found: SourcePlan[];
    try {
      found = await format.detect(folder, problems);
    } catch (error) {
      if (isAbort(error)) throw error;
      problems.add(unexpected(error, '(folder)', `${format.label} files that can be recognised`));
      continue;
    }

    for (const source of found) {
      const kept = withoutClaimedFiles(source, format, claims, problems);
      if (kept) sources.push(kept);
    }
    for (const source of found)
      for (const file of source.files) if (!claims.has(file)) claims.set(file, format);
  }

  preferOriginals(sources);
  uniqueRunNames(sources);
  enableOneGroundTruth(sources);
  enableFewRuns(sources);
  return { sources, images: folder.images.length, notes: planNotes(sources) };
}

/**
 * Imports the enabled sources of `plan`: reads each, matches its images, reads the sizes of images
 * that need one and have none (when `readImageSize` is given), then joins every source's entries,
 * ground truth first. A source that cannot be read is one problem; the others still load.
 *
 * A folder without any image file (annotations alone, as COCO's val2014 sample ships) still imports:
 * every image the ground truth names becomes a dataset image, listed as missing in one warning. Its
 * size comes from the annotation file when it states one; evaluation needs nothing more.
 * Known shortcoming: in a folder that has images, ground truth naming others is still skipped (with
 * problems naming them), not imported as missing images: there it more often means the wrong split
 * or folder than an annotations-only review, and 100k placeholders would hide the real images.
 *
 * @returns the dataset (every folder image, sorted by path; boxes in pixel xywh) and its problems.
 * @throws AbortError when `options.signal` fires.
 */
export async function executeImport(
  plan: ImportPlan,
  folder: FolderReader,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const problems = options.problems ?? new ProblemList();
  const pacer = new Pacer(options.onProgress, options.signal);

  // Ground truth first: it defines the classes, and the image ids results files may refer to.
  // Copies, named anew: the user may have given two runs one name while editing the plan.
  const enabled = plan.sources.filter((source) => source.enabled).map((source) => ({ ...source }));
  uniqueRunNames(enabled);
  const sources = [
    ...enabled.filter((source) => source.role === 'groundTruth'),
    ...enabled.filter((source) => source.role !== 'groundTruth'),
  ];
  const parsed = await parseSources(sources, folder, options.formats ?? FORMATS, problems, pacer);

  // Without image files, the images are the ones the ground truth names (shown as missing).
  const missing = folder.images.length === 0 ? namedImages(parsed) : [];
  if (missing.length > 0) reportMissingImages(missing, parsed, problems);
  const paths = missing.length > 0 ? missing : folder.images;
  const dataset = emptyDataset();
  dataset.images = paths.map((path, index): ImageRecord => ({ index, path, width: 0, height: 0, meta: {} }));
  const context = createJoinContext(dataset, new ImagePathIndex(paths));

  const read = await matchSourceImages(parsed, context, problems, pacer);
  if (options.readImageSize && missing.length === 0)
    await readSizes(context, options.readImageSize, problems, pacer);
  await joinSources(read, context, problems, pacer);
  return { dataset, problems: problems.toArray() };
}

/** Plans with every source the formats propose, and imports it: what tests and scripts want. */
export async function importFolder(
  folder: FolderReader,
  options: ImportOptions = {},
): Promise<ImportResult & { plan: ImportPlan }> {
  const problems = options.problems ?? new ProblemList();
  const plan = await planImport(folder, problems, options);
  const result = await executeImport(plan, folder, { ...options, problems });
  return { ...result, plan };
}

/** A source read and matched to the folder's images, waiting for its entries to be joined. */
interface ReadSource {
  plan: SourcePlan;
  parsed: ParsedSource;
  images: JoinedImages;
}

/** Reads each source; progress counts the sources' files. */
async function parseSources(
  sources: SourcePlan[],
  folder: FolderReader,
  formats: readonly AnnotationFormat[],
  problems: ProblemList,
  pacer: Pacer<ImportProgress>,
): Promise<ParsedPlan[]> {
  const total = sources.reduce((sum, source) => sum + source.files.length, 0);
  const read: ParsedPlan[] = [];
  let done = 0;
  await pacer.step({ phase: 'reading', done, total }, true);

  for (const plan of sources) {
    const format = formats.find((candidate) => candidate.id === plan.format);
    if (!format) {
      problems.report({ file: plan.files[0] ?? plan.name, value: plan.format, expected: 'a known format' });
      continue;
    }

    // Count the source's reads as they happen: one source can be ten thousand XML files.
    const before = done;
    const counted = countingReader(folder, pacer, async (file) => {
      done = Math.min(done + 1, before + plan.files.length);
      await pacer.step({ phase: 'reading', done, total, file });
    });
    try {
      read.push({ plan, parsed: await format.read(plan, counted, problems) });
    } catch (error) {
      if (isAbort(error)) throw error;
      problems.add(unexpected(error, plan.files[0] ?? plan.name, `a readable ${format.label} source`));
    }
    done = before + plan.files.length;
  }

  await pacer.step({ phase: 'reading', done: total, total }, true);
  return read;
}

/** The join's first pass over every parsed source, ground truth first (the order given). */
async function matchSourceImages(
  parsed: ParsedPlan[],
  context: JoinContext,
  problems: ProblemList,
  pacer: Pacer<ImportProgress>,
): Promise<ReadSource[]> {
  // Still the reading phase, all files read: matching images is what is left of it.
  const total = parsed.reduce((sum, { plan }) => sum + plan.files.length, 0);
  const progress: ImportProgress = { phase: 'reading', done: total, total };
  const read: ReadSource[] = [];
  for (const { plan, parsed: source } of parsed) {
    const images = await joinImagesPaced(context, source, plan, problems, () => pacer.step(progress));
    read.push({ plan, parsed: source, images });
  }
  return read;
}

/** Reads the sizes of images that need one, a few at a time; progress counts images. */
async function readSizes(
  context: JoinContext,
  readImageSize: ImageSizeReader,
  problems: ProblemList,
  pacer: Pacer<ImportProgress>,
): Promise<void> {
  const wanted = imagesWithoutSize(context);
  if (wanted.length === 0) return;
  const total = wanted.length;
  let next = 0;
  let done = 0;
  await pacer.step({ phase: 'sizes', done, total }, true);

  const readNext = async (): Promise<void> => {
    while (next < wanted.length) {
      pacer.check();
      const image = context.dataset.images[wanted[next++]];
      try {
        const size = await readImageSize(image.path);
        if (size && size.width > 0 && size.height > 0)
          [image.width, image.height] = [size.width, size.height];
      } catch (error) {
        if (isAbort(error)) throw error;
        problems.add(unexpected(error, image.path, 'an image file whose header gives its size'));
      }
      done++;
      await pacer.step({ phase: 'sizes', done, total });
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIZE_READS_IN_FLIGHT, total) }, readNext));
  await pacer.step({ phase: 'sizes', done: total, total }, true);
}

/** The join's second pass over every source; progress counts entries. */
async function joinSources(
  read: ReadSource[],
  context: JoinContext,
  problems: ProblemList,
  pacer: Pacer<ImportProgress>,
): Promise<void> {
  const total = read.reduce((sum, source) => sum + entryCount(source.parsed), 0);
  let before = 0;
  await pacer.step({ phase: 'joining', done: 0, total }, true);

  for (const { plan, parsed, images } of read) {
    const pace = (done: number) => pacer.step({ phase: 'joining', done: before + done, total });
    await joinEntriesPaced(context, parsed, plan, images, problems, pace);
    before += entryCount(parsed);
  }
  await pacer.step({ phase: 'joining', done: total, total }, true);
}

/**
 * The folder as a format's `read` sees it: every read first checks for cancellation, and each
 * `readText` is counted once it is done.
 */
function countingReader(
  folder: FolderReader,
  pacer: Pacer<ImportProgress>,
  onRead: (file: string) => Promise<void>,
): FolderReader {
  return {
    files: folder.files,
    images: folder.images,
    readText: async (path) => {
      pacer.check();
      const text = await folder.readText(path);
      await onRead(path);
      return text;
    },
    readHead: async (path, length) => {
      pacer.check();
      return folder.readHead(path, length);
    },
  };
}

/**
 * The source without files an earlier format claimed, or null when none is left. A file read two
 * ways would load its boxes twice, so the first format in the registry keeps it.
 */
function withoutClaimedFiles(
  source: SourcePlan,
  format: AnnotationFormat,
  claims: Map<string, AnnotationFormat>,
  problems: ProblemList,
): SourcePlan | null {
  const claimed = source.files.filter((file) => claims.has(file));
  if (claimed.length === 0) return source;

  const earlier = claims.get(claimed[0])!.label;
  const files = source.files.filter((file) => !claims.has(file));
  const outcome = files.length === 0 ? `read as ${earlier}; the source is left out` : `read as ${earlier}`;
  const of = `${claimed.length} of the ${source.files.length} files`;
  const value = `${of} of ${format.label} source "${source.name}"`;
  problems.report(
    { file: claimed[0], value, expected: `files only one format recognises (${outcome})` },
    'warning',
  );
  return files.length === 0 ? null : { ...source, files };
}

/** A DataError as thrown, or one saying what failed for anything else (a bug, a vanished file). */
function unexpected(error: unknown, file: string, expected: string): DataError {
  if (error instanceof DataError) return error;
  return new DataError({ file, value: String(error), expected }, { cause: error });
}

/** True for a path with a hidden file or folder (a leading `.`) or a `__MACOSX` folder in it. */
function isHiddenPath(path: string): boolean {
  // Plain string searches first: a listing runs to 100k paths, and few are hidden.
  if (path.charCodeAt(0) !== 0x2e && !path.includes('/.') && !path.includes('__MACOSX')) return false;
  return path.split('/').some((segment) => segment.startsWith('.') || segment === '__MACOSX');
}

function isSortedByPath(files: readonly FolderFile[]): boolean {
  for (let i = 1; i < files.length; i++) if (files[i - 1].path > files[i].path) return false;
  return true;
}
