/**
 * Ultralytics dataset files (`data.yaml`): the dataset root (`path:`), the class names, and the
 * images of each split (`train`, `val`, `test`), each given as a folder, a list of folders, or a
 * `.txt` list of image paths. Paths in these files were written on another machine, so each is
 * looked for the way Ultralytics does (relative to the root, then without a leading `../`), and
 * absolute ones by their tail; a split that names nothing in the opened folder is a warning and is
 * left out, and the rest of the dataset loads.
 */

import { ImagePathIndex, normalizeImageName } from '../imagePaths';
import type { ProblemList } from '../problems';
import { namesFromYaml, readYamlFile, type ClassName } from './classNames';
import { folderOf } from './labelText';
import type { FolderReader } from './types';

/** A split of a data.yaml and the images it names. */
export interface DataYamlSplit {
  /** The key as written: `train`, `val`, `test` (or `valid`, `validation`). */
  split: string;
  /** Relative paths of the split's images in the opened folder. */
  images: string[];
}

/** A data.yaml, resolved against the opened folder. */
export interface DataYaml {
  file: string;
  /** The dataset root in the opened folder (`''` for the top): `path:` if it names a folder here, else the file's folder. */
  root: string;
  /** The classes `names` lists, or null when it has none. */
  names: ClassName[] | null;
  splits: DataYamlSplit[];
}

const SPLIT_KEYS = ['train', 'val', 'valid', 'validation', 'test'];

/** True when a parsed YAML document is an Ultralytics dataset file (it has `names` or a split). */
export function isDataYaml(document: unknown): boolean {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return false;
  return 'names' in document || SPLIT_KEYS.some((key) => key in document);
}

/**
 * Reads a data.yaml and finds each split's images.
 *
 * @param problems - receives YAML syntax errors, bad `names`, an `nc` that disagrees with `names`,
 *   and (as warnings) splits that name nothing in the opened folder.
 * @returns null when the file is not a dataset file (no `names` and no split).
 */
export async function readDataYaml(
  file: string,
  folder: FolderReader,
  problems: ProblemList,
): Promise<DataYaml | null> {
  const document = await readYamlFile(file, folder, problems);
  if (!isDataYaml(document)) return null;
  const fields = document as Record<string, unknown>;
  const layout = folderLayout(folder);

  // `path:` is usually absolute on the machine that wrote it; only a folder here counts.
  const yamlFolder = folderOf(file);
  const path = typeof fields.path === 'string' ? resolveInside(yamlFolder, fields.path) : null;
  const root =
    path !== null && !isAbsolute(String(fields.path)) && layout.folders.has(path) ? path : yamlFolder;

  const names = namesFromYaml(document, file, problems);
  if (names && typeof fields.nc === 'number' && fields.nc !== names.length) {
    problems.report(
      { file, field: 'nc', value: fields.nc, expected: `the number of names (${names.length})` },
      'warning',
    );
  }

  const splits: DataYamlSplit[] = [];
  for (const split of SPLIT_KEYS) {
    const value = fields[split];
    if (value === undefined || value === null) continue;
    const entries = Array.isArray(value) ? value : [value];
    const images: string[] = [];
    for (const [index, entry] of entries.entries()) {
      const field = Array.isArray(value) ? `${split}[${index}]` : split;
      images.push(...(await splitImages(String(entry), root, field, file, folder, problems)));
    }
    splits.push({ split, images });
  }
  return { file, root, names, splits };
}

/** The images one split entry names: a folder's images (recursively) or a `.txt` list's. */
async function splitImages(
  entry: string,
  root: string,
  field: string,
  file: string,
  folder: FolderReader,
  problems: ProblemList,
): Promise<string[]> {
  const layout = folderLayout(folder);
  const found = locate(entry, root, layout);
  if (found === null) {
    const expected = 'a folder or .txt list of images inside the opened folder (this split is left out)';
    problems.report({ file, field, value: entry, expected }, 'warning');
    return [];
  }
  if (layout.folders.has(found)) {
    return folder.images.filter((image) => found === '' || image.startsWith(`${found}/`));
  }
  return listedImages(found, root, folder, problems);
}

/**
 * The images a `.txt` list names, one path a line. Ultralytics reads `./x.jpg` relative to the
 * list's folder; other relative paths are tried against the dataset root, then the list's folder,
 * and any path (absolute ones too) finally by its tail or file name.
 */
async function listedImages(
  list: string,
  root: string,
  folder: FolderReader,
  problems: ProblemList,
): Promise<string[]> {
  const imageSet = new Set(folder.images);
  const index = new ImagePathIndex(folder.images);
  const lines = (await folder.readText(list)).split(/\r\n|\r|\n/).map((line) => line.trim());
  const images: string[] = [];
  let missing = 0;
  let firstMissing = '';

  for (const line of lines.filter(Boolean)) {
    const candidates = line.startsWith('./')
      ? [resolveInside(folderOf(list), line)]
      : [resolveInside(root, line), resolveInside(folderOf(list), line)];
    let image = candidates.find((candidate) => candidate !== null && imageSet.has(candidate)) ?? null;
    if (image === null) {
      const match = index.resolve(line);
      if (match.kind === 'found') image = folder.images[match.index];
    }
    if (image !== null) images.push(image);
    else if (missing++ === 0) firstMissing = line;
  }

  if (missing > 0) {
    const value = `${missing} of ${lines.filter(Boolean).length} paths, e.g. ${firstMissing}`;
    problems.report({ file: list, value, expected: 'paths of images in the opened folder' }, 'warning');
  }
  return images;
}

/** Where a split entry points in the opened folder, or null when it points at nothing here. */
function locate(entry: string, root: string, layout: FolderLayout): string | null {
  const exists = (path: string | null): path is string =>
    path !== null && (layout.folders.has(path) || layout.files.has(path));

  if (!isAbsolute(entry)) {
    const direct = resolveInside(root, entry);
    if (exists(direct)) return direct;
    // Ultralytics retries `../x` as `x`: Roboflow exports write `../train/images`.
    const stripped = entry.startsWith('../') ? resolveInside(root, entry.slice(3)) : null;
    return exists(stripped) ? stripped : null;
  }

  // An absolute path from the writer's machine: its longest tail that exists under the root.
  const segments = normalizeImageName(entry).split('/').filter(Boolean);
  for (let start = 0; start < segments.length - 1; start++) {
    const tail = resolveInside(root, segments.slice(start).join('/'));
    if (exists(tail)) return tail;
  }
  return null;
}

function isAbsolute(path: string): boolean {
  return /^([A-Za-z]:)?[\\/]/.test(path);
}

/**
 * `relative` resolved against `base` (both relative to the opened folder), or null when it climbs
 * above the opened folder.
 */
export function resolveInside(base: string, relative: string): string | null {
  const segments = base ? base.split('/') : [];
  for (const part of relative.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') segments.push(part);
    else if (segments.length === 0) return null;
    else segments.pop();
  }
  return segments.join('/');
}

interface FolderLayout {
  /** Every folder holding a file, at any depth, `''` (the root) included. */
  folders: Set<string>;
  files: Set<string>;
}

const layoutCache = new WeakMap<FolderReader, FolderLayout>();

function folderLayout(folder: FolderReader): FolderLayout {
  let layout = layoutCache.get(folder);
  if (layout) return layout;
  layout = { folders: new Set(['']), files: new Set() };
  for (const { path } of folder.files) {
    layout.files.add(path);
    for (let current = folderOf(path); current && !layout.folders.has(current); current = folderOf(current)) {
      layout.folders.add(current);
    }
  }
  layoutCache.set(folder, layout);
  return layout;
}
