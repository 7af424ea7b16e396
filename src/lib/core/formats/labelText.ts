/**
 * What the per-image text formats (YOLO labels, text boxes) share: splitting a label file into
 * tokens with line numbers, pairing a label file with its image by file stem, and sorting the
 * folders of `.txt` files into YOLO labels, text boxes or neither. Both formats ask the same
 * classifier, so one folder is never claimed by both.
 */

import type { FolderReader } from './types';
import { baseName, lookupKey } from '../imagePaths';
import { filesWithExtension } from './folderFiles';

/** One non-blank line of a text file, split at whitespace. */
export interface TextRow {
  /** 1-based line number in the file. */
  line: number;
  tokens: string[];
}

/**
 * Splits a text file into its non-blank lines. CRLF, a byte-order mark, runs of spaces or tabs and a
 * missing final newline are all fine; blank lines are skipped but keep the numbering.
 */
export function textRows(text: string): TextRow[] {
  const rows: TextRow[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, index) => {
      const trimmed = raw.trim();
      if (trimmed) rows.push({ line: index + 1, tokens: trimmed.split(/\s+/) });
    });
  return rows;
}

// Stricter than Number(): '' , '0x1f' and 'Infinity' are not coordinates.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The token as a finite decimal number, or null. */
export function parseNumber(token: string): number | null {
  return DECIMAL.test(token) ? Number(token) : null;
}

