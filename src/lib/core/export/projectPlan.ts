/**
 * The glue between a project-state file and what the app stores: `snapshotProject` gathers the
 * folder's history, slices, manual tags, Autotag tags and settings into a `ProjectState`;
 * `planProjectImport` checks a read state against the opened folder and says what to store, what is
 * missing and what differs. Pure: the state layer does the reading and writing.
 */

import type { Dataset } from '../dataset';
import type { EditHistory } from '../review/history';
import {
  PROJECT_STATE_FORMAT,
  PROJECT_STATE_VERSION,
  resolveSlices,
  type JsonValue,
  type ProjectState,
  type TagState,
} from './projectState';
import { StateReader } from './projectStateFields';

/** A manual tag as stored: images by relative path, boxes by `boxKey`. */
export interface ManualTag {
  name: string;
  images: string[];
  boxes: string[];
}

/** A slice as stored. */
export interface Slice {
  name: string;
  description: string;
  paths: string[];
}

/**
 * An Autotag tag's judgements and classifier (shape of the stored record, minus folder and scores).
 * Scores are not exported: they are recomputed from the classifier ("re-run" in the Autotag panel).
 */
export interface AutotagModel {
  name: string;
  set: 'images' | 'objects';
  /** Identity of the embedding model the classifier reads. */
  model: string;
  seed: { kind: 'text'; text: string } | { kind: 'examples'; positives: string[]; negatives: string[] };
  classifier: { weights: ArrayLike<number>; bias: number; dim: number } | null;
  judgedItems: string[];
  /** 1 for yes, 0 for no, per judged item. */
  judgedLabels: ArrayLike<number>;
  /** Score in [0, 1] at or above which an item has the tag. */
  threshold: number;
  rounds: {
    judged: number;
    judgedYes: number;
    positives: number;
    flips: number;
    threshold: number;
    at: number;
  }[];
}

export interface ProjectSnapshot {
  history: EditHistory;
  slices: readonly Slice[];
  manualTags: readonly ManualTag[];
  autotags: readonly AutotagModel[];
  settings: Record<string, JsonValue>;
  /** The folder's image count and fingerprint (null when unknown). */
  dataset: { images: number; fingerprint: string | null };
  /** When the snapshot is taken. */
  savedAt: Date;
}

/** Everything the user did on the folder as a project state (the images are not part of it). */
export function snapshotProject(snapshot: ProjectSnapshot): ProjectState {
  const manual: TagState[] = snapshot.manualTags.map((tag) => ({
    name: tag.name,
    threshold: null,
    positives: [],
    negatives: [],
    images: [...tag.images],
    boxes: [...tag.boxes],
  }));
  const autotags: TagState[] = snapshot.autotags.map((tag) => ({
    name: tag.name,
    threshold: tag.threshold,
    positives: tag.judgedItems.filter((_, i) => tag.judgedLabels[i] === 1),
    negatives: tag.judgedItems.filter((_, i) => tag.judgedLabels[i] !== 1),
    images: [],
    model: {
      set: tag.set,
      model: tag.model,
      seed: tag.seed as unknown as JsonValue,
      classifier: tag.classifier && {
        weights: Array.from(tag.classifier.weights),
        bias: tag.classifier.bias,
        dim: tag.classifier.dim,
      },
      rounds: tag.rounds.map((round) => ({ ...round })),
    },
  }));
  return {
    format: PROJECT_STATE_FORMAT,
    version: PROJECT_STATE_VERSION,
    savedAt: snapshot.savedAt.toISOString(),
    dataset: { ...snapshot.dataset },
    history: { steps: snapshot.history.steps.map((step) => [...step]), cursor: snapshot.history.cursor },
    // Only the fields of the format: stored records also carry the folder and timestamps.
    slices: snapshot.slices.map(({ name, description, paths }) => ({ name, description, paths: [...paths] })),
    tags: [...manual, ...autotags],
    settings: { ...snapshot.settings },
  };
}

