/**
 * LabelMe JSON: one file per image, each listing `shapes` (rectangles, polygons, circles, lines,
 * points, masks) with a `label`, and image-level `flags`. Every shape becomes the bounding box of
 * its points; shapes sharing a `group_id` and a label are one object drawn in pieces (an occluded
 * sofa drawn as four polygons) and become one box, as labelme's own `labelme2coco` merges them.
 * Flags set to `true` become image-level classes, which is how labelme's classification mode
 * stores labels.
 *
 * Files often embed the whole image as base64 `imageData`; it is cut out of the text before
 * parsing, so an import of 10,000 files never holds 10,000 copies of the pictures.
 *
 * Known shortcoming: shapes labelled `__ignore__` (labelme's "don't care" regions) are dropped, as
 * labelme's converters drop them; predictions inside such a region therefore count as false
 * positives instead of being ignored.
 */
import { countOf } from './plans';
import { DataError } from '../errors';
import { baseName, ImagePathIndex, normalizeImageName, type ImageMatch } from '../imagePaths';
import type { ProblemList } from '../problems';
import { parseJsonFile } from './json';
import { IGNORE_LABEL, isRecord, readShape, summarize, unionBox } from './labelmeShapes';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedImage,
  ParsedSource,
  SourcePlan,
} from './types';
import { filesWithExtension } from './folderFiles';

/** Bytes of each file read to decide whether it is LabelMe. */
const SNIFF_BYTES = 4096;
/** Directories with up to this many JSON files have every file sniffed; larger ones a sample. */
const SNIFF_ALL_UP_TO = 8;

/** LabelMe JSON, one file per image. */
export const labelmeFormat: AnnotationFormat = {
  id: 'labelme',
  label: 'LabelMe JSON',
  detect: detectLabelme,
  read: readLabelme,
};

/**
 * Finds LabelMe files: JSON whose first bytes show a `shapes` or `imagePath` key and no COCO key.
 * Small directories have every file sniffed; in large ones a sample of three decides for the rest.
 *
 * @returns one ground-truth plan for all LabelMe files, or one per directory when two directories
 *   hold files of the same name (two annotation sets of the same images, for the user to choose).
 */
async function detectLabelme(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]> {
  const byDirectory = new Map<string, string[]>();
  for (const { path } of filesWithExtension(folder, 'json')) {
    const directory = directoryOf(path);
    const files = byDirectory.get(directory);
    if (files) files.push(path);
    else byDirectory.set(directory, [path]);
  }

  const claimed = new Map<string, string[]>();
  for (const [directory, files] of byDirectory) {
    const found = await claimDirectory(folder, files, problems);
    if (found.length > 0) claimed.set(directory, found);
  }
  if (claimed.size === 0) return [];

  // The same file name in two directories means two annotation sets, not one split dataset.
  const seen = new Set<string>();
  let repeated = false;
  for (const files of claimed.values()) {
    for (const file of files) {
      const name = baseName(file);
      repeated ||= seen.has(name);
      seen.add(name);
    }
  }

  if (!repeated) {
    const files = [...claimed.values()].flat();
    const where = claimed.size === 1 ? inDirectory([...claimed.keys()][0]) : `${claimed.size} folders`;
    return [plan('LabelMe', files, where)];
  }
  return [...claimed].map(([directory, files]) =>
    plan(directory ? `LabelMe ${directory}` : 'LabelMe', files, inDirectory(directory)),
  );
}

function plan(name: string, files: string[], where: string): SourcePlan {
  return {
    format: 'labelme',
    role: 'groundTruth',
    name,
    files,
    description: `LabelMe JSON in ${where} (${countOf(files.length, 'file')})`,
    enabled: true,
  };
}

function inDirectory(directory: string): string {
  return directory ? `${directory}/` : 'the folder root';
}

