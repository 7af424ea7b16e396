/**
 * COCO detection JSON: instances files (ground truth) and results files (prediction runs), found
 * among a folder's `.json` files and read through `cocoDocument.ts`.
 *
 * Finding them must not parse a 100 MB file twice. Small files are parsed to decide exactly; a
 * large one is decided from its text: a results list starts with `[{`, and a dict is a run when the
 * first entries of its `annotations` carry a `score`. Whole folders of per-image JSON (LabelMe) are
 * sampled rather than read file by file.
 */

import { DataError, isAbort } from '../errors';
import type { ProblemList } from '../problems';
import { readCocoText } from './cocoDocument';
import { parseJsonFile } from './json';
import { enableOneGroundTruth, nameRuns } from './plans';
import type {
  AnnotationFormat,
  FolderFile,
  FolderReader,
  ParsedSource,
  SourcePlan,
  SourceRole,
} from './types';
import { filesWithExtension } from './folderFiles';

/** Bytes read from the start of every JSON file to decide whether it can be COCO. */
const HEAD_BYTES = 64 * 1024;
/** Files up to this size (bytes) are parsed while planning; larger ones are decided from their text. */
const PARSE_WHILE_PLANNING_UP_TO = 4 * 1024 * 1024;
/** A directory with more JSON files than this holds per-image files: three samples decide for all. */
const SAMPLE_DIRECTORIES_OVER = 20;
/** How many `annotations` entries of a large file are looked at for a `score`. */
const SNIFFED_ENTRIES = 20;
const COCO_KEY = /"(images|annotations|categories)"\s*:/;
const JSON_PATH = /\.json$/i;

/** COCO instances and results JSON. */
export const cocoFormat: AnnotationFormat = {
  id: 'coco',
  label: 'COCO JSON',
  detect: detectCoco,
  read: readCoco,
};

/**
 * Finds COCO files among the folder's `.json` files, in path order: each instances file is a
 * ground-truth source (one enabled, originals first: `enableOneGroundTruth`) and each results file a
 * prediction run named after its file. Files that cannot be read or parsed are reported; JSON that
 * is not COCO is left for other formats.
 */
async function detectCoco(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]> {
  const found: { file: FolderFile; role: SourceRole; detail: string }[] = [];
  for (const files of jsonFilesByDirectory(filesWithExtension(folder, 'json'))) {
    if (files.length > SAMPLE_DIRECTORIES_OVER && !(await anyMayBeCoco(folder, files))) continue;
    for (const file of files) {
      const decided = await decideFile(folder, file, problems);
      if (decided) found.push({ file, ...decided });
    }
  }
  found.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0));

  const runNames = nameRuns(found.filter(({ role }) => role === 'predictions').map(({ file }) => file.path));
  const sources = found.map(({ file, role, detail }): SourcePlan => {
    const groundTruth = role === 'groundTruth';
    return {
      format: 'coco',
      role,
      name: groundTruth ? stem(file.path) : runNames.get(file.path)!,
      files: [file.path],
      description: `COCO ${groundTruth ? 'instances' : 'results'} JSON ${file.path} (${detail})`,
      enabled: true,
    };
  });
  enableOneGroundTruth(sources);
  return sources;
}

/** Reads one COCO file as the plan's role says. @throws DataError when the file is not valid JSON. */
async function readCoco(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const [file] = plan.files;
  return readCocoText(await folder.readText(file), file, plan.role, problems);
}

/**
 * What a JSON file is for, or null when it is not COCO (or could not be read, which is reported).
 * `detail` says what the plan can tell the user about its size.
 */
async function decideFile(
  folder: FolderReader,
  file: FolderFile,
  problems: ProblemList,
): Promise<{ role: SourceRole; detail: string } | null> {
  const { path, size } = file;
  if (size === 0) {
    problems.report({ file: path, value: '0 bytes', expected: 'a JSON document' });
    return null;
  }

  try {
    const head = await readHeadText(folder, path);
    if (!mayBeCoco(head)) return null;

    if (size <= PARSE_WHILE_PLANNING_UP_TO) {
      const json = parseJsonFile(await folder.readText(path), path);
      const role = classifyCocoJson(json);
      return role ? { role, detail: countEntries(json) } : null;
    }

    let role = sniffRole(head, false);
    if (role === undefined) role = sniffRole(await folder.readText(path), true);
    return role ? { role, detail: `${(size / 2 ** 20).toFixed(0)} MB` } : null;
  } catch (error) {
    if (isAbort(error)) throw error;
    problems.add(asDataError(error, path));
    return null;
  }
}

/**
 * Decides whether a parsed JSON document is COCO ground truth, a COCO prediction run, or neither.
 *
 * A list is a results file. A dict is a prediction run when most of its `annotations` carry a
 * `score`, and ground truth when it has `annotations`, `images` or `categories` otherwise.
 *
 * @returns the role, or null when the document is not COCO (e.g. a LabelMe file or a config).
 */
