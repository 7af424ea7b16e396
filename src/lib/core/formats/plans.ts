/**
 * Rules every import plan keeps, whichever formats found its sources: prediction runs have unique
 * names (they are how the user tells runs apart, and part of every box's identity); original files
 * are preferred over derived ones (under `derived/`, `converted/`, `export(s)/`); only one ground
 * truth (with all its splits) and a few runs are imported unless the user asks for more; what is
 * left off is told as information, not as a problem.
 */

import type { SourcePlan } from './types';

/** The name no prediction run may take: it stands for ground truth in box identities and filters. */
export const GROUND_TRUTH_NAME = 'gt';

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
  const used = new Set([GROUND_TRUTH_NAME]);
  for (const file of files) {
    const base = segmentsOf(file).slice(-depth.get(file)!).join('/');
    names.set(file, uniqueName(base, used));
  }
  return names;
}

/**
 * Makes the names of the plan's prediction runs unique, in plan order: a later run whose name is
 * taken (by a run another format found, or by `gt`) becomes `name (2)`, `name (3)`, ...
 *
 * @param sources - changed in place.
 */
export function uniqueRunNames(sources: SourcePlan[]): void {
  const used = new Set([GROUND_TRUTH_NAME]);
  for (const source of sources) {
    if (source.role === 'predictions') source.name = uniqueName(source.name, used);
  }
}

/**
 * Folder names that mark files as made from other files in the folder (conversions, exports). The
 * rule: a source all of whose files lie under a folder with one of these names, at any depth and in
 * any case, is *derived*; everything else is *original*. Originals are preferred: a user who keeps
 * `derived/coco_gt.json` beside `ground-truth/*.txt` made the COCO file from the text files (to feed
 * a tool), and expects the files they started from, as FiftyOne or Nucleus would import them.
 */
const DERIVED_FOLDERS: ReadonlySet<string> = new Set(['derived', 'converted', 'export', 'exports']);

/** At most this many prediction runs are on by default; with more, only the first is (see `enableFewRuns`). */
export const DEFAULT_RUNS_LIMIT = 3;

/** True when every file of the source lies under a folder named derived, converted, export or exports. */
export function isDerivedSource(source: SourcePlan): boolean {
  return source.files.length > 0 && source.files.every(isDerivedPath);
}

function isDerivedPath(path: string): boolean {
  const folders = path.split('/').slice(0, -1);
  return folders.some((folder) => DERIVED_FOLDERS.has(folder.toLowerCase()));
}

/**
 * Puts original sources before derived ones (`isDerivedSource`), keeping the order within each: the
 * plan lists what the user made first, and the "first" source every default below takes is an
 * original whenever there is one.
 *
 * @param sources - reordered in place.
 */
export function preferOriginals(sources: SourcePlan[]): void {
  const ordered = [
    ...sources.filter((source) => !isDerivedSource(source)),
    ...sources.filter((source) => isDerivedSource(source)),
  ];
  sources.splice(0, sources.length, ...ordered);
}

/**
 * Leaves one ground truth enabled: the first enabled original source (a derived one only when there
 * is no original), with the other splits of its dataset (`splitGroupOf`: `instances_train2017.json`
 * and `instances_val2017.json`, `train/labels/` and `val/labels/`). Every other one is turned off,
 * silently: two annotation sets of the same images are merged only when the user says so in the
 * plan, and `planNotes` tells the user they are there. Not a problem: nothing is wrong with them.
 *
 * @param sources - changed in place, in plan order.
 * @returns the ground-truth sources turned off.
 */
export function enableOneGroundTruth(sources: SourcePlan[]): SourcePlan[] {
  const enabled = sources.filter((source) => source.role === 'groundTruth' && source.enabled);
  if (enabled.length === 0) return [];
  const first = enabled.find((source) => !isDerivedSource(source)) ?? enabled[0];
  const group = splitGroupOf(first);
  const kept = group === null ? [first] : enabled.filter((source) => splitGroupOf(source) === group);

  const off = enabled.filter((source) => !kept.includes(source));
  for (const source of off) source.enabled = false;
  return off;
}

