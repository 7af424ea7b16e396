/**
 * Rules every import plan keeps, whichever formats found its sources: prediction runs have unique
 * names (they are how the user tells runs apart, and part of every box's identity), and only one
 * ground truth (with all its splits) is imported unless the user asks for more.
 */

import type { ProblemList } from '../problems';
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
 * Leaves the first enabled ground-truth source enabled, with the other splits of its dataset
 * (`splitGroupOf`: `instances_train2017.json` and `instances_val2017.json`, `train/labels/` and
 * `val/labels/`), and turns every other one off, with a warning each: two annotation sets of the
 * same images are merged only when the user says so in the plan.
 *
 * @param sources - changed in place, in plan order.
 */
export function enableOneGroundTruth(sources: SourcePlan[], problems: ProblemList): void {
  const enabled = sources.filter((source) => source.role === 'groundTruth' && source.enabled);
  if (enabled.length === 0) return;
  const group = splitGroupOf(enabled[0]);
  const kept = enabled.filter((source) => group !== null && splitGroupOf(source) === group);
  if (kept.length === 0) kept.push(enabled[0]);

  for (const source of enabled) {
    if (kept.includes(source)) continue;
    source.enabled = false;
    const imported = `only ${describeSources(kept)} is imported; turn this one on in the plan to add it`;
    const expected = `one ground truth (${imported})`;
    problems.report({ file: source.files[0] ?? source.name, expected }, 'warning');
  }
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

/** The source's file, or its name and file count when it has several files; a group's, joined. */
function describeSources(sources: readonly SourcePlan[]): string {
  const described = sources.map((source) =>
    source.files.length === 1 ? source.files[0] : `${source.name} (${source.files.length} files)`,
  );
  return described.length === 1
    ? described[0]
    : `${described.slice(0, -1).join(', ')} and ${described.at(-1)}`;
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
