/**
 * Open Images box CSVs: one row per box, `ImageID,Source,LabelName,Confidence,XMin,XMax,YMin,YMax,
 * IsOccluded,IsTruncated,IsGroupOf,IsDepiction,IsInside`, coordinates as fractions of the image's
 * width and height. Beside them may lie a class-descriptions CSV (`/m/011k07,Tortoise`, with or
 * without a `LabelName,DisplayName` header) that names the machine ids, and an image-size CSV
 * (`ImageID,Width,Height`, not part of Open Images but written by tools that need pixel boxes).
 *
 * Exported by spreadsheet tools, such files meet locale habits: decimal commas inside quotes
 * (`"0,358"`) and `;` or tab as separator, both accepted. `IsGroupOf` becomes a crowd region (the
 * Open Images metric treats a group box as one that many detections may match), `IsTruncated` the
 * truncated flag. A file whose `Confidence` column holds scores strictly between 0 and 1 is a
 * prediction run; ground truth writes 1 or nothing there.
 *
 * Known shortcoming: a file is read whole into memory, so the 2 GB training-set CSV of Open Images
 * cannot be opened; the validation and test CSVs (~100 MB at most) can.
 */
import Papa from 'papaparse';
import { baseName, ImagePathIndex, isImagePath } from '../imagePaths';
import type { ProblemList } from '../problems';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedImage,
  ParsedSource,
  SourcePlan,
} from './types';
import { filesWithExtension } from './folderFiles';

/** Bytes of each CSV read to tell what it holds: the header and a few rows. */
const SNIFF_BYTES = 4096;

/** The columns a box CSV must have, as Open Images spells them; compared without case. */
const BOX_COLUMN_NAMES = ['ImageID', 'LabelName', 'XMin', 'XMax', 'YMin', 'YMax'];
const BOX_COLUMNS = BOX_COLUMN_NAMES.map((name) => name.toLowerCase());
const COORDINATES = ['xmin', 'ymin', 'xmax', 'ymax'] as const;

/** Open Images box CSVs. */
export const openImagesFormat: AnnotationFormat = {
  id: 'openimages',
  label: 'Open Images CSV',
  detect: detectOpenImages,
  read: readOpenImages,
};

/** What a CSV's first bytes say it is. */
type CsvKind = 'boxes' | 'classDescriptions' | 'imageSizes' | null;

/**
 * Finds box CSVs by their header, and the class-description and image-size CSVs that go with them.
 *
 * @returns one plan per box CSV (splits are separate files); `options.classDescriptions` and
 *   `options.imageSizes` list the helper CSVs of the folder, read with every box file.
 */
async function detectOpenImages(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]> {
  const boxes: { file: string; predictions: boolean }[] = [];
  const classDescriptions: string[] = [];
  const imageSizes: string[] = [];

  for (const { path } of filesWithExtension(folder, 'csv')) {
    let head: Uint8Array;
    try {
      head = await folder.readHead(path, SNIFF_BYTES);
    } catch (cause) {
      problems.report({ file: path, value: errorText(cause), expected: 'a readable file' });
      continue;
    }
    // Unless the whole file fit, its last line may be cut short.
    const rows = parseCsv(new TextDecoder().decode(head));
    if (head.length >= SNIFF_BYTES) rows.pop();
    const kind = csvKind(rows);
    if (kind === 'boxes') boxes.push({ file: path, predictions: holdsScores(rows) });
    else if (kind === 'classDescriptions') classDescriptions.push(path);
    else if (kind === 'imageSizes') imageSizes.push(path);
  }

  return boxes.map(({ file, predictions }) => {
    const names = classDescriptions.length > 0 ? `, class names from ${classDescriptions.join(', ')}` : '';
    return {
      format: 'openimages',
      role: predictions ? 'predictions' : 'groundTruth',
      name: baseName(file).replace(/\.csv$/i, ''),
      files: [file],
      description: `Open Images CSV ${file}${names}`,
      enabled: true,
      options: { classDescriptions, imageSizes },
    };
  });
}

function csvKind(rows: string[][]): CsvKind {
  if (rows.length === 0) return null;
  const header = rows[0].map(columnKey);
  if (BOX_COLUMNS.every((column) => header.includes(column))) return 'boxes';
  if (header.includes('imageid') && header.includes('width') && header.includes('height'))
    return 'imageSizes';
  if (header[0] === 'labelname' && header[1] === 'displayname') return 'classDescriptions';
  // The class descriptions of Open Images V4 to V6 have no header: machine ids, then names.
  const isMachineId = (row: string[]) => row.length === 2 && /^\/[mg]\/\w+$/.test(row[0].trim());
  return rows.every(isMachineId) ? 'classDescriptions' : null;
}

/** True when the sniffed rows hold a confidence strictly between 0 and 1: a model's scores. */
function holdsScores(rows: string[][]): boolean {
  const column = rows[0].map(columnKey).indexOf('confidence');
  if (column === -1) return false;
  return rows.slice(1).some((row) => {
    const value = parseDecimal(row[column] ?? '');
    return value !== null && value > 0 && value < 1;
  });
}

