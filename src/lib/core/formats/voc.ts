/**
 * Pascal VOC XML: one `<annotation>` file per image (usually `Annotations/*.xml`), as written by the
 * VOC devkit, labelImg, Datumaro, CVAT and Roboflow. Each folder of such files is one source: ground
 * truth, or a prediction run when its objects carry a `<score>` (or `<confidence>`).
 *
 * Coordinates. The devkit writes `<bndbox>` as 1-based, inclusive pixel indices, so a strict reading
 * would be `x = xmin - 1, width = xmax - xmin + 1`. Longtail reads `x = xmin, y = ymin,
 * width = xmax - xmin, height = ymax - ymin` instead, because that is what every converter in use
 * does (voc2coco, Datumaro, CVAT, Roboflow): the COCO, YOLO and CVAT exports of the same VOC dataset
 * hold exactly these numbers (see `voc2007_100img_multiformat` in the reference cases), and reading
 * VOC differently would shift every box by a pixel against its own COCO twin. Fractional coordinates
 * (labelme2voc writes them) are kept as they are. The devkit's "+1" belongs to VOC's IoU, which the
 * metrics apply when asked, not to the stored box.
 */

import { countOf } from './plans';
import { DataError, isAbort } from '../errors';
import { baseName, isImagePath, lookupKey } from '../imagePaths';
import type { ProblemList } from '../problems';
import {
  childElement,
  childElements,
  childText,
  parentFolder,
  parseDecimal,
  parseXmlFile,
  xmlHeads,
  type XmlDocument,
  type XmlElement,
} from './xml';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedSource,
  SourcePlan,
  SourceRole,
} from './types';
import { filesWithExtension } from './folderFiles';

/** Pascal VOC XML, one file per image; see the module comment for the coordinate convention. */
export const vocFormat: AnnotationFormat = {
  id: 'voc',
  label: 'Pascal VOC XML',
  detect: detectVoc,
  read: readVoc,
};

/** Files read at once: enough to hide a file handle's latency, few enough to keep memory flat. */
const PARALLEL_READS = 16;

/** Datumaro's VOC export lists its classes here, led by a `background` entry that is no class. */
const LABEL_MAP_FILE = 'labelmap.txt';

/**
 * One source per folder of `<annotation>` XML files. A folder is a prediction run when the files
 * sampled to name its roots show a `<score>` or `<confidence>` element, ground truth otherwise.
 */
async function detectVoc(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]> {
  const heads = await xmlHeads(folder);
  // An empty file is nobody's annotations, but it was meant to be some: say so rather than skip it.
  for (const { path, size } of filesWithExtension(folder, 'xml')) {
    if (size === 0) problems.report({ file: path, value: '0 bytes', expected: 'an XML document' });
  }
  const byFolder = new Map<string, string[]>();
  for (const [path, { root }] of heads) {
    if (root !== 'annotation') continue;
    const parent = parentFolder(path);
    const siblings = byFolder.get(parent);
    if (siblings) siblings.push(path);
    else byFolder.set(parent, [path]);
  }

  if (byFolder.size === 0) return [];
  const paths = new Set(filesWithExtension(folder, 'txt').map((file) => file.path));
  const lastSegments = [...byFolder.keys()].map((parent) => baseName(parent) || 'voc');
  return [...byFolder].map(([parent, files], position): SourcePlan => {
    const scored = files.some((path) => /<(score|confidence)>/.test(heads.get(path)!.head));
    const role: SourceRole = scored ? 'predictions' : 'groundTruth';
    const shortName = lastSegments[position];
    const unique = lastSegments.indexOf(shortName) === lastSegments.lastIndexOf(shortName);
    const where = parent === '' ? 'the top folder' : `${parent}/`;
    const what = scored ? 'Pascal VOC XML predictions (with scores)' : 'Pascal VOC XML';

    const plan: SourcePlan = {
      format: 'voc',
      role,
      name: unique ? shortName : parent,
      files,
      description: `${what} in ${where} (${countOf(files.length, 'file')})`,
      enabled: true,
    };
    // Datumaro puts it beside `Annotations/`; a hand-made folder may keep it beside the files.
    const labelMap = (parent === '' ? [''] : [parentFolder(parent), parent])
      .map((candidate) => (candidate ? `${candidate}/${LABEL_MAP_FILE}` : LABEL_MAP_FILE))
      .find((candidate) => paths.has(candidate));
    if (labelMap) plan.options = { labelMap };
    return plan;
  });
}

/** What reading one file needs to know about its source. */
interface VocContext {
  role: SourceRole;
  parsed: ParsedSource;
  classNames: Set<string>;
  problems: ProblemList;
  /** Image base names without extension → their paths, for files that name no image. */
  imagesByStem: Map<string, string[]>;
}

