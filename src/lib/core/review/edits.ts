/**
 * The review and edit model: every decision and correction is a record on top of the imported
 * annotations, which stay as imported. `applyEdits` folds a list of edits over a dataset into a
 * corrected view (new arrays; the dataset is not touched), so exports, the image view and review
 * progress all read one answer.
 *
 * Identity (DESIGN.md): a ground-truth box is (image relative path, source, index as imported), where
 * the index is the box's position in `Dataset.groundTruth` at import; a box added by the user has a
 * stable id of its own instead. Edits name boxes this way, never by their position in a corrected
 * view, so an edit keeps its target when other boxes are added or deleted before it.
 *
 * Later edits win: a second class change or move of the same box replaces the first, a review
 * decision replaces the one before it (`cleared` removes it). An edit whose image, box or class does
 * not exist in the dataset (a project file opened on a changed folder) is reported in `unresolved`,
 * and the rest still apply.
 */

import type { BoxXYWH, Dataset, GroundTruth } from '../dataset';

/** A ground-truth box: as imported (`index` in `Dataset.groundTruth`), or added by an edit (`id`). */
export type BoxRef =
  { image: string; source: 'gt'; index: number } | { image: string; source: 'added'; id: string };

/** A prediction of a run, by (image, run name, index in the run's `predictions`). */
export interface PredictionRef {
  image: string;
  run: string;
  index: number;
}

/** What a review decision is about: a whole image or one ground-truth box. */
export type ReviewTarget = { kind: 'image'; image: string } | { kind: 'box'; box: BoxRef };

export type ReviewDecision = 'accepted' | 'rejected';

/** One recorded decision or correction. `time` is milliseconds since the Unix epoch, when known. */
export type Edit = { time?: number } & (
  | { kind: 'review'; target: ReviewTarget; decision: ReviewDecision | 'cleared' }
  | { kind: 'setClass'; box: BoxRef; categoryId: number; from?: PredictionRef }
  | { kind: 'deleteBox'; box: BoxRef }
  /** New box in displayed-image pixels, xywh. */
  | { kind: 'moveBox'; box: BoxRef; xywh: BoxXYWH }
  /** A new ground-truth box (`xywh` in displayed pixels; none for an image-level class). */
  | { kind: 'addBox'; id: string; image: string; categoryId: number; xywh?: BoxXYWH; from?: PredictionRef }
  | { kind: 'comment'; target: ReviewTarget; text: string }
);

/** A ground-truth box of the corrected view, with where it came from. */
export interface CorrectedBox extends GroundTruth {
  ref: BoxRef;
  /** True when an edit changed its class or box, or added it. */
  edited: boolean;
  /** The prediction it was accepted from (added box) or whose class it took, if any. */
  from?: PredictionRef;
}

export interface ReviewComment {
  target: ReviewTarget;
  text: string;
  time?: number;
}

/** A dataset whose ground truth carries identity and provenance; usable wherever a `Dataset` is. */
export interface CorrectedDataset extends Omit<Dataset, 'groundTruth'> {
  groundTruth: CorrectedBox[];
}

/** The dataset with the edits applied, and the review state. */
export interface CorrectedView {
  /** Images, categories and runs are the original's arrays; `groundTruth` is new, indices renumbered. */
  dataset: CorrectedDataset;
  /** Decision per image path. */
  imageReviews: Map<string, ReviewDecision>;
  /** Decision per box key (`boxKey`), for boxes that still exist. */
  boxReviews: Map<string, ReviewDecision>;
  /** Comments in the order made, on images or boxes that still exist. */
  comments: ReviewComment[];
  /** Edits that name something the dataset lacks, with the reason. */
  unresolved: { edit: Edit; reason: string }[];
  /** The ground truth as imported (the same array, not a copy): what each edit changed, for reports. */
  imported: readonly GroundTruth[];
  /** Imported boxes the edits deleted, as imported (with their `ref`). */
  deleted: CorrectedBox[];
}

/** A box's key in maps: `gt:<image>#<index>` or `added:<image>#<id>`. */
export function boxKey(ref: BoxRef): string {
  return ref.source === 'gt' ? `gt:${ref.image}#${ref.index}` : `added:${ref.image}#${ref.id}`;
}

/** The image path inside a `boxKey` (`gt:<path>#<index>` or `added:<path>#<id>`). */
export function boxKeyImage(key: string): string {
  const start = key.indexOf(':') + 1;
  return key.slice(start, key.lastIndexOf('#'));
}