/**
 * Reads one box CSV, with the folder's class-description and image-size CSVs. A row with a missing
 * or non-numeric field is reported by file, line and column, and left out.
 */
async function readOpenImages(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const parsed: ParsedSource = { categories: [], images: [], entries: [] };
  const file = plan.files[0];
  const displayNames = await readClassDescriptions(
    folder,
    stringList(plan.options?.classDescriptions),
    problems,
  );
  const sizes = await readImageSizes(folder, stringList(plan.options?.imageSizes), problems);

  const rows = await readCsvFile(folder, file, problems);
  if (rows === null || rows.length === 0) return parsed;
  const header = rows[0].map(columnKey);
  const missing = BOX_COLUMN_NAMES.filter((name) => !header.includes(columnKey(name)));
  if (missing.length > 0) {
    const expected = `columns ${BOX_COLUMN_NAMES.join(', ')} (missing ${missing.join(', ')})`;
    problems.report({ file, line: 1, value: rows[0].join(','), expected });
    return parsed;
  }

  const column = (name: string) => header.indexOf(name);
  const at = { image: column('imageid'), label: column('labelname'), confidence: column('confidence') };
  const flags = { group: column('isgroupof'), truncated: column('istruncated') };
  const coordinates = COORDINATES.map(column);
  const names = new ClassNames(displayNames, parsed);
  const images = new ImageNames(folder, sizes, parsed);

  // Papa Parse gives one row per line as long as no quoted field spans lines, which these files never do.
  for (let index = 1; index < rows.length; index++) {
    const row = rows[index];
    const line = index + 1;
    if (row.every((field) => field.trim() === '')) continue;

    const imageId = (row[at.image] ?? '').trim();
    const label = (row[at.label] ?? '').trim();
    if (imageId === '' || label === '') {
      const field = imageId === '' ? rows[0][at.image] : rows[0][at.label];
      problems.report({
        file,
        line,
        field,
        value: row.join(','),
        expected: 'a non-empty image id and label',
      });
      continue;
    }

    const values = coordinates.map((position) => parseDecimal(row[position] ?? ''));
    const bad = values.findIndex((value) => value === null);
    if (bad !== -1) {
      const field = rows[0][coordinates[bad]];
      const expected = 'a number (a fraction of the image size, e.g. 0.358 or "0,358")';
      problems.report({ file, line, field, value: row[coordinates[bad]] ?? null, expected });
      continue;
    }
    const [xMin, yMin, xMax, yMax] = values as number[];
    if (xMax < xMin || yMax < yMin) {
      const value = { XMin: xMin, XMax: xMax, YMin: yMin, YMax: yMax };
      problems.report({ file, line, value, expected: 'XMin <= XMax and YMin <= YMax' });
      continue;
    }

    const entry: ParsedEntry = {
      image: images.resolve(imageId),
      category: names.of(label),
      box: [xMin, yMin, xMax - xMin, yMax - yMin],
      normalized: true,
      file,
      line,
    };
    if (plan.role === 'predictions') {
      const score = parseDecimal(row[at.confidence] ?? '');
      if (score === null || score < 0 || score > 1) {
        const field = at.confidence === -1 ? 'Confidence' : rows[0][at.confidence];
        problems.report({
          file,
          line,
          field,
          value: row[at.confidence] ?? null,
          expected: 'a score in [0, 1]',
        });
        continue;
      }
      entry.score = score;
    }
    if (isSet(row[flags.group])) entry.crowd = true;
    if (isSet(row[flags.truncated])) entry.truncated = true;
    parsed.entries.push(entry);
  }
  return parsed;
}

/** Class names by first appearance; machine ids named by the descriptions, kept unique. */
class ClassNames {
  readonly #displayNames: Map<string, string>;
  readonly #parsed: ParsedSource;
  readonly #byLabel = new Map<string, string>();
  readonly #taken = new Set<string>();

  constructor(displayNames: Map<string, string>, parsed: ParsedSource) {
    this.#displayNames = displayNames;
    this.#parsed = parsed;
  }

  of(label: string): string {
    let name = this.#byLabel.get(label);
    if (name !== undefined) return name;

    // Two machine ids may share a display name; joined by name, they would become one class.
    const display = this.#displayNames.get(label) ?? label;
    name = this.#taken.has(display) ? `${display} (${label})` : display;
    this.#byLabel.set(label, name);
    this.#taken.add(name);
    this.#parsed.categories.push({ name });
    return name;
  }
}

/**
 * Image ids to folder paths. Open Images ids carry no extension (`000002b66c9c498e`), so an id
 * without one is matched to the one image of that name in any extension; an id that matches
 * nothing is passed on as it is, and the join reports it.
 */