/** The token as a class index (`3`, or `3.0` as some converters write it), or null. */
export function parseClassIndex(token: string): number | null {
  const value = parseNumber(token);
  return value !== null && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Folder part of a relative path: `a/b/c.txt` → `a/b`, `c.txt` → `''`. */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** File name without its extension: `a/b/c.tar.txt` → `c.tar`. */
export function stemOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

/** `folder` and `name` joined with a `/`, or `name` alone for the root folder. */
export function joinPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/** Finds the folder's images by folder and file stem (`images/a` finds `images/a.jpg` or `images/a.PNG`). */
export class ImageStemIndex {
  readonly #byFolderStem = new Map<string, string[]>();
  readonly #byStem = new Map<string, string[]>();

  constructor(images: readonly string[]) {
    for (const image of images) {
      // Keys in NFC (`lookupKey`): labels made elsewhere find images a Mac lists decomposed.
      push(this.#byFolderStem, lookupKey(joinPath(folderOf(image), stemOf(image))), image);
      push(this.#byStem, lookupKey(stemOf(image)), image);
    }
  }

  /** The one image in `folder` whose stem is `stem`, or null when there is none or several. */
  inFolder(folder: string, stem: string): string | null {
    const found = this.#byFolderStem.get(lookupKey(joinPath(folder, stem))) ?? [];
    return found.length === 1 ? found[0] : null;
  }

  /** The one image anywhere in the opened folder whose stem is `stem`, or null. */
  unique(stem: string): string | null {
    const found = this.#byStem.get(lookupKey(stem)) ?? [];
    return found.length === 1 ? found[0] : null;
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const bucket = map.get(key);
  if (bucket) bucket.push(value);
  else map.set(key, [value]);
}

/**
 * The image a label file describes, by Ultralytics' rule: the same stem in the matching `images`
 * folder (`labels/train/a.txt` ↔ `images/train/a.jpg`), else beside the label file, else the only
 * image of the opened folder with that stem (a Darknet export whose images were moved).
 *
 * @returns the image's relative path, or null when no single image fits.
 */
export function pairLabelWithImage(labelPath: string, stems: ImageStemIndex): string | null {
  const folder = folderOf(labelPath);
  const stem = stemOf(labelPath);

  // Ultralytics derives the label path by swapping the last `images` folder for `labels`.
  const segments = folder.split('/');
  const labels = segments.lastIndexOf('labels');
  if (labels >= 0) {
    segments[labels] = 'images';
    const found = stems.inFolder(segments.join('/'), stem);
    if (found) return found;
  }
  return stems.inFolder(folder, stem) ?? stems.unique(stem);
}

/** Which text format a folder of `.txt` files holds, as far as a sample of its files shows. */
export interface LabelFolder {
  folder: string;
  /** The folder's label files, sorted; image lists and class-name lists are left out. */
  files: string[];
  kind: 'yolo' | 'text-boxes';
  /** YOLO: most rows have 6 columns. Text boxes: most rows have a confidence before the box. */
  predictions: boolean;
  /** The non-blank rows of the sampled files: the evidence format-specific choices are made on. */
  rows: TextRow[];
}

/** Files of these names are lists (of images or class names), never per-image labels. */
const LIST_FILES = new Set([
  'classes.txt',
  'train.txt',
  'val.txt',
  'valid.txt',
  'test.txt',
  'trainval.txt',
  'labels.txt',
  'readme.txt',
  'license.txt',
  'requirements.txt',
]);

/** How many files of a folder are read to decide what it holds; the sample is spread evenly. */
const SAMPLE_FILES = 32;

/** Share of sampled rows that must fit a format for it to claim the folder. */
const CLAIM_SHARE = 0.8;

/** How far normalised coordinates may stray outside [0, 1] (rounding, boxes touching the border). */
const UNIT_SLACK = 0.05;

const folderCache = new WeakMap<FolderReader, Promise<LabelFolder[]>>();

/**
 * The folders of `.txt` label files in the opened folder and what each holds, decided from up to 32
 * evenly spread files per folder. Cached per folder reader, so YOLO and text-box detection read the
 * sample once.
 */
export function labelFolders(folder: FolderReader): Promise<LabelFolder[]> {
  let found = folderCache.get(folder);
  if (!found) {
    found = findLabelFolders(folder);
    folderCache.set(folder, found);
  }
  return found;
}

async function findLabelFolders(folder: FolderReader): Promise<LabelFolder[]> {
  const byFolder = new Map<string, string[]>();
  for (const { path } of filesWithExtension(folder, 'txt')) {
    if (LIST_FILES.has(baseName(path).toLowerCase())) continue;
    push(byFolder, folderOf(path), path);
  }

  const result: LabelFolder[] = [];
  for (const [path, files] of byFolder) {
    const sampled = await sampleFolder(folder, files);
    const decision = classifyRows(sampled.rows);
    const emptyLabels = sampled.rows.length === 0 && sampled.empty > 0 && path.split('/').includes('labels');
    if (decision) result.push({ folder: path, files: sampled.files, rows: sampled.rows, ...decision });
    else if (emptyLabels)
      result.push({ folder: path, files: sampled.files, rows: [], kind: 'yolo', predictions: false });
  }
  return result.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
}

/** Reads an even spread of the folder's files; a sampled file holding a list (one token a line) is dropped. */
async function sampleFolder(
  folder: FolderReader,
  files: string[],
): Promise<{ files: string[]; rows: TextRow[]; empty: number }> {
  const sorted = [...files].sort();
  const step = Math.max(1, sorted.length / SAMPLE_FILES);
  const lists = new Set<string>();
  const rows: TextRow[] = [];
  let empty = 0;

  for (let position = 0; position < sorted.length; position += step) {
    const file = sorted[Math.floor(position)];
    const fileRows = textRows(await folder.readText(file));
    if (fileRows.length === 0) empty++;
    else if (fileRows.every((row) => row.tokens.length === 1)) lists.add(file);
    else rows.push(...fileRows);
  }
  return { files: sorted.filter((file) => !lists.has(file)), rows, empty };
}

/**
 * Decides between YOLO and text boxes from sampled rows. YOLO: an integer class, then 4 numbers in
 * [0, 1] (`cx cy w h`), optionally a 6th (confidence), or a polygon of normalised points. Text
 * boxes: a class (any text), maybe a confidence, then 4 numbers.
 *
 * Six numeric columns in [0, 1] with an integer first are ambiguous: YOLO predictions put the
 * confidence last (`class cx cy w h conf`), rafaelpadilla's relative layout puts it second (`class
 * conf cx cy w h`). The reading under which more rows are boxes inside the image wins; a tie goes
 * to YOLO, the far more common writer.
 */
export function classifyRows(rows: readonly TextRow[]): Pick<LabelFolder, 'kind' | 'predictions'> | null {
  if (rows.length === 0) return null;
  let plain = 0;
  let scored = 0;
  let confidenceLast = 0;
  let confidenceSecond = 0;
  let textBoxes = 0;
  let textScored = 0;

  for (const { tokens } of rows) {
    const numbers = tokens.map(parseNumber);
    const yoloShaped =
      parseClassIndex(tokens[0]) !== null && numbers.slice(1).every((v) => v !== null && isUnit(v));
    const columns = tokens.length - 1;
    if (yoloShaped && (columns === 4 || (columns >= 6 && columns % 2 === 0))) plain++;
    if (yoloShaped && columns === 5) {
      scored++;
      const values = numbers.slice(1) as number[];
      if (centredBoxFits(values.slice(0, 4))) confidenceLast++;
      if (centredBoxFits(values.slice(1, 5))) confidenceSecond++;
    }

    const box = textBoxShape(tokens);
    if (box) {
      textBoxes++;
      if (box.scored) textScored++;
    }
  }

  const yoloWins = !(scored > plain && confidenceSecond > confidenceLast);
  if (plain + scored >= CLAIM_SHARE * rows.length && yoloWins) {
    return { kind: 'yolo', predictions: scored > plain };
  }
  if (textBoxes >= CLAIM_SHARE * rows.length) {
    return { kind: 'text-boxes', predictions: textScored * 2 > textBoxes };
  }
  return null;
}

function isUnit(value: number): boolean {
  return value >= -UNIT_SLACK && value <= 1 + UNIT_SLACK;
}

/** True when `[cx, cy, w, h]` (normalised) is a box inside the image, give or take the slack. */
export function centredBoxFits([cx, cy, width, height]: number[]): boolean {
  return (
    width >= 0 &&
    height >= 0 &&
    isUnit(cx - width / 2) &&
    isUnit(cx + width / 2) &&
    isUnit(cy - height / 2) &&
    isUnit(cy + height / 2)
  );
}

/**
 * The shape of a text-box row: class tokens, an optional confidence, 4 numbers, an optional
 * `difficult` (Cartucho's ground truth). The class may hold spaces (`potted plant`): it is every
 * token before the numbers. A confidence is assumed when a number precedes the box and a class
 * precedes that number.
 */
export function textBoxShape(tokens: readonly string[]): { scored: boolean; difficult: boolean } | null {
  const difficult = tokens.length > 0 && tokens[tokens.length - 1].toLowerCase() === 'difficult';
  const body = difficult ? tokens.slice(0, -1) : tokens;
  if (body.length < 5 || body.slice(-4).some((token) => parseNumber(token) === null)) return null;
  const head = body.slice(0, -4);
  return { scored: head.length >= 2 && parseNumber(head[head.length - 1]) !== null, difficult };
}