/** The reference of an imported ground-truth box of `dataset`. */
export function groundTruthRef(dataset: Dataset, box: GroundTruth): BoxRef {
  return { image: dataset.images[box.imageIndex].path, source: 'gt', index: box.index };
}

/**
 * The edit that accepts a prediction as a new ground-truth box (the fix for a missing label), keeping
 * its class, its box (displayed pixels) and where it came from.
 * @param id - a stable id for the new box, unique in the project (e.g. `crypto.randomUUID()`).
 * @throws RangeError when the run or prediction does not exist.
 */
export function acceptPrediction(dataset: Dataset, runName: string, index: number, id: string): Edit {
  const run = dataset.runs.find((candidate) => candidate.name === runName);
  const prediction = run?.predictions[index];
  if (!prediction) throw new RangeError(`no prediction ${index} in run ${JSON.stringify(runName)}`);
  const image = dataset.images[prediction.imageIndex].path;
  const from = { image, run: runName, index };
  const edit: Edit = { kind: 'addBox', id, image, categoryId: prediction.categoryId, from };
  if (prediction.box) edit.xywh = [...prediction.box];
  return edit;
}

/**
 * The edit that gives a ground-truth box the class of a prediction (the fix for a swapped class),
 * recording which prediction it came from.
 * @throws RangeError when the run or prediction does not exist.
 */
export function acceptPredictionClass(dataset: Dataset, box: BoxRef, runName: string, index: number): Edit {
  const prediction = dataset.runs.find((candidate) => candidate.name === runName)?.predictions[index];
  if (!prediction) throw new RangeError(`no prediction ${index} in run ${JSON.stringify(runName)}`);
  const from = { image: dataset.images[prediction.imageIndex].path, run: runName, index };
  return { kind: 'setClass', box, categoryId: prediction.categoryId, from };
}

/**
 * Folds `edits` (oldest first) over `dataset`. Pure: returns new arrays and maps, never mutates.
 * Copies every box (about 0.5 s for 100k boxes): per-edit UI work uses `reviewLookup` instead.
 * @returns the corrected view; boxes keep the imported order, added boxes follow in the order added.
 */
export function applyEdits(dataset: Dataset, edits: readonly Edit[]): CorrectedView {
  const folded = foldEdits(dataset, edits);
  const groundTruth = folded.boxes.corrected();
  return {
    dataset: { ...dataset, groundTruth },
    imageReviews: folded.imageReviews,
    boxReviews: folded.boxReviews,
    comments: folded.comments,
    unresolved: folded.unresolved,
    imported: dataset.groundTruth,
    deleted: folded.boxes.deleted(),
  };
}

const imageIndices = new WeakMap<Dataset, ReadonlyMap<string, number>>();

/**
 * Image index by relative path, built once per dataset: a dataset is never changed once imported
 * (edits are records beside it), and rebuilding this map on every key press would make each edit
 * cost O(images) again.
 */
export function imageIndexOf(dataset: Dataset): ReadonlyMap<string, number> {
  let map = imageIndices.get(dataset);
  if (!map) {
    map = new Map(dataset.images.map((image) => [image.path, image.index]));
    imageIndices.set(dataset, map);
  }
  return map;
}

/** What folding the edit log gives before any corrected array is built (see `applyEdits`). */
export interface FoldedEdits {
  boxes: BoxStore;
  imageReviews: Map<string, ReviewDecision>;
  /** Decisions on boxes that still exist. */
  boxReviews: Map<string, ReviewDecision>;
  /** Comments on images or boxes that still exist, in the order made. */
  comments: ReviewComment[];
  unresolved: { edit: Edit; reason: string }[];
}

/**
 * The fold behind `applyEdits`, without building the corrected ground truth: O(edits), whatever the
 * dataset's size. `boxes` answers per box and knows which images' boxes changed.
 */