class ImageNames {
  readonly #images: readonly string[];
  readonly #sizes: Map<string, { width: number; height: number }>;
  readonly #parsed: ParsedSource;
  readonly #index: ImagePathIndex;
  readonly #byStem = new Map<string, string | null>();
  readonly #resolved = new Map<string, string>();

  constructor(
    folder: FolderReader,
    sizes: Map<string, { width: number; height: number }>,
    parsed: ParsedSource,
  ) {
    this.#images = folder.images;
    this.#sizes = sizes;
    this.#parsed = parsed;
    this.#index = new ImagePathIndex(folder.images);
    for (const path of folder.images) {
      const name = baseName(path);
      const stem = name.slice(0, name.lastIndexOf('.'));
      // null marks a stem shared by several images: ambiguous, so left to the join to report.
      this.#byStem.set(stem, this.#byStem.has(stem) ? null : path);
    }
  }

  resolve(imageId: string): string {
    const known = this.#resolved.get(imageId);
    if (known !== undefined) return known;

    let path: string | undefined;
    const match = this.#index.resolve(imageId);
    if (match.kind === 'found') path = this.#images[match.index];
    else if (!isImagePath(imageId)) path = this.#byStem.get(baseName(imageId)) ?? undefined;

    const name = path ?? imageId;
    this.#resolved.set(imageId, name);
    const size = this.#sizes.get(imageId);
    if (path !== undefined && size) {
      const image: ParsedImage = { name, width: size.width, height: size.height, field: 'ImageID' };
      this.#parsed.images.push(image);
    }
    return name;
  }
}

/** Machine id → display name, from every class-descriptions CSV. */
async function readClassDescriptions(
  folder: FolderReader,
  files: string[],
  problems: ProblemList,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const file of files) {
    const rows = await readCsvFile(folder, file, problems);
    rows?.forEach((row, index) => {
      if (index === 0 && columnKey(row[0] ?? '') === 'labelname') return;
      if (row.every((field) => field.trim() === '')) return;
      const [id, name] = row.map((field) => field.trim());
      if (!id || !name) {
        const expected = 'a machine id and a display name, e.g. /m/011k07,Tortoise';
        problems.report({ file, line: index + 1, value: row.join(','), expected });
        return;
      }
      names.set(id, name);
    });
  }
  return names;
}

/** Image id → size in pixels, from every image-size CSV. */
async function readImageSizes(
  folder: FolderReader,
  files: string[],
  problems: ProblemList,
): Promise<Map<string, { width: number; height: number }>> {
  const sizes = new Map<string, { width: number; height: number }>();
  for (const file of files) {
    const rows = await readCsvFile(folder, file, problems);
    if (!rows || rows.length === 0) continue;
    const header = rows[0].map(columnKey);
    const [image, width, height] = ['imageid', 'width', 'height'].map((name) => header.indexOf(name));

    rows.slice(1).forEach((row, index) => {
      if (row.every((field) => field.trim() === '')) return;
      const size = { width: parseDecimal(row[width] ?? ''), height: parseDecimal(row[height] ?? '') };
      const id = (row[image] ?? '').trim();
      if (id === '' || !(size.width! > 0) || !(size.height! > 0)) {
        const expected = 'an image id and a positive width and height in pixels';
        problems.report({ file, line: index + 2, value: row.join(','), expected });
        return;
      }
      sizes.set(id, size as { width: number; height: number });
    });
  }
  return sizes;
}

/** Reads and splits a CSV file, or null (reported) when it cannot be read. */
async function readCsvFile(
  folder: FolderReader,
  file: string,
  problems: ProblemList,
): Promise<string[][] | null> {
  try {
    return parseCsv(await folder.readText(file));
  } catch (cause) {
    problems.report({ file, value: errorText(cause), expected: 'a readable CSV file' });
    return null;
  }
}

/**
 * Splits CSV text into rows of fields, one row per line (empty lines kept, so that row i is line
 * i + 1). The separator is the first of `,` `;` and tab found in the first line.
 */
function parseCsv(text: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = [',', ';', '\t'].find((candidate) => firstLine.includes(candidate)) ?? ',';
  const result = Papa.parse<string[]>(body, { delimiter, skipEmptyLines: false });
  // A final newline leaves one empty row, which is no line of the file.
  const rows = result.data;
  if (rows.length > 0 && rows[rows.length - 1].length === 1 && rows[rows.length - 1][0] === '') rows.pop();
  return rows;
}

/** Header names compared without case or surrounding spaces: `ImageID`, `ImageId` and ` imageid` agree. */
function columnKey(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * A number written with a decimal point or, as European spreadsheets write it, a decimal comma
 * (`0,358`); null for anything else, including an empty field.
 */
function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  const decimalComma = /^[+-]?\d*,\d+$/.test(trimmed);
  const normalized = decimalComma ? trimmed.replace(',', '.') : trimmed;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normalized)) return null;
  return Number(normalized);
}

/** Open Images flags are 1 (yes), 0 (no) or -1 (unknown). */
function isSet(field: string | undefined): boolean {
  return field !== undefined && field.trim() === '1';
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