export function classifyCocoJson(json: unknown): SourceRole | null {
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
 * Whether a file whose text starts with `head` may be COCO: anything but a JSON object without a
 * COCO key in its first 64 KB. Text that is not JSON at all counts as "may be", so that its syntax
 * error is reported. Known shortcoming: a COCO file that puts over 64 KB of other keys before
 * `images`, `annotations` and `categories` is taken for some other JSON and not imported.
 */
function mayBeCoco(head: string): boolean {
  return head[firstSignificant(head)] !== '{' || COCO_KEY.test(head);
}

/**
 * Whether a directory of many JSON files may hold COCO: its first, middle and last file, and its
 * largest (an instances file among per-image files dwarfs them), are looked at.
 */
async function anyMayBeCoco(folder: FolderReader, files: FolderFile[]): Promise<boolean> {
  const largest = files.reduce((large, file) => (file.size > large.size ? file : large));
  const samples = [largest, files[0], files[files.length >> 1], files[files.length - 1]];
  for (const { path } of samples) {
    try {
      if (mayBeCoco(await readHeadText(folder, path))) return true;
    } catch (error) {
      if (isAbort(error)) throw error;
      // An unreadable sample decides nothing; the other samples still may.
    }
  }
  return false;
}

/**
 * Decides a COCO file's role from its text without parsing it.
 *
 * @param complete - whether `text` is the whole file; when not, an answer that needs more of the
 *   file is `undefined`.
 * @returns the role, null when the text is not COCO, undefined when `text` does not tell yet.
 */
export function sniffRole(text: string, complete: boolean): SourceRole | null | undefined {
  const start = firstSignificant(text);
  if (text[start] === '[') {
    if (/^\[\s*\]/.test(text.slice(start, start + 64)) || text.includes('"image_id"')) return 'predictions';
    return complete ? null : undefined;
  }
  if (text[start] !== '{') return complete ? null : undefined;

  const annotations = listStart(text, 'annotations');
  if (annotations >= 0) return mostlyScored(text, annotations) ? 'predictions' : 'groundTruth';
  if (!complete) return undefined;
  return listStart(text, 'images') >= 0 || listStart(text, 'categories') >= 0 ? 'groundTruth' : null;
}

/** Where the list under `"key": [` begins (just after the bracket), or -1. */
function listStart(text: string, key: string): number {
  const quoted = `"${key}"`;
  for (let at = text.indexOf(quoted); at >= 0; at = text.indexOf(quoted, at + 1)) {
    // A key written inside a string value has its quote escaped.
    if (text.charCodeAt(at - 1) === 0x5c) continue;
    const after = at + quoted.length;
    const colonAndBracket = /^\s*:\s*\[/.exec(text.slice(after, after + 64));
    if (colonAndBracket) return after + colonAndBracket[0].length;
  }
  return -1;
}

/** Whether most of the first entries of the list starting at `from` carry a `score`. */
function mostlyScored(text: string, from: number): boolean {
  let end = from;
  let entries = 0;
  for (; entries < SNIFFED_ENTRIES; entries++) {
    const next = text.indexOf('"image_id"', end);
    if (next < 0 || next - from > HEAD_BYTES) break;
    end = next + 1;
  }
  const window = text.slice(from, Math.max(end, text.indexOf('}', end) + 1));
  const scores = window.match(/"score"\s*:/g)?.length ?? 0;
  return entries > 0 && scores * 2 > entries;
}

/** `.json` files (any case) grouped by directory, each group in path order. */
function jsonFilesByDirectory(files: readonly FolderFile[]): FolderFile[][] {
  const groups = new Map<string, FolderFile[]>();
  for (const file of files) {
    if (!JSON_PATH.test(file.path)) continue;
    const directory = file.path.slice(0, file.path.lastIndexOf('/') + 1);
    const group = groups.get(directory);
    if (group) group.push(file);
    else groups.set(directory, [file]);
  }
  return [...groups.values()];
}

async function readHeadText(folder: FolderReader, path: string): Promise<string> {
  return new TextDecoder().decode(await folder.readHead(path, HEAD_BYTES));
}

/** Position of the first character that is not white space or a byte-order mark. */
function firstSignificant(text: string): number {
  const match = /[^\s\uFEFF]/.exec(text);
  return match ? match.index : text.length;
}

function countEntries(json: unknown): string {
  const entries = Array.isArray(json) ? json : (json as { annotations?: unknown }).annotations;
  const images = Array.isArray(json) ? null : (json as { images?: unknown }).images;
  const count = (list: unknown, one: string, many: string) => {
    const n = Array.isArray(list) ? list.length : 0;
    return `${n} ${n === 1 ? one : many}`;
  };
  const parts = [count(entries, 'box', 'boxes')];
  if (Array.isArray(images)) parts.unshift(count(images, 'image', 'images'));
  return parts.join(', ');
}

function stem(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
}

function asDataError(error: unknown, file: string): DataError {
  if (error instanceof DataError) return error;
  return new DataError({ file, value: String(error), expected: 'a readable file' }, { cause: error });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