/**
 * Reads every file of a VOC source. A file that cannot be read or is not well-formed XML is one
 * problem and the others still load; so is each object with a missing name, a missing or
 * non-numeric coordinate, or a max below its min.
 *
 * @returns classes (the label map's order if the source has one, then by first appearance), one
 *   image per file with its `<size>` when stated and positive, and one entry per `<object>`, its
 *   box pixel xywh (see the module comment). `<part>` boxes (heads, hands) are not objects.
 */
async function readVoc(plan: SourcePlan, folder: FolderReader, problems: ProblemList): Promise<ParsedSource> {
  const context: VocContext = {
    role: plan.role,
    parsed: { categories: [], images: [], entries: [] },
    classNames: new Set(),
    problems,
    imagesByStem: imagesByStem(folder.images),
  };

  // Declared classes first, so their order survives classes that have no boxes here.
  const labelMap = plan.options?.labelMap;
  if (typeof labelMap === 'string') {
    for (const name of await readLabelMap(folder, labelMap, problems)) addClass(context, name);
  }

  for (let start = 0; start < plan.files.length; start += PARALLEL_READS) {
    const batch = plan.files.slice(start, start + PARALLEL_READS);
    const texts = await Promise.allSettled(batch.map((path) => folder.readText(path)));
    for (const [position, text] of texts.entries()) {
      const path = batch[position];
      if (text.status === 'fulfilled') readVocFile(path, text.value, context);
      else if (isAbort(text.reason)) throw text.reason;
      else problems.add(unreadable(path, text.reason));
    }
  }
  return context.parsed;
}

function readVocFile(path: string, text: string, context: VocContext): void {
  const { parsed, problems } = context;
  let document: XmlDocument;
  try {
    document = parseXmlFile(text, path, ['object']);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    problems.add(error);
    return;
  }

  // Another XML file in the folder (a CVAT file, a config) is not a broken VOC file.
  if (document.rootName !== 'annotation') {
    const value = `<${document.rootName}>`;
    problems.report({ file: path, value, expected: 'a Pascal VOC <annotation> document' }, 'warning');
    return;
  }

  const { root } = document;
  const image = imageNameOf(root, path, context.imagesByStem);
  parsed.images.push({ name: image, ...readSize(root, path, problems), field: 'filename' });

  childElements(root, 'object').forEach((object, index) => {
    const entry = readObject(object, `object[${index}]`, image, path, document, context);
    if (!entry) return;
    addClass(context, entry.category as string);
    parsed.entries.push(entry);
  });
}

/**
 * The image a file describes: its `<filename>` when that names an image file, else the folder's
 * image with the same base name as `<filename>` (ImageNet writes it without extension) or as the
 * XML file itself.
 */
function imageNameOf(root: XmlElement, path: string, byStem: Map<string, string[]>): string {
  const filename = childText(root, 'filename') ?? '';
  if (isImagePath(filename)) return filename;

  const stem = filename || baseName(path).replace(/\.xml$/i, '');
  const candidates = byStem.get(lookupKey(stem)) ?? [];
  if (candidates.length === 1) return candidates[0];

  // Several images share the stem (a.jpg and a.png): let the join report the ambiguity.
  if (candidates.length > 1) return baseName(candidates[0]);
  return filename || `${stem}.jpg`;
}

/** `<size>` when it gives a positive width and height; otherwise the size stays unknown (read from the image). */
function readSize(
  root: XmlElement,
  path: string,
  problems: ProblemList,
): { width?: number; height?: number } {
  const size = childElement(root, 'size');
  if (!size) return {};

  const width = readDimension(size, 'width', path, problems);
  const height = readDimension(size, 'height', path, problems);
  return width > 0 && height > 0 ? { width, height } : {};
}

function readDimension(
  size: XmlElement,
  name: 'width' | 'height',
  path: string,
  problems: ProblemList,
): number {
  const text = childText(size, name) ?? '';
  const value = parseDecimal(text);
  if (text !== '' && (value === null || value < 0)) {
    const expected = 'a width and height in pixels (or no <size>, to read them from the image)';
    problems.report({ file: path, field: `size.${name}`, value: text, expected }, 'warning');
  }
  return value ?? 0;
}