/**
 * Decides which prediction runs are on by default. Derived runs (`isDerivedSource`) are off when
 * there is an original one: they are the same predictions converted. Of the rest, all are on when
 * there are at most `DEFAULT_RUNS_LIMIT` (a comparison of a few models is what such a folder is
 * for); with more, only the first in plan order is (formats in registry order, then by path), as a
 * folder of eight runs is usually one model's output in eight layouts, and importing every one
 * would multiply the boxes in every view. The others stay listed, off (`planNotes` says so).
 *
 * Known shortcoming: "first" is by path, not by date: the listing does not carry modification
 * times to the planner, so the most recent run is not preferred.
 *
 * @param sources - changed in place, in plan order.
 * @returns the runs turned off.
 */
export function enableFewRuns(sources: SourcePlan[]): SourcePlan[] {
  const enabled = sources.filter((source) => source.role === 'predictions' && source.enabled);
  const originals = enabled.filter((source) => !isDerivedSource(source));
  const candidates = originals.length > 0 ? originals : enabled;
  const kept = candidates.length <= DEFAULT_RUNS_LIMIT ? candidates : candidates.slice(0, 1);

  const off = enabled.filter((source) => !kept.includes(source));
  for (const source of off) source.enabled = false;
  return off;
}

/**
 * Info lines for the plan: the sources found but off, ground truth and runs apart, so the user knows
 * what else the folder holds and that one tick imports it. Information, not problems.
 */
export function planNotes(sources: readonly SourcePlan[]): string[] {
  const off = sources.filter((source) => !source.enabled);
  const groundTruth = off.filter((source) => source.role === 'groundTruth');
  const runs = off.filter((source) => source.role === 'predictions');
  const notes: string[] = [];
  if (groundTruth.length > 0)
    notes.push(
      `Also found ${countOf(groundTruth.length, 'other ground truth')}: ${listSources(groundTruth)}. Not imported: enable ${groundTruth.length === 1 ? 'it' : 'one'} in the plan to add it.`,
    );
  const them = runs.length === 1 ? 'it' : 'them';
  if (runs.length > 0)
    notes.push(
      `Also found ${countOf(runs.length, 'more prediction run')}: ${listSources(runs)}. Not imported: enable ${them} in the plan to compare ${them}.`,
    );
  return notes;
}

/** `a (file), b (3 files), …`: at most five, then how many more. */
function listSources(sources: readonly SourcePlan[]): string {
  const shown = sources.slice(0, 5).map(describeSource);
  const more = sources.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** Names of dataset splits, as folder names or parts of file names (`train2017`, `instances_val`). */
const SPLIT =
  /(^|[/_.-])(train|training|val|valid|validation|test|testing|dev|trainval|minival)\d{0,4}(?=$|[/_.-])/gi;

/**
 * What a ground-truth source is one split of: its format, folder and name with split names taken
 * out (`coco annotations/instances_*`), or null when neither names a split. Sources with one key
 * are the splits of one dataset, imported together.
 */
export function splitGroupOf(source: SourcePlan): string | null {
  const file = source.files[0] ?? '';
  const folder = file.slice(0, file.lastIndexOf('/') + 1);
  const parts = [folder, source.name];
  const withoutSplits = parts.map((part) => part.replace(SPLIT, '$1*'));
  if (withoutSplits.every((part, i) => part === parts[i])) return null;
  return [source.format, source.role, ...withoutSplits].join('\u0000');
}

/** The source's file, or its folder and file count when it has several files. */
function describeSource(source: SourcePlan): string {
  if (source.files.length === 1) return source.files[0];
  const first = source.files[0] ?? '';
  const folder = first.slice(0, first.lastIndexOf('/') + 1) || source.name;
  return `${folder} (${source.files.length} files)`;
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base} (${n})`;
  used.add(name);
  return name;
}

/** `1 file`, `3 files`: counts in plan descriptions. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