/** The LabelMe files of one directory's JSON files. */
async function claimDirectory(
  folder: FolderReader,
  files: string[],
  problems: ProblemList,
): Promise<string[]> {
  const sample =
    files.length <= SNIFF_ALL_UP_TO
      ? files
      : [files[0], files[Math.floor(files.length / 2)], files[files.length - 1]];

  const verdicts = new Map<string, boolean>();
  for (const file of sample) verdicts.set(file, await sniffLabelme(folder, file, problems));
  const labelme = [...verdicts.values()].filter(Boolean).length;
  if (labelme === 0) return [];

  // Unsniffed files follow the sample's majority; `read` skips, with a warning, any that are not LabelMe.
  const majority = labelme * 2 > verdicts.size;
  return files.filter((file) => verdicts.get(file) ?? majority);
}

async function sniffLabelme(folder: FolderReader, file: string, problems: ProblemList): Promise<boolean> {
  let head: string;
  try {
    head = new TextDecoder().decode(await folder.readHead(file, SNIFF_BYTES));
  } catch (cause) {
    problems.report({ file, value: errorText(cause), expected: 'a readable file' });
    return false;
  }
  return /"(shapes|imagePath)"\s*:/.test(head) && !/"(annotations|categories|images)"\s*:/.test(head);
}

/**
 * Reads every file of the plan. A file that does not parse, is not LabelMe, or names an image the
 * folder lacks is reported and skipped; a bad shape is reported and the rest of its file loads.
 */
async function readLabelme(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const parsed: ParsedSource = { categories: [], images: [], entries: [] };
  const context: ReadContext = {
    folder,
    index: new ImagePathIndex(folder.images),
    categories: new Set(),
    parsed,
    problems,
  };

  for (const file of plan.files) {
    let json: unknown;
    try {
      json = parseJsonFile(withoutImageData(await folder.readText(file)), file);
    } catch (cause) {
      if (cause instanceof DataError) problems.add(cause);
      else problems.report({ file, value: errorText(cause), expected: 'a readable file' });
      continue;
    }
    readDocument(context, json, file);
  }
  return parsed;
}

interface ReadContext {
  folder: FolderReader;
  index: ImagePathIndex;
  /** Class names seen so far, to list each once in the order first met. */
  categories: Set<string>;
  parsed: ParsedSource;
  problems: ProblemList;
}

/** One LabelMe document: its image, its shapes as boxes, its true flags as image-level classes. */
function readDocument(context: ReadContext, json: unknown, file: string): void {
  const { problems } = context;
  if (!isRecord(json) || (!('shapes' in json) && !('imagePath' in json))) {
    const expected = 'a LabelMe file (an object with shapes and imagePath); skipped';
    problems.report({ file, value: summarize(json), expected }, 'warning');
    return;
  }

  const image = resolveImage(context, json, file);
  if (image === null) return;
  const parsedImage: ParsedImage = { name: image, field: 'imagePath' };
  const width = json.imageWidth;
  const height = json.imageHeight;
  if (isPositive(width) && isPositive(height)) {
    parsedImage.width = width;
    parsedImage.height = height;
  } else if (width !== undefined || height !== undefined) {
    const value = { imageWidth: width, imageHeight: height };
    problems.report(
      { file, field: 'imageWidth', value, expected: 'positive image width and height in pixels' },
      'warning',
    );
  }
  context.parsed.images.push(parsedImage);

  if (!Array.isArray(json.shapes)) {
    problems.report({ file, field: 'shapes', value: summarize(json.shapes), expected: 'an array of shapes' });
  } else {
    readShapes(context, json.shapes, file, image);
  }
  readFlags(context, json.flags, file, image);
}

/**
 * The image a file describes. `imagePath` is relative to the JSON file (labelme writes
 * `../JPEGImages/x.jpg`); failing that, the folder's own matching (path suffix, unique file name)
 * applies. Without `imagePath`, the image beside the file with the same name is taken.
 */
