/**
 * Files that name the classes of index-numbered labels: YOLO's `data.yaml` (`names:` as a list or
 * as an `{0: person}` map), Darknet's `obj.names` and other `*.names` lists, and `classes.txt`
 * (LabelImg, OIDv4), one name a line. YOLO labels and text boxes with class indices both look for
 * the nearest such file, from the labels' folder up to the opened folder's root.
 */

import { parse } from 'yaml';
import { ProblemList } from '../problems';
import { baseName, extensionOf } from '../imagePaths';
import { folderOf, parseClassIndex } from './labelText';
import type { FolderReader } from './types';
import { filesWithExtension } from './folderFiles';

/** A class as an index-numbered format numbers it. */
export interface ClassName {
  /** The index labels use (0-based in YOLO and `.names` files). */
  id: number;
  name: string;
}

/** True for files that may name classes; a YAML file counts only if it has `names` (see `namesFromYaml`). */
export function isClassNamesCandidate(path: string): boolean {
  const extension = extensionOf(path);
  return (
    extension === 'names' || extension === 'yaml' || extension === 'yml' || baseName(path) === 'classes.txt'
  );
}

/**
 * Parses a YAML file. A syntax error is reported (file, line, what the parser expected) and gives
 * `undefined`, so a broken config leaves its labels loadable with class indices for names.
 */
export async function readYamlFile(
  file: string,
  folder: FolderReader,
  problems: ProblemList,
): Promise<unknown> {
  const text = await folder.readText(file);
  try {
    return parse(text, { prettyErrors: false }) as unknown;
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const value = error instanceof Error ? error.message.split('\n')[0] : String(error);
    problems.report({ file, line, value, expected: 'valid YAML' });
    return undefined;
  }
}

/**
 * The classes a parsed YAML document names under `names`: a list (index = position) or a map of
 * index → name. Bad keys and empty names are reported and skipped.
 *
 * @returns the classes, or null when the document has no `names`.
 */
export function namesFromYaml(document: unknown, file: string, problems: ProblemList): ClassName[] | null {
  if (typeof document !== 'object' || document === null || !('names' in document)) return null;
  const names = (document as { names: unknown }).names;
  const pairs: [string, unknown][] = Array.isArray(names)
    ? names.map((name, index) => [String(index), name])
    : typeof names === 'object' && names !== null
      ? Object.entries(names)
      : [];
  if (pairs.length === 0) {
    problems.report({
      file,
      field: 'names',
      value: names,
      expected: 'a list of class names or a map of index: name',
    });
    return [];
  }

  const classes: ClassName[] = [];
  for (const [key, name] of pairs) {
    const id = parseClassIndex(key);
    const text = typeof name === 'string' || typeof name === 'number' ? String(name).trim() : '';
    if (id === null || text === '') {
      const expected = id === null ? 'a class index (0, 1, ...) as key' : 'a class name';
      problems.report({ file, field: `names.${key}`, value: name, expected });
      continue;
    }
    classes.push({ id, name: text });
  }
  return classes;
}

/**
 * Reads the classes a names file gives: YAML `names`, or one name a line (blank lines skipped, names
 * may hold spaces). The same name twice is reported: both indices then mean the one class.
 */
export async function readClassNames(
  file: string,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ClassName[]> {
  const isYaml = extensionOf(file) === 'yaml' || extensionOf(file) === 'yml';
  const classes = isYaml
    ? (namesFromYaml(await readYamlFile(file, folder, problems), file, problems) ?? [])
    : (await folder.readText(file))
        .replace(/^\uFEFF/, '')
        .split(/\r\n|\r|\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((name, id) => ({ id, name }));

  if (classes.length === 0 && !isYaml) {
    problems.report(
      { file, expected: 'one class name a line (none found: class indices are used as names)' },
      'warning',
    );
  }

  const seen = new Map<string, number>();
  for (const { id, name } of classes) {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, id);
    else {
      const expected = `a name used once (index ${id} repeats index ${first}; both load as one class)`;
      problems.report({ file, value: name, expected }, 'warning');
    }
  }
  return classes;
}

/** The classes as a ParsedSource lists them: one per name, keeping the first index a name has. */
export function uniqueCategories(classes: readonly ClassName[]): { name: string; id: number }[] {
  const seen = new Set<string>();
  return classes
    .filter(({ name }) => !seen.has(name) && seen.add(name))
    .map(({ id, name }) => ({ id, name }));
}

/**
 * The nearest class-names file for labels in `start`: that folder first, then each parent up to the
 * root. In one folder a YAML file with `names` (data.yaml first) wins over `*.names`, and those over
 * `classes.txt`.
 *
 * @returns the file's relative path, or null when no folder on the way has one.
 */
export async function findClassNamesFile(folder: FolderReader, start: string): Promise<string | null> {
  const byFolder = new Map<string, string[]>();
  for (const { path } of filesWithExtension(folder, 'names', 'yaml', 'yml', 'txt')) {
    if (!isClassNamesCandidate(path)) continue;
    const bucket = byFolder.get(folderOf(path)) ?? [];
    bucket.push(path);
    byFolder.set(folderOf(path), bucket);
  }

  for (let current: string | null = start; current !== null; current = parentOf(current)) {
    const candidates = [...(byFolder.get(current) ?? [])].sort(
      (a, b) => rank(a) - rank(b) || (a < b ? -1 : 1),
    );
    for (const candidate of candidates) {
      if (rank(candidate) > 1) return candidate;
      // A YAML file counts only when it names classes; problems are the reader's to report.
      const silent = new ProblemList();
      if (namesFromYaml(await readYamlFile(candidate, folder, silent), candidate, silent)) return candidate;
    }
  }
  return null;
}

function rank(path: string): number {
  const name = baseName(path);
  if (name === 'data.yaml' || name === 'data.yml') return 0;
  if (extensionOf(path) === 'yaml' || extensionOf(path) === 'yml') return 1;
  return name === 'classes.txt' ? 3 : 2;
}

/** Parent folder, `''` for a top-level folder, null above the root. */
export function parentOf(folder: string): string | null {
  return folder === '' ? null : folderOf(folder);
}