export function foldEdits(dataset: Dataset, edits: readonly Edit[]): FoldedEdits {
  const imageIndex = imageIndexOf(dataset);
  const categoryIds = new Set(dataset.categories.map((category) => category.id));
  const boxes = new BoxStore(dataset);

  const imageReviews = new Map<string, ReviewDecision>();
  const boxReviews = new Map<string, ReviewDecision>();
  const reviewedBoxes = new Map<string, BoxRef>();
  const comments: ReviewComment[] = [];
  const unresolved: FoldedEdits['unresolved'] = [];
  const targetExists = (target: ReviewTarget) =>
    target.kind === 'image' ? imageIndex.has(target.image) : boxes.get(target.box) !== null;

  for (const edit of edits) {
    const reason = applyOne(edit);
    if (reason) unresolved.push({ edit, reason });
  }

  // Reviews and comments of boxes deleted later in the log no longer point anywhere.
  for (const [key, ref] of reviewedBoxes) if (boxes.get(ref) === null) boxReviews.delete(key);
  const liveComments = comments.filter((comment) => targetExists(comment.target));
  return { boxes, imageReviews, boxReviews, comments: liveComments, unresolved };

  /** Applies one edit; returns why it cannot apply, or null. */
  function applyOne(edit: Edit): string | null {
    switch (edit.kind) {
      case 'review': {
        if (!targetExists(edit.target)) return `no ${describeTarget(edit.target)}`;
        const map = edit.target.kind === 'image' ? imageReviews : boxReviews;
        const key = edit.target.kind === 'image' ? edit.target.image : boxKey(edit.target.box);
        if (edit.target.kind === 'box') reviewedBoxes.set(key, edit.target.box);
        if (edit.decision === 'cleared') map.delete(key);
        else map.set(key, edit.decision);
        return null;
      }
      case 'comment':
        if (!targetExists(edit.target)) return `no ${describeTarget(edit.target)}`;
        comments.push({ target: edit.target, text: edit.text, time: edit.time });
        return null;
      case 'addBox': {
        const index = imageIndex.get(edit.image);
        if (index === undefined) return `no image ${edit.image}`;
        if (!categoryIds.has(edit.categoryId)) return `no category with id ${edit.categoryId}`;
        const ref: BoxRef = { image: edit.image, source: 'added', id: edit.id };
        if (boxes.get(ref) !== null) return `box id ${edit.id} is already used`;
        const box: CorrectedBox = {
          index: -1,
          imageIndex: index,
          categoryId: edit.categoryId,
          ref,
          edited: true,
        };
        if (edit.xywh) box.box = [...edit.xywh];
        if (edit.from) box.from = edit.from;
        boxes.set(ref, box);
        return null;
      }
      case 'deleteBox':
        if (boxes.get(edit.box) === null) return `no ${describeTarget({ kind: 'box', box: edit.box })}`;
        boxes.set(edit.box, null);
        return null;
      case 'setClass':
      case 'moveBox': {
        const box = boxes.get(edit.box);
        if (!box) return `no ${describeTarget({ kind: 'box', box: edit.box })}`;
        if (edit.kind === 'setClass' && !categoryIds.has(edit.categoryId)) {
          return `no category with id ${edit.categoryId}`;
        }
        boxes.set(
          edit.box,
          edit.kind === 'setClass' ? withClass(box, edit.categoryId, edit.from) : moved(box, edit.xywh),
        );
        return null;
      }
    }
  }
}

/**
 * The ground truth while edits are folded in: imported boxes stay untouched until an edit changes
 * them (a dataset of 300k boxes and a few edits copies nothing per edit), added boxes by id.
 */
export class BoxStore {
  /** Imported boxes an edit changed, by index as imported; null once deleted. */
  readonly #changed = new Map<number, CorrectedBox | null>();
  /** Added boxes by `boxKey`, in the order added; null once deleted. */
  readonly #added = new Map<string, CorrectedBox | null>();
  /** Images (by index) whose boxes an edit changed, added or deleted. */
  readonly touchedImages = new Set<number>();

  constructor(readonly dataset: Dataset) {}

  /** The box `ref` names as it stands now, or null when it does not exist (or no longer does). */
  get(ref: BoxRef): CorrectedBox | null {
    if (ref.source === 'added') return this.#added.get(boxKey(ref)) ?? null;
    const changed = this.#changed.get(ref.index);
    // A changed box answers only to its own image's path, like an unchanged one below.
    if (changed !== undefined) return changed && changed.ref.image === ref.image ? changed : null;
    const box = this.dataset.groundTruth[ref.index];
    // The path must agree too: an index alone could name another image's box on a changed folder.
    if (!box || this.dataset.images[box.imageIndex].path !== ref.image) return null;
    return { ...box, ref: { image: ref.image, source: 'gt', index: ref.index }, edited: false };
  }