/** What importing a project state into the opened folder stores, and what it cannot place. */
export interface ProjectImportPlan {
  history: EditHistory;
  /** Slices with the paths the folder holds (`paths`) and those it lacks (`missing`). */
  slices: (Slice & { missing: string[] })[];
  /** Manual tags with the images the folder holds; `missing` lists tagged images it lacks. */
  manualTags: (ManualTag & { missing: string[] })[];
  autotags: AutotagModel[];
  settings: Record<string, JsonValue>;
  /** Differences between the folder the state was made on and this one (image count, fingerprint). */
  warnings: string[];
}

/**
 * Matches a project state to the opened folder by relative path.
 * @param fingerprint - the opened folder's fingerprint, null when unknown (no warning then).
 * @throws ProjectStateError (naming `file` and the field) for an Autotag model that is not valid.
 */
export function planProjectImport(
  state: ProjectState,
  dataset: Dataset,
  fingerprint: string | null,
  file = 'project.json',
): ProjectImportPlan {
  const warnings: string[] = [];
  if (state.dataset.images !== dataset.images.length)
    warnings.push(
      `${file} was made on a folder of ${state.dataset.images} images; this one has ${dataset.images.length}`,
    );
  else if (fingerprint && state.dataset.fingerprint && fingerprint !== state.dataset.fingerprint)
    warnings.push(`${file} was made on a folder whose files differ (sizes or dates) from this one`);

  const resolved = resolveSlices(state, dataset);
  const slices = state.slices.map((slice, i) => ({
    name: slice.name,
    description: slice.description,
    paths: resolved[i].images.map((index) => dataset.images[index].path),
    missing: resolved[i].missing,
  }));

  const known = new Set(dataset.images.map((image) => image.path));
  const manualTags: (ManualTag & { missing: string[] })[] = [];
  const autotags: AutotagModel[] = [];
  state.tags.forEach((tag, i) => {
    if (tag.threshold === null)
      manualTags.push({
        name: tag.name,
        images: tag.images.filter((path) => known.has(path)),
        boxes: [...(tag.boxes ?? [])],
        missing: tag.images.filter((path) => !known.has(path)),
      });
    else autotags.push(readAutotag(tag, new StateReader(file, `$.tags[${i}].model`, tag.model)));
  });

  return { history: state.history, slices, manualTags, autotags, settings: state.settings, warnings };
}

function readAutotag(tag: TagState, model: StateReader): AutotagModel {
  const classifier = model.field('classifier');
  const seed = model.field('seed');
  const seedKind = seed.field('kind').oneOf(['text', 'examples'] as const);
  const weights = classifier.value === null ? null : classifier.field('weights').array((w) => w.number());
  const dim = classifier.value === null ? 0 : classifier.field('dim').integer();
  if (weights && weights.length !== dim) classifier.field('weights').fail(`${dim} numbers (dim)`);
  const round = (reader: StateReader) => ({
    judged: reader.field('judged').integer(),
    judgedYes: reader.field('judgedYes').integer(),
    positives: reader.field('positives').integer(),
    flips: reader.field('flips').integer(),
    threshold: reader.field('threshold').number(),
    at: reader.field('at').number(),
  });
  return {
    name: tag.name,
    set: model.field('set').oneOf(['images', 'objects'] as const),
    model: model.field('model').string(),
    seed:
      seedKind === 'text'
        ? { kind: 'text', text: seed.field('text').string() }
        : {
            kind: 'examples',
            positives: seed.field('positives').array((path) => path.string()),
            negatives: seed.field('negatives').array((path) => path.string()),
          },
    classifier: weights && { weights, bias: classifier.field('bias').number(), dim },
    judgedItems: [...tag.positives, ...tag.negatives],
    judgedLabels: [...tag.positives.map(() => 1), ...tag.negatives.map(() => 0)],
    threshold: tag.threshold!,
    rounds: model.field('rounds').array(round),
  };
}