/** One `<object>` as an entry, or null (reported) when it has no class or no usable box. */
function readObject(
  object: XmlElement,
  field: string,
  image: string,
  path: string,
  document: XmlDocument,
  context: VocContext,
): ParsedEntry | null {
  const { problems } = context;
  const line = document.lineOf(object);

  const name = childText(object, 'name');
  if (!name) {
    problems.report({ file: path, line, field: `${field}.name`, value: name, expected: 'a class name' });
    return null;
  }

  const box = readBox(object, field, path, document, problems);
  if (!box) return null;

  const entry: ParsedEntry = { image, category: name, box, file: path, line, field };
  if (readFlag(object, 'difficult', field, path, line, problems)) entry.difficult = true;
  if (readFlag(object, 'truncated', field, path, line, problems)) entry.truncated = true;

  if (context.role === 'predictions') {
    const scoreName = childText(object, 'score') !== undefined ? 'score' : 'confidence';
    const text = childText(object, scoreName);
    const score = parseDecimal(text);
    if (score === null || score < 0 || score > 1) {
      const expected = 'a confidence between 0 and 1 in <score>';
      problems.report({ file: path, line, field: `${field}.${scoreName}`, value: text, expected });
      return null;
    }
    entry.score = score;
  }
  return entry;
}

/** `<bndbox>` as pixel `[x, y, width, height]` with x = xmin and width = xmax - xmin (see the module comment). */
function readBox(
  object: XmlElement,
  field: string,
  path: string,
  document: XmlDocument,
  problems: ProblemList,
): [number, number, number, number] | null {
  const bndbox = childElement(object, 'bndbox');
  if (!bndbox) {
    const expected = 'a <bndbox> with xmin, ymin, xmax and ymax';
    problems.report({ file: path, line: document.lineOf(object), field: `${field}.bndbox`, expected });
    return null;
  }

  const line = document.lineOf(bndbox) ?? document.lineOf(object);
  const corner = (key: 'xmin' | 'ymin' | 'xmax' | 'ymax'): number | null => {
    const text = childText(bndbox, key);
    const value = parseDecimal(text);
    if (value === null) {
      const where = { file: path, line, field: `${field}.bndbox.${key}` };
      problems.report({ ...where, value: text, expected: 'a number of pixels' });
    }
    return value;
  };
  const [xmin, ymin, xmax, ymax] = [corner('xmin'), corner('ymin'), corner('xmax'), corner('ymax')];
  if (xmin === null || ymin === null || xmax === null || ymax === null) return null;

  // A max below its min is a swapped or mistyped corner: guessing which would hide the mistake.
  if (xmax < xmin || ymax < ymin) {
    const [key, value, expected] =
      xmax < xmin ? ['xmax', { xmin, xmax }, 'xmax >= xmin'] : ['ymax', { ymin, ymax }, 'ymax >= ymin'];
    problems.report({ file: path, line, field: `${field}.bndbox.${key}`, value, expected });
    return null;
  }
  return [xmin, ymin, xmax - xmin, ymax - ymin];
}

/**
 * `<difficult>` or `<truncated>`: 1 (or any non-zero number, or `true`) is set; 0, `false`, an empty
 * element (`<difficult/>`, as labelme2voc writes) or none at all is not. Anything else is a warning.
 */
function readFlag(
  object: XmlElement,
  name: 'difficult' | 'truncated',
  field: string,
  path: string,
  line: number | undefined,
  problems: ProblemList,
): boolean {
  const text = childText(object, name) ?? '';
  if (/^true$/i.test(text)) return true;
  if (text === '' || /^false$/i.test(text)) return false;

  const value = parseDecimal(text);
  if (value === null) {
    const expected = '0, 1 or an empty element';
    problems.report({ file: path, line, field: `${field}.${name}`, value: text, expected }, 'warning');
    return false;
  }
  return value !== 0;
}

/** Class names of a Datumaro `labelmap.txt` (`name:color:parts:actions` lines), without `background`. */
async function readLabelMap(folder: FolderReader, path: string, problems: ProblemList): Promise<string[]> {
  let text: string;
  try {
    text = await folder.readText(path);
  } catch (error) {
    if (isAbort(error)) throw error;
    const problem = unreadable(path, error);
    problem.severity = 'warning';
    problems.add(problem);
    return [];
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':')[0].trim())
    .filter((name) => name !== '' && name !== 'background');
}

function addClass(context: VocContext, name: string): void {
  if (context.classNames.has(name)) return;
  context.classNames.add(name);
  context.parsed.categories.push({ name });
}

function imagesByStem(images: readonly string[]): Map<string, string[]> {
  const byStem = new Map<string, string[]>();
  for (const path of images) {
    // Keys in NFC (`lookupKey`), as `<filename>` may be written otherwise than the Mac lists it.
    const stem = lookupKey(baseName(path).replace(/\.[^.]*$/, ''));
    const same = byStem.get(stem);
    if (same) same.push(path);
    else byStem.set(stem, [path]);
  }
  return byStem;
}

function unreadable(path: string, error: unknown): DataError {
  return new DataError({ file: path, value: String(error), expected: 'a readable file' }, { cause: error });
}