function resolveImage(context: ReadContext, json: Record<string, unknown>, file: string): string | null {
  const { folder, index, problems } = context;
  const { imagePath } = json;

  if (typeof imagePath !== 'string' || imagePath.trim() === '') {
    const stem = file.slice(0, file.length - '.json'.length);
    const sibling = folder.images.find((path) => path.slice(0, path.lastIndexOf('.')) === stem);
    if (sibling) return sibling;
    problems.report({
      file,
      field: 'imagePath',
      value: imagePath,
      expected: 'the path of the annotated image',
    });
    return null;
  }

  // Relative to the JSON file first; then as written, for paths from another machine or root.
  const relative = joinRelative(directoryOf(file), normalizeImageName(imagePath));
  let match: ImageMatch = relative === null ? { kind: 'missing' } : index.resolve(relative);
  if (match.kind !== 'found') match = index.resolve(imagePath);
  if (match.kind === 'found') return folder.images[match.index];

  const fits = match.kind === 'ambiguous' ? match.candidates.slice(0, 3).join(', ') : '';
  const expected =
    match.kind === 'missing'
      ? 'an image file in the opened folder (file skipped)'
      : `a name that fits only one image in the folder, not ${fits} (file skipped)`;
  problems.report({ file, field: 'imagePath', value: imagePath, expected });
  return null;
}

/** Shapes to boxes; pieces of one grouped object are merged into the box around them all. */
function readShapes(context: ReadContext, shapes: unknown[], file: string, image: string): void {
  const groups = new Map<string, ParsedEntry>();

  shapes.forEach((shape, position) => {
    const field = `shapes[${position}]`;
    const read = readShape(shape, file, field, context.problems);
    if (read === null) return;
    const { label, box, groupId, difficult } = read;

    const key = groupId === undefined ? null : `${label}\u0000${groupId}`;
    const group = key === null ? undefined : groups.get(key);
    if (group) {
      group.box = unionBox(group.box!, box);
      if (difficult) group.difficult = true;
      return;
    }

    const entry: ParsedEntry = { image, category: label, box, file, field };
    if (groupId !== undefined) entry.sourceId = groupId;
    if (difficult) entry.difficult = true;
    if (key !== null) groups.set(key, entry);
    addCategory(context, label);
    context.parsed.entries.push(entry);
  });
}

/** Flags set to true are the image's classes; others (false, or not booleans) say nothing. */
function readFlags(context: ReadContext, flags: unknown, file: string, image: string): void {
  if (flags === undefined || flags === null) return;
  if (!isRecord(flags)) {
    const expected = 'an object of flag names to true or false';
    context.problems.report({ file, field: 'flags', value: summarize(flags), expected });
    return;
  }
  for (const [name, value] of Object.entries(flags)) {
    if (value !== true || name === IGNORE_LABEL) continue;
    addCategory(context, name);
    context.parsed.entries.push({ image, category: name, file, field: `flags.${name}` });
  }
}

function addCategory(context: ReadContext, name: string): void {
  if (context.categories.has(name)) return;
  context.categories.add(name);
  context.parsed.categories.push({ name });
}

/**
 * The text with the `imageData` string replaced by null. The value is base64, which holds no
 * quote, so the string ends at the first quote not escaped by a backslash. In valid JSON the
 * pattern `"imageData": "` can only be a key: inside a string its quotes would be escaped.
 */
export function withoutImageData(text: string): string {
  const key = /"imageData"\s*:\s*"/.exec(text);
  if (!key) return text;

  let end = key.index + key[0].length;
  for (;;) {
    end = text.indexOf('"', end);
    // Unterminated: leave it for the JSON parser to report where.
    if (end === -1) return text;
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) break;
    end++;
  }
  return `${text.slice(0, key.index)}"imageData":null${text.slice(end + 1)}`;
}

/** `a/b` joined with `../c/x.jpg` → `a/c/x.jpg`; null when it climbs above the folder. */
function joinRelative(directory: string, path: string): string | null {
  const parts = directory ? directory.split('/') : [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) return null;
  }
  return parts.join('/');
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
