/**
 * YOLO labels: one `.txt` per image, one object a line, `class cx cy w h` normalised to the image's
 * width and height (Ultralytics, Darknet, Roboflow and CVAT exports). A sixth column is a
 * confidence: a folder of such files is a prediction run (`save_txt` with `save_conf`). Class
 * names come from the nearest `data.yaml`, `*.names` or `classes.txt`; without one, the indices
 * themselves (`"0"`, `"1"`, ...) are the names.
 *
 * Boxes leave here normalised (`normalized: true`, top-left xywh); the join scales them by the
 * image's displayed size, read from its header when no file states it.
 */

import { countOf } from './plans';
import { ProblemList } from '../problems';
import { findClassNamesFile, readClassNames, uniqueCategories, type ClassName } from './classNames';
import {
  ImageStemIndex,
  labelFolders,
  pairLabelWithImage,
  parseClassIndex,
  parseNumber,
  stemOf,
  textRows,
  type TextRow,
} from './labelText';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedImage,
  ParsedSource,
  SourcePlan,
  SourceRole,
} from './types';
import { readDataYaml, type DataYaml } from './yoloDataYaml';
import { extensionOf } from '../imagePaths';
import { filesWithExtension } from './folderFiles';

/** `SourcePlan.options` of a YOLO source. */
export interface YoloOptions {
  /** The file that names the classes (a data.yaml, `*.names` or `classes.txt`), or null: indices as names. */
  names: string | null;
  /** The data.yaml whose splits give images their `split`, or null. */
  dataYaml: string | null;
}

/** Folder names that mark a split in a YOLO layout (`images/train`, `train/images`). */
const SPLIT_NAMES = new Set(['train', 'val', 'valid', 'validation', 'test']);

/** YOLO `.txt` labels (ground truth, 5 columns) and YOLO prediction runs (6 columns). */
export const yoloFormat: AnnotationFormat = {
  id: 'yolo',
  label: 'YOLO labels (txt)',
  detect: detectYolo,
  read: readYolo,
};

interface SourceGroup {
  role: SourceRole;
  root: string;
  dataYaml: DataYaml | null;
  folders: string[];
  files: Set<string>;
}

/**
 * One ground-truth source per dataset (a data.yaml's root, else the folder above `labels/`, else the
 * labels' own folder) and one prediction run per folder of 6-column files. Which folders hold YOLO
 * labels, rather than text boxes, is decided in `labelText.ts`.
 */
async function detectYolo(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]> {
  const labelled = (await labelFolders(folder)).filter((found) => found.kind === 'yolo');
  if (labelled.length === 0) return [];
  const dataYamls = await findDataYamls(folder, problems);

  // Ground truth under a data.yaml joins that file's source; the rest groups by dataset root.
  const groups = new Map<string, SourceGroup>();
  for (const found of labelled) {
    const role: SourceRole = found.predictions ? 'predictions' : 'groundTruth';
    const dataYaml = role === 'groundTruth' ? deepestAbove(found.folder, dataYamls) : null;
    const root = dataYaml ? dataYaml.root : datasetRoot(found.folder);
    const key = `${role}\u0000${root}`;
    const group = groups.get(key) ?? { role, root, dataYaml, folders: [], files: new Set<string>() };
    group.folders.push(found.folder);
    found.files.forEach((file) => group.files.add(file));
    groups.set(key, group);
  }

  // A split's images whose label files sit outside the sampled folders still belong to it.
  const existing = new Set(
    dataYamls.length > 0 ? filesWithExtension(folder, 'txt').map(({ path }) => path) : [],
  );
  for (const group of groups.values()) {
    for (const image of group.dataYaml?.splits.flatMap(({ images }) => images) ?? []) {
      const label = labelPathOf(image);
      if (existing.has(label)) group.files.add(label);
    }
  }

  const plans: SourcePlan[] = [];
  for (const group of groups.values()) {
    const names = group.dataYaml?.names
      ? group.dataYaml.file
      : await findClassNamesFile(folder, group.folders[0]);
    plans.push(planOf(group, names));
  }
  borrowGroundTruthNames(plans);
  return uniquelyNamed(plans);
}

/**
 * The folder's dataset files. Their split problems are reported when the source is read, not here
 * as well; but a `data.yaml` that does not parse is reported now, since no source will read it.
 */
async function findDataYamls(folder: FolderReader, problems: ProblemList): Promise<DataYaml[]> {
  const found: DataYaml[] = [];
  for (const { path } of filesWithExtension(folder, 'yaml', 'yml')) {
    const own = new ProblemList();
    const dataYaml = await readDataYaml(path, folder, own);
    if (dataYaml && dataYaml.splits.length > 0) found.push(dataYaml);
    if (!dataYaml && stemOf(path) === 'data') own.toArray().forEach((problem) => problems.add(problem));
  }
  return found;
}

