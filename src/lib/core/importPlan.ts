/**
 * Opening a folder: deciding what its files are (images, ground truth, prediction runs) and
 * building one `Dataset` from them. Reading goes through a `readText` function so the same code
 * runs on a directory handle in the browser, in a worker and on Node's file system in tests.
 *
 * Only COCO JSON is recognised so far; other formats plug in beside it.
 */

import { emptyDataset, type Dataset, type ImageRecord } from './dataset';
import { DataError, isAbort } from './errors';
import { classifyCocoJson, readCocoFile, type CocoFileKind } from './formats/coco';
import { addCocoGroundTruth, addCocoRun, type CocoGroundTruthImages } from './formats/cocoJoin';
import { parseJsonFile } from './formats/json';
import { extensionOf, ImagePathIndex, isImagePath } from './imagePaths';
import { ProblemList } from './problems';

export { isImagePath } from './imagePaths';

/** One file of the opened folder. */
export interface FolderFile {
  /** Relative path inside the folder, forward slashes, e.g. `images/000005.jpg`. */
  path: string;
  /** Size in bytes. */
  size: number;
}

/** The folder's files sorted into what the importer will look at. */
export interface FolderSurvey {
  /** Image paths, in plain string order (not locale order) so every machine numbers images alike. */
  images: string[];
  /** `.json` files (any case), sorted the same way; each may be COCO or something else. */
  jsonFiles: string[];
}

/** What the import decided each annotation file is. */
export interface ImportPlan {
  /** The ground-truth file loaded, or null when the folder has none. */
  groundTruth: string | null;
  /**
   * Further ground-truth files (e.g. train and val splits), not loaded yet: the first by path is
   * the ground truth and these are only listed, with a warning each.
   */
  extraGroundTruth: string[];
  /** Prediction runs loaded, in path order, with their unique names. */
  runs: { name: string; file: string }[];
  /** JSON files that are not COCO (a config, a LabelMe file) and were left alone. */
  ignored: string[];
}

/** Progress of reading the folder's JSON files. */
export interface ImportProgress {
  /** Files read so far. */
  done: number;
  /** Files to read in all. */
  total: number;
  /** The file just read. */
  file: string;
}

/** The outcome of `importFolder`. */
export interface FolderImport {
  dataset: Dataset;
  /** Everything that did not load or looks wrong, bounded per kind (see `ProblemList`). */
  problems: DataError[];
  plan: ImportPlan;
}

/**
 * Sorts a folder's file list into images and candidate annotation files. Hidden files and folders
 * (a leading `.`) and `__MACOSX/` are skipped: zip archives made on a Mac carry a `._name.jpg`
 * resource file beside every image, which would otherwise show up as a broken image.
 */
export function surveyFolder(files: readonly FolderFile[]): FolderSurvey {
  const visible = files.map((file) => file.path).filter((path) => !isHiddenPath(path));
  return {
    images: visible.filter(isImagePath).sort(byCodeUnit),
    jsonFiles: visible.filter((path) => extensionOf(path) === 'json').sort(byCodeUnit),
  };
}

/**
 * Names prediction runs after their files: `dets/coco_format/coco_dets.json` → `coco_dets`. When
 * two files would share a name, both take as many parent folders as make them differ
 * (`yolo/results`, `detr/results`). `gt` is reserved for ground truth.
 *
 * @param files - relative paths of the runs' files.
 * @returns file → unique run name.
 */
