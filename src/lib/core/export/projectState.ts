/**
 * The project-state file: everything a user did on a folder (review decisions and edits with their
 * undo history, slices, tag metadata, settings), never the images, as one versioned JSON document.
 * Another machine opens the same folder and imports it; images are matched by relative path, so the
 * folder may sit anywhere. Parsing validates every field and names the bad one (`$.slices[2].paths[0]`).
 */

import type { Dataset } from '../dataset';
import type { EditHistory } from '../review/history';
import { readEdit, StateReader, type JsonValue } from './projectStateFields';

export { ProjectStateError } from './projectStateFields';
export type { JsonValue } from './projectStateFields';

/** The format's name, in `format`, so a stray JSON file is told apart from a project. */
export const PROJECT_STATE_FORMAT = 'longtail-project';
/** The version this code writes and reads; a later one is refused with a clear error. */
export const PROJECT_STATE_VERSION = 1;

/** A named, curated subset of images. */
export interface SliceState {
  name: string;
  description: string;
  /** Relative paths of its images. */
  paths: string[];
}

/** A tag's metadata (Autotag or manual); scores are recomputed, not stored. */
export interface TagState {
  name: string;
  /** Score in [0, 1] at or above which an image has the tag; null for a manual tag. */
  threshold: number | null;
  /** Example images the user marked as having (positives) or lacking (negatives) the tag. */
  positives: string[];
  negatives: string[];
  /** For a manual tag: the images tagged. */
  images: string[];
  /** For a manual tag: the ground-truth boxes tagged, by `boxKey` (`gt:<path>#<index>`, `added:<path>#<id>`). */
  boxes?: string[];
  /** The trained model's parameters (Autotag), as the autotag module writes them; opaque here. */
  model?: JsonValue;
}

export interface ProjectState {
  format: typeof PROJECT_STATE_FORMAT;
  version: typeof PROJECT_STATE_VERSION;
  /** When it was written, ISO 8601 UTC. */
  savedAt: string;
  /** The folder it was made on: its image count and fingerprint, for a warning when they differ. */
  dataset: { images: number; fingerprint: string | null };
  history: EditHistory;
  slices: SliceState[];
  tags: TagState[];
  /** Settings by name (thresholds, chosen run, ...): plain JSON values. */
  settings: Record<string, JsonValue>;
}

/** The state as a JSON document (two-space indented, fields in a fixed order). */
export function writeProjectState(state: ProjectState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/**
 * Reads a project-state document.
 * @param file - the file's name, for error messages.
 * @throws ProjectStateError naming the file, the field (a JSON path), the value and what was expected.
 */
export function readProjectState(text: string, file = 'project.json'): ProjectState {
  const root = StateReader.parse(text, file);
  if (root.field('format').string() !== PROJECT_STATE_FORMAT) {
    root.field('format').fail(`"${PROJECT_STATE_FORMAT}"`);
  }
  const version = root.field('version').integer();
  if (version !== PROJECT_STATE_VERSION) {
    root.field('version').fail(`${PROJECT_STATE_VERSION} (a file from a newer Longtail needs that version)`);
  }

  const dataset = root.field('dataset');
  const history = root.field('history');
  const steps = history.field('steps').array((step) => step.array(readEdit));
  const cursor = history.field('cursor').integer();
  if (cursor < 0 || cursor > steps.length) history.field('cursor').fail(`an integer in [0, ${steps.length}]`);

  return {
    format: PROJECT_STATE_FORMAT,
    version: PROJECT_STATE_VERSION,
    savedAt: root.field('savedAt').string(),
    dataset: {
      images: dataset.field('images').integer(),
      fingerprint: dataset.field('fingerprint').stringOrNull(),
    },
    history: { steps, cursor },
    slices: root.field('slices').array((slice) => ({
      name: readName(slice.field('name')),
      description: slice.field('description').string(),
      paths: slice.field('paths').array((path) => path.string()),
    })),
    tags: root.field('tags').array(readTag),
    settings: root.field('settings').record((value) => value.json()),
  };
}

function readTag(tag: StateReader): TagState {
  const threshold = tag.field('threshold').numberOrNull();
  if (threshold !== null && !(threshold >= 0 && threshold <= 1))
    tag.field('threshold').fail('a score in [0, 1] or null');
  const state: TagState = {
    name: readName(tag.field('name')),
    threshold,
    positives: tag.field('positives').array((path) => path.string()),
    negatives: tag.field('negatives').array((path) => path.string()),
    images: tag.field('images').array((path) => path.string()),
  };
  if (tag.has('boxes')) state.boxes = tag.field('boxes').array((key) => key.string());
  if (tag.has('model')) state.model = tag.field('model').json();
  return state;
}

/** Slice and tag names are query values (`slice:<name>`, `tag:<name>`): bare words only. */
const NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

function readName(reader: StateReader): string {
  const name = reader.string();
  if (!NAME.test(name))
    reader.fail('letters, digits, "_", "." or "-" (starting with a letter, digit or "_")');
  return name;
}

/** A slice resolved against an opened folder. */
export interface ResolvedSlice {
  name: string;
  /** Indices into `dataset.images` of the paths found, in dataset order. */
  images: number[];
  /** Paths the folder does not hold. */
  missing: string[];
}

/**
 * Matches the state's slices to the folder's images by relative path. Edits need no matching step:
 * they name images by path, and `applyEdits` reports the ones it cannot place in `unresolved`.
 */
export function resolveSlices(state: ProjectState, dataset: Dataset): ResolvedSlice[] {
  const indexOf = new Map(dataset.images.map((image) => [image.path, image.index]));
  return state.slices.map((slice) => {
    const found = slice.paths.filter((path) => indexOf.has(path));
    return {
      name: slice.name,
      images: [...new Set(found.map((path) => indexOf.get(path)!))].sort((a, b) => a - b),
      missing: slice.paths.filter((path) => !indexOf.has(path)),
    };
  });
}