/** The data.yaml with the deepest root that contains `folder`, or null. */
function deepestAbove(folder: string, dataYamls: readonly DataYaml[]): DataYaml | null {
  const containing = dataYamls.filter(
    ({ root }) => root === '' || folder === root || folder.startsWith(`${root}/`),
  );
  return containing.sort((a, b) => b.root.length - a.root.length)[0] ?? null;
}

/** `data/labels/train` → `data`; a folder without a `labels` segment is its own root. */
function datasetRoot(folder: string): string {
  const segments = folder.split('/');
  const labels = segments.lastIndexOf('labels');
  return labels < 0 ? folder : segments.slice(0, labels).join('/');
}

/** Ultralytics' label path for an image: the last `images` folder becomes `labels`, the extension `.txt`. */
function labelPathOf(image: string): string {
  const segments = image.split('/');
  const images = segments.lastIndexOf('images', segments.length - 2);
  if (images >= 0) segments[images] = 'labels';
  segments[segments.length - 1] = `${stemOf(image)}.txt`;
  return segments.join('/');
}

function planOf(group: SourceGroup, names: string | null): SourcePlan {
  const labels = [...group.files].sort();
  const where =
    group.folders.length === 1 ? `${group.folders[0] || '.'}/` : `${group.folders.length} folders`;
  const kind = group.role === 'predictions' ? 'YOLO predictions (with confidence)' : 'YOLO labels';
  const options: YoloOptions = { names, dataYaml: group.dataYaml?.file ?? null };
  return {
    format: 'yolo',
    role: group.role,
    name: group.root.split('/').pop() || 'yolo',
    files: group.dataYaml ? [group.dataYaml.file, ...labels] : labels,
    description: `${kind} in ${where} (${countOf(labels.length, 'file')}, ${namesNote(names)})`,
    enabled: true,
    options: { ...options },
  };
}

function namesNote(names: string | null): string {
  return names ? `class names from ${names}` : 'no class-names file: indices are the names';
}

/**
 * A prediction run rarely ships its class names (Ultralytics writes only indices), and its indices
 * are those of the dataset it was trained on: with exactly one YOLO ground truth, use its names.
 */
function borrowGroundTruthNames(plans: SourcePlan[]): void {
  const groundTruth = plans.filter((plan) => plan.role === 'groundTruth');
  const names = groundTruth.length === 1 ? (groundTruth[0].options as unknown as YoloOptions).names : null;
  if (!names) return;
  for (const plan of plans) {
    const options = plan.options as unknown as YoloOptions;
    if (plan.role !== 'predictions' || options.names) continue;
    options.names = names;
    plan.description = plan.description.replace(namesNote(null), `${namesNote(names)} (the ground truth's)`);
  }
}

function uniquelyNamed(plans: SourcePlan[]): SourcePlan[] {
  const used = new Set<string>();
  for (const plan of plans) {
    let name = plan.name;
    for (let n = 2; used.has(name); n++) name = `${plan.name} (${n})`;
    used.add(name);
    plan.name = name;
  }
  return plans;
}

/** Reads a YOLO source: every label file's boxes, and each image's split when the layout tells it. */
async function readYolo(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const options = (plan.options ?? {}) as Partial<YoloOptions>;
  const dataYaml = options.dataYaml ? await readDataYaml(options.dataYaml, folder, problems) : null;
  const declared =
    options.names && options.names === dataYaml?.file
      ? dataYaml.names
      : options.names
        ? await readClassNames(options.names, folder, problems)
        : null;
  // A names file that names nothing (reported by its reader) leaves the indices as names.
  const names = declared?.length ? declared : null;
  const classes = names ? new Map(names.map(({ id, name }) => [id, name])) : null;
  const context: RowContext = { role: plan.role, classes, namesFile: options.names ?? null, problems };

  // A data.yaml's splits name images, labelled or not (an image without a label file is background).
  const images = new Map<string, ParsedImage>();
  for (const { split, images: splitImages } of dataYaml?.splits ?? []) {
    for (const image of splitImages)
      if (!images.has(image)) images.set(image, { name: image, meta: { split } });
  }

  const stems = new ImageStemIndex(folder.images);
  const entries: ParsedEntry[] = [];
  for (const file of plan.files.filter((path) => extensionOf(path) === 'txt')) {
    const image = pairLabelWithImage(file, stems);
    if (image !== null && !images.has(image)) images.set(image, imageWithSplit(image));
    for (const row of textRows(await folder.readText(file))) {
      const entry = readRow(row, file, image ?? stemOf(file), context);
      if (entry) entries.push(entry);
    }
  }

  // A run lists only the classes it predicts: a names file's others would become empty classes.
  const used = new Set(entries.map((entry) => entry.category));
  const categories = categoriesOf(names, entries).filter(
    ({ name }) => plan.role !== 'predictions' || used.has(name),
  );
  return { categories, images: [...images.values()], entries };
}