  set(ref: BoxRef, box: CorrectedBox | null): void {
    const image = box?.imageIndex ?? this.get(ref)?.imageIndex;
    if (image !== undefined) this.touchedImages.add(image);
    if (ref.source === 'added') this.#added.set(boxKey(ref), box);
    else this.#changed.set(ref.index, box);
  }

  /**
   * The corrected boxes of one image, given its imported boxes' indices in import order: the same
   * boxes and order as `corrected()` restricted to the image, but `index` is the index as imported
   * (-1 for added boxes), since renumbering needs the whole array.
   */
  imageBoxes(imageIndex: number, members: ArrayLike<number>): CorrectedBox[] {
    const { images, groundTruth } = this.dataset;
    const boxes: CorrectedBox[] = [];
    for (let m = 0; m < members.length; m++) {
      const box = groundTruth[members[m]];
      const changed = this.#changed.get(box.index);
      if (changed === null) continue;
      const ref: BoxRef = { image: images[box.imageIndex].path, source: 'gt', index: box.index };
      boxes.push(changed ?? { ...box, ref, edited: false });
    }
    for (const box of this.#added.values()) if (box && box.imageIndex === imageIndex) boxes.push(box);
    return boxes;
  }

  /** Imported boxes that edits deleted, as imported, in import order. */
  deleted(): CorrectedBox[] {
    const { images, groundTruth } = this.dataset;
    const deleted: CorrectedBox[] = [];
    for (const [index, box] of this.#changed) {
      if (box !== null) continue;
      const original = groundTruth[index];
      const ref: BoxRef = { image: images[original.imageIndex].path, source: 'gt', index };
      deleted.push({ ...original, ref, edited: true });
    }
    return deleted.sort((a, b) => a.index - b.index);
  }

  /** Imported boxes in import order, then added ones in the order added; indices renumbered. */
  corrected(): CorrectedBox[] {
    const { images, groundTruth } = this.dataset;
    const boxes: CorrectedBox[] = [];
    for (const box of groundTruth) {
      const changed = this.#changed.get(box.index);
      if (changed === null) continue;
      const ref: BoxRef = { image: images[box.imageIndex].path, source: 'gt', index: box.index };
      boxes.push(
        changed ? { ...changed, index: boxes.length } : { ...box, index: boxes.length, ref, edited: false },
      );
    }
    for (const box of this.#added.values()) if (box) boxes.push({ ...box, index: boxes.length });
    return boxes;
  }
}

function withClass(box: CorrectedBox, categoryId: number, from: PredictionRef | undefined): CorrectedBox {
  const changed: CorrectedBox = { ...box, categoryId, edited: true };
  if (from) changed.from = from;
  return changed;
}

function moved(box: CorrectedBox, xywh: BoxXYWH): CorrectedBox {
  return { ...box, box: [...xywh], edited: true };
}

/** Words for a target in `unresolved` reasons, e.g. `box gt 12 of image images/a.jpg`. */
export function describeTarget(target: ReviewTarget): string {
  if (target.kind === 'image') return `image ${target.image}`;
  const { box } = target;
  return `box ${box.source === 'gt' ? `gt ${box.index}` : `added ${box.id}`} of image ${box.image}`;
}

/** How much of a set of images is reviewed: "312 of 1,200 reviewed". */
export interface ReviewProgress {
  /** Images in the set. */
  total: number;
  /** Images with a decision (accepted or rejected). */
  reviewed: number;
  accepted: number;
  rejected: number;
}

/**
 * Review progress of the images `imageIndices` (indices into `view.dataset.images`; duplicates
 * count once). An image counts as reviewed when it has an image decision; box decisions alone do
 * not make an image reviewed, since its other boxes may still be unseen.
 */
export function reviewProgress(
  view: { dataset: Pick<Dataset, 'images'>; imageReviews: ReadonlyMap<string, ReviewDecision> },
  imageIndices: Iterable<number>,
): ReviewProgress {
  const progress: ReviewProgress = { total: 0, reviewed: 0, accepted: 0, rejected: 0 };
  for (const index of new Set(imageIndices)) {
    progress.total++;
    const decision = view.imageReviews.get(view.dataset.images[index].path);
    if (!decision) continue;
    progress.reviewed++;
    progress[decision]++;
  }
  return progress;
}