export function nameRuns(files: readonly string[]): Map<string, string> {
  const segmentsOf = (file: string) => file.replace(/\.[^./]*$/, '').split('/');
  const depth = new Map(files.map((file) => [file, 1]));

  // Lengthen the colliding names one folder at a time; paths are unique, so this ends.
  for (let changed = true; changed;) {
    changed = false;
    const holders = new Map<string, string[]>();
    for (const file of files) {
      const name = segmentsOf(file).slice(-depth.get(file)!).join('/');
      holders.set(name, [...(holders.get(name) ?? []), file]);
    }
    for (const group of holders.values()) {
      if (group.length < 2) continue;
      for (const file of group) {
        if (depth.get(file)! < segmentsOf(file).length) {
          depth.set(file, depth.get(file)! + 1);
          changed = true;
        }
      }
    }
  }

  // Names can still collide when paths differ only in the extension's case; number those.
  const names = new Map<string, string>();
  const used = new Set(['gt']);
  for (const file of files) {
    const base = segmentsOf(file).slice(-depth.get(file)!).join('/');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base} (${n})`;
    used.add(name);
    names.set(file, name);
  }
  return names;
}

/**
 * Builds one dataset from an opened folder.
 *
 * Every image file becomes an image (sorted by path). Each JSON file is read and classified; the
 * first COCO ground-truth file by path supplies categories, image sizes and ground truth, matched
 * to the folder's images by `file_name` (exact path, else path suffix, else unique file name).
 * Each COCO results file becomes a prediction run. A file that cannot be read or parsed is one
 * problem and the other files still load; bad entries are problems and the rest still load.
 *
 * @param files - the folder's files, relative paths with forward slashes.
 * @param readText - reads a file of `files` as text; an AbortError it throws ends the import.
 * @param onProgress - called after each JSON file is read.
 * @returns the dataset (boxes in pixel xywh), the problems, and what each file was taken to be.
 */
export async function importFolder(
  files: readonly FolderFile[],
  readText: (path: string) => Promise<string>,
  onProgress?: (progress: ImportProgress) => void,
): Promise<FolderImport> {
  const survey = surveyFolder(files);
  const problems = new ProblemList();
  const dataset = emptyDataset();
  dataset.images = survey.images.map((path, index): ImageRecord => ({
    index,
    path,
    width: 0,
    height: 0,
    meta: {},
  }));

  // Read everything first: which file is the ground truth is known only once all are classified.
  const sizes = new Map(files.map((file) => [file.path, file.size]));
  const documents: CocoDocument[] = [];
  const ignored: string[] = [];
  let haveGroundTruth = false;
  for (const [done, file] of survey.jsonFiles.entries()) {
    const document = await readAnnotationFile(file, sizes.get(file) ?? 0, readText, problems);
    if (document === 'ignored') ignored.push(file);
    else if (document) {
      // Only the first ground truth (by path) is loaded: drop a later one's contents at once.
      if (document.kind === 'groundTruth' && haveGroundTruth) document.json = null;
      haveGroundTruth ||= document.kind === 'groundTruth';
      documents.push(document);
    }
    onProgress?.({ done: done + 1, total: survey.jsonFiles.length, file });
  }

  // Further ground-truth files are listed, not checked: merging splits is still to come, and
  // problems of files that were not loaded would only confuse.
  const [groundTruth, ...extraGroundTruth] = documents.filter((document) => document.kind === 'groundTruth');
  for (const extra of extraGroundTruth) {
    problems.report(
      { file: extra.file, expected: `one ground-truth file (only ${groundTruth.file} was loaded)` },
      'warning',
    );
  }

  const images = new ImagePathIndex(survey.images);
  const groundTruthImages = groundTruth
    ? addCocoGroundTruth(
        dataset,
        readCocoFile(groundTruth.json, groundTruth.file, 'groundTruth', problems),
        images,
        problems,
      )
    : null;
  const runs = addRuns(dataset, documents, groundTruthImages, images, problems);

  const plan: ImportPlan = {
    groundTruth: groundTruth?.file ?? null,
    extraGroundTruth: extraGroundTruth.map((document) => document.file),
    runs,
    ignored,
  };
  return { dataset, problems: problems.toArray(), plan };
}

/** A parsed JSON document recognised as COCO, not yet checked. */
interface CocoDocument {
  file: string;
  kind: CocoFileKind;
  json: unknown;
}

/**
 * Reads, parses and classifies one JSON file. A failure to read or parse is reported and yields
 * null; a document that is not COCO yields `'ignored'`.
 */
async function readAnnotationFile(
  file: string,
  size: number,
  readText: (path: string) => Promise<string>,
  problems: ProblemList,
): Promise<CocoDocument | 'ignored' | null> {
  if (size === 0) {
    problems.report({ file, value: '0 bytes', expected: 'a JSON document' });
    return null;
  }

  let json: unknown;
  try {
    json = parseJsonFile(await readText(file), file);
  } catch (error) {
    if (isAbort(error)) throw error;
    const unreadable = () =>
      new DataError({ file, value: String(error), expected: 'a readable file' }, { cause: error });
    problems.add(error instanceof DataError ? error : unreadable());
    return null;
  }

  const kind = classifyCocoJson(json);
  return kind ? { file, kind, json } : 'ignored';
}

function addRuns(
  dataset: Dataset,
  documents: readonly CocoDocument[],
  groundTruth: CocoGroundTruthImages | null,
  images: ImagePathIndex,
  problems: ProblemList,
): { name: string; file: string }[] {
  const runFiles = documents.filter((document) => document.kind === 'predictions');
  const names = nameRuns(runFiles.map((document) => document.file));
  return runFiles.map(({ file, json }) => {
    const coco = readCocoFile(json, file, 'predictions', problems);
    const run = addCocoRun(dataset, coco, names.get(file)!, groundTruth, images, problems);
    return { name: run.name, file: run.file };
  });
}

function isHiddenPath(path: string): boolean {
  return path.split('/').some((segment) => segment.startsWith('.') || segment === '__MACOSX');
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