function imageWithSplit(image: string): ParsedImage {
  const segments = image.split('/');
  const split = segments.find(
    (segment, index) =>
      SPLIT_NAMES.has(segment) && (segments[index - 1] === 'images' || segments[index + 1] === 'images'),
  );
  return split ? { name: image, meta: { split } } : { name: image };
}

/** Declared classes in index order; without a names file, the indices that occur, as names. */
function categoriesOf(
  names: readonly ClassName[] | null,
  entries: readonly ParsedEntry[],
): ParsedSource['categories'] {
  if (names) return uniqueCategories(names);
  const ids = [...new Set(entries.map((entry) => Number(entry.category)))].sort((a, b) => a - b);
  return ids.map((id) => ({ id, name: String(id) }));
}

interface RowContext {
  role: SourceRole;
  /** Index → name, or null when indices are the names. */
  classes: Map<number, string> | null;
  namesFile: string | null;
  problems: ProblemList;
}

const COLUMNS = ['class', 'cx', 'cy', 'width', 'height'];

/**
 * One label line as an entry: `class cx cy w h` (+ `confidence` for predictions), or a segmentation
 * polygon `class x1 y1 x2 y2 ...`, which becomes its bounding box as Ultralytics does for detection.
 * A bad line is reported with its file, line, column and value, and skipped.
 */
function readRow(row: TextRow, file: string, image: string, context: RowContext): ParsedEntry | null {
  const { tokens, line } = row;
  const { problems } = context;
  const scored = context.role === 'predictions';
  const coordinates = tokens.length - 1 - (scored ? 1 : 0);
  const polygon = coordinates >= 6 && coordinates % 2 === 0;
  if (coordinates !== 4 && !polygon) {
    const expected = scored ? '6 numbers: class cx cy w h confidence' : '5 numbers: class cx cy w h';
    problems.report({ file, line, value: tokens.join(' '), expected });
    return null;
  }

  const numbers = tokens.map(parseNumber);
  const bad = numbers.findIndex((value, index) => index > 0 && value === null);
  if (bad >= 0) {
    const field = bad === tokens.length - 1 && scored ? 'confidence' : (COLUMNS[bad] ?? `column ${bad + 1}`);
    problems.report({ file, line, field, value: tokens[bad], expected: 'a number' });
    return null;
  }

  const id = parseClassIndex(tokens[0]);
  const name = id === null ? undefined : context.classes ? context.classes.get(id) : String(id);
  if (name === undefined) {
    const expected =
      id === null
        ? 'a class index (0, 1, 2, ...)'
        : `a class index listed in ${context.namesFile} (0 to ${Math.max(...context.classes!.keys())})`;
    problems.report({ file, line, field: 'class', value: tokens[0], expected });
    return null;
  }

  const values = numbers.slice(1, 1 + coordinates) as number[];
  const box = polygon ? polygonBounds(values) : centredToCorner(values);
  if (box[2] < 0 || box[3] < 0) {
    const field = box[2] < 0 ? 'width' : 'height';
    problems.report({
      file,
      line,
      field,
      value: box[2] < 0 ? values[2] : values[3],
      expected: 'a size >= 0',
    });
    return null;
  }

  const entry: ParsedEntry = { image, category: name, box, normalized: true, file, line };
  if (scored) {
    const score = numbers[numbers.length - 1]!;
    if (score < 0 || score > 1) {
      problems.report({ file, line, field: 'confidence', value: score, expected: 'a confidence in [0, 1]' });
      return null;
    }
    entry.score = score;
  }
  return entry;
}

function centredToCorner([cx, cy, width, height]: number[]): [number, number, number, number] {
  return [cx - width / 2, cy - height / 2, width, height];
}

function polygonBounds(values: number[]): [number, number, number, number] {
  const xs = values.filter((_, index) => index % 2 === 0);
  const ys = values.filter((_, index) => index % 2 === 1);
  const [left, top] = [Math.min(...xs), Math.min(...ys)];
  return [left, top, Math.max(...xs) - left, Math.max(...ys) - top];
}
