import {
  acceptPrediction,
  acceptPredictionClass,
  applyEdits,
  boxKey,
  reviewProgress,
  type BoxRef,
  type CorrectedView,
  type Edit,
  type ReviewDecision,
  type ReviewProgress,
  type ReviewTarget,
} from '../core/review/edits';
import {
  activeEdits,
  canRedo,
  canUndo,
  EMPTY_HISTORY,
  recordEdits,
  redo,
  undo,
  type EditHistory,
} from '../core/review/history';
import type { BoxXYWH } from '../core/dataset';
import { checkName, ReviewStore, type ManualTagRecord, type SliceRecord } from '../storage/reviewStore';
import { datasetState } from './dataset.svelte';
import { notices } from './notices.svelte';

/** Image sets the query language asks review state for (`reviewed`, `review:accepted`, `edited`, ...). */
export type ReviewImageKind = 'reviewed' | 'accepted' | 'rejected' | 'unreviewed' | 'edited' | 'commented';

/**
 * Review decisions, edits, slices and manual tags of the open folder. Every change is written to
 * IndexedDB first (one transaction per user action) and shown only once that has committed: `saving`
 * counts the writes in flight, so the UI can say "saving…" and then "saved". Writes run one after
 * another in the order asked, so quick keyboard review never reorders the log.
 */
export class ReviewState {
  history = $state.raw<EditHistory>(EMPTY_HISTORY);
  slices = $state.raw<SliceRecord[]>([]);
  manualTags = $state.raw<ManualTagRecord[]>([]);
  /** Writes not yet committed. */
  saving = $state(0);
  /** The folder the state above belongs to (null before loading). */
  folder = $state<string | null>(null);

  /** The imported dataset with the edits in force applied, and the review decisions. */
  corrected = $derived.by((): CorrectedView | null => {
    const dataset = datasetState.dataset;
    return dataset ? applyEdits(dataset, activeEdits(this.history)) : null;
  });
  canUndo = $derived(canUndo(this.history));
  canRedo = $derived(canRedo(this.history));
  sliceNames = $derived(this.slices.map((slice) => slice.name));
  manualTagNames = $derived(this.manualTags.map((tag) => tag.name));

  /** Image index per relative path of the open dataset. */
  private imageIndex = $derived(new Map(datasetState.dataset?.images.map((i) => [i.path, i.index]) ?? []));
  private imageSets = $derived(this.computeImageSets());
  private queue: Promise<unknown> = Promise.resolve();
  private store: Promise<ReviewStore> | null = null;

  /** Reads the folder's log, slices and manual tags (on open and after a reload). */
  async load(): Promise<void> {
    const folder = datasetState.source?.name ?? null;
    this.folder = folder;
    this.history = EMPTY_HISTORY;
    this.slices = [];
    this.manualTags = [];
    if (!folder) return;
    try {
      const store = await this.open();
      const [history, slices, tags] = await Promise.all([
        store.history(folder),
        store.slices(folder),
        store.manualTags(folder),
      ]);
      if (this.folder !== folder) return;
      this.history = history;
      this.slices = slices;
      this.manualTags = tags;
    } catch (error) {
      notices.report(error, 'reading the saved review');
    }
  }

  // ---- decisions and edits -------------------------------------------------------------------

  /** Records one user action (one edit or several: a bulk accept undoes in one go). */
  record(edits: Edit | readonly Edit[]): Promise<void> {
    const step = (Array.isArray(edits) ? [...edits] : [edits]) as Edit[];
    if (step.length === 0) return Promise.resolve();
    const time = Date.now();
    const stamped = step.map((edit) => ({ ...edit, time: edit.time ?? time }));
    return this.write('saving a review decision', async (store, folder) => {
      await store.record(folder, this.history.cursor, stamped);
      this.history = recordEdits(this.history, stamped);
    });
  }

  /** Accepts or rejects images (`cleared` removes the decision). */
  reviewImages(indices: Iterable<number>, decision: ReviewDecision | 'cleared'): Promise<void> {
    const images = datasetState.dataset?.images ?? [];
    const edits: Edit[] = [...new Set(indices)].map((index) => ({
      kind: 'review',
      target: { kind: 'image', image: images[index].path },
      decision,
    }));
    return this.record(edits);
  }

  reviewBox(box: BoxRef, decision: ReviewDecision | 'cleared'): Promise<void> {
    return this.record({ kind: 'review', target: { kind: 'box', box }, decision });
  }

  setClass(box: BoxRef, categoryId: number): Promise<void> {
    return this.record({ kind: 'setClass', box, categoryId });
  }

  deleteBox(box: BoxRef): Promise<void> {
    return this.record({ kind: 'deleteBox', box });
  }

  /** Moves or resizes a box (xywh in displayed-image pixels). */
  moveBox(box: BoxRef, xywh: BoxXYWH): Promise<void> {
    return this.record({ kind: 'moveBox', box, xywh });
  }

  /** Adds a prediction of `run` as a new ground-truth box (the fix for a missing label). */
  acceptPrediction(run: string, index: number): Promise<void> {
    const dataset = datasetState.dataset;
    if (!dataset) return Promise.resolve();
    return this.record(acceptPrediction(dataset, run, index, crypto.randomUUID()));
  }

  /** Gives a ground-truth box the class of a prediction (the fix for a swapped class). */
  acceptPredictionClass(box: BoxRef, run: string, index: number): Promise<void> {
    const dataset = datasetState.dataset;
    if (!dataset) return Promise.resolve();
    return this.record(acceptPredictionClass(dataset, box, run, index));
  }

  comment(target: ReviewTarget, text: string): Promise<void> {
    const trimmed = text.trim();
    return trimmed ? this.record({ kind: 'comment', target, text: trimmed }) : Promise.resolve();
  }

  undo(): Promise<void> {
    return this.write('undoing', async (store, folder) => {
      const history = undo(this.history);
      await store.setCursor(folder, history.cursor);
      this.history = history;
    });
  }

  redo(): Promise<void> {
    return this.write('redoing', async (store, folder) => {
      const history = redo(this.history);
      await store.setCursor(folder, history.cursor);
      this.history = history;
    });
  }

  /** Replaces the whole log (a project-state import). */
  replaceHistory(history: EditHistory): Promise<void> {
    return this.write('importing the review log', async (store, folder) => {
      await store.replaceHistory(folder, history);
      this.history = history;
    });
  }

  /** "312 of 1,200 reviewed" for a set of images (e.g. the gallery's current filter result). */
  progress(indices: Iterable<number>): ReviewProgress | null {
    return this.corrected ? reviewProgress(this.corrected, indices) : null;
  }

  imageDecision(index: number): ReviewDecision | null {
    const path = datasetState.dataset?.images[index]?.path;
    return (path !== undefined && this.corrected?.imageReviews.get(path)) || null;
  }

  boxDecision(box: BoxRef): ReviewDecision | null {
    return this.corrected?.boxReviews.get(boxKey(box)) ?? null;
  }

  // ---- query fields --------------------------------------------------------------------------

  /** Images of a review kind, for the query language's `reviewed`, `review:<decision>`, `edited`, `comment`. */
  imagesWith(kind: ReviewImageKind): ReadonlySet<number> {
    return this.imageSets[kind];
  }

  /** Images of a slice; null for an unknown slice. */
  sliceImages(name: string): ReadonlySet<number> | null {
    const slice = this.slices.find((candidate) => candidate.name === name);
    return slice ? this.indicesOf(slice.paths) : null;
  }

  /** Images with a manual tag (on the image or one of its boxes); null for an unknown tag. */
  manualTagImages(name: string): ReadonlySet<number> | null {
    const tag = this.manualTags.find((candidate) => candidate.name === name);
    if (!tag) return null;
    const images = this.indicesOf(tag.images);
    for (const key of tag.boxes) {
      const index = this.imageIndex.get(boxKeyImage(key));
      if (index !== undefined) images.add(index);
    }
    return images;
  }

  // ---- slices ------------------------------------------------------------------------------------

  /** Creates a slice, or adds images to an existing one of that name. */
  addToSlice(name: string, indices: Iterable<number>, description = ''): Promise<void> {
    return this.write('saving the slice', async (store, folder) => {
      const checked = checkName(name, 'slice');
      const existing = this.slices.find((slice) => slice.name === checked);
      const now = Date.now();
      const paths = new Set(existing?.paths ?? []);
      for (const path of this.pathsOf(indices)) paths.add(path);
      const slice: SliceRecord = {
        folder,
        name: checked,
        description: existing?.description || description,
        paths: [...paths],
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await store.putSlice(slice);
      this.slices = await store.slices(folder);
    });
  }

  removeFromSlice(name: string, indices: Iterable<number>): Promise<void> {
    return this.write('saving the slice', async (store, folder) => {
      const slice = this.slices.find((candidate) => candidate.name === name);
      if (!slice) return;
      const removed = new Set(this.pathsOf(indices));
      const paths = slice.paths.filter((path) => !removed.has(path));
      await store.putSlice({ ...slice, paths, updatedAt: Date.now() });
      this.slices = await store.slices(folder);
    });
  }

  /** Renames and/or re-describes a slice. */
  editSlice(name: string, changes: { name?: string; description?: string }): Promise<void> {
    return this.write('saving the slice', async (store, folder) => {
      const slice = this.slices.find((candidate) => candidate.name === name);
      if (!slice) return;
      const newName = changes.name === undefined ? name : checkName(changes.name, 'slice');
      if (newName !== name && this.slices.some((other) => other.name === newName)) {
        throw new Error(`a slice named "${newName}" exists already`);
      }
      const description = changes.description ?? slice.description;
      await store.putSlice({ ...slice, name: newName, description, updatedAt: Date.now() }, name);
      this.slices = await store.slices(folder);
    });
  }

  deleteSlice(name: string): Promise<void> {
    return this.write('deleting the slice', async (store, folder) => {
      await store.deleteSlice(folder, name);
      this.slices = await store.slices(folder);
    });
  }

  // ---- manual tags -----------------------------------------------------------------------------

  /** Adds (`on`) or removes a manual tag on images. */
  tagImages(name: string, indices: Iterable<number>, on: boolean): Promise<void> {
    return this.updateTag(name, (tag) => {
      const images = new Set(tag.images);
      for (const path of this.pathsOf(indices)) {
        if (on) images.add(path);
        else images.delete(path);
      }
      return { ...tag, images: [...images] };
    });
  }

  /** Adds (`on`) or removes a manual tag on a ground-truth box. */
  tagBox(name: string, box: BoxRef, on: boolean): Promise<void> {
    return this.updateTag(name, (tag) => {
      const key = boxKey(box);
      const boxes = tag.boxes.filter((candidate) => candidate !== key);
      return { ...tag, boxes: on ? [...boxes, key] : boxes };
    });
  }

  /** Manual tags on a box, by name. */
  boxTags(box: BoxRef): string[] {
    const key = boxKey(box);
    return this.manualTags.filter((tag) => tag.boxes.includes(key)).map((tag) => tag.name);
  }

  /** Manual tags on an image (not its boxes), by name. */
  imageTags(index: number): string[] {
    const path = datasetState.dataset?.images[index]?.path;
    return this.manualTags
      .filter((tag) => path !== undefined && tag.images.includes(path))
      .map((t) => t.name);
  }

  private updateTag(name: string, change: (tag: ManualTagRecord) => ManualTagRecord): Promise<void> {
    return this.write('saving the tag', async (store, folder) => {
      const checked = checkName(name, 'tag');
      const existing = this.manualTags.find((tag) => tag.name === checked) ?? {
        folder,
        name: checked,
        images: [],
        boxes: [],
        updatedAt: 0,
      };
      await store.putManualTag({ ...change(existing), updatedAt: Date.now() });
      this.manualTags = await store.manualTags(folder);
    });
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /** Runs one write after the previous ones, through the error funnel; resolves when it committed. */
  private write(action: string, task: (store: ReviewStore, folder: string) => Promise<void>): Promise<void> {
    const folder = this.folder;
    if (!folder) return Promise.resolve();
    this.saving++;
    const run = this.queue.then(async () => {
      try {
        if (this.folder !== folder) return;
        await task(await this.open(), folder);
      } catch (error) {
        notices.report(error, action);
      } finally {
        this.saving--;
      }
    });
    this.queue = run;
    return run;
  }

  private open(): Promise<ReviewStore> {
    this.store ??= ReviewStore.open();
    return this.store;
  }

  private pathsOf(indices: Iterable<number>): string[] {
    const images = datasetState.dataset?.images ?? [];
    return [...indices].filter((index) => images[index] !== undefined).map((index) => images[index].path);
  }

  private indicesOf(paths: Iterable<string>): Set<number> {
    const indices = new Set<number>();
    for (const path of paths) {
      const index = this.imageIndex.get(path);
      if (index !== undefined) indices.add(index);
    }
    return indices;
  }

  private computeImageSets(): Record<ReviewImageKind, Set<number>> {
    const sets: Record<ReviewImageKind, Set<number>> = {
      reviewed: new Set(),
      accepted: new Set(),
      rejected: new Set(),
      unreviewed: new Set(),
      edited: new Set(),
      commented: new Set(),
    };
    const view = this.corrected;
    if (!view) return sets;
    const index = (path: string) => this.imageIndex.get(path);
    for (const [path, decision] of view.imageReviews) {
      const at = index(path);
      if (at === undefined) continue;
      sets[decision].add(at);
      sets.reviewed.add(at);
    }
    for (const key of view.boxReviews.keys()) {
      const at = index(boxKeyImage(key));
      if (at !== undefined) sets.reviewed.add(at);
    }
    for (const image of view.dataset.images) {
      if (!view.imageReviews.has(image.path)) sets.unreviewed.add(image.index);
    }
    for (const edit of activeEdits(this.history)) {
      const path = editedImage(edit);
      const at = path === null ? undefined : index(path);
      if (at !== undefined) sets.edited.add(at);
    }
    for (const comment of view.comments) {
      const target = comment.target;
      const at = index(target.kind === 'image' ? target.image : target.box.image);
      if (at !== undefined) sets.commented.add(at);
    }
    return sets;
  }
}

/** The image path inside a `boxKey` (`gt:<path>#<index>` or `added:<path>#<id>`). */
function boxKeyImage(key: string): string {
  const start = key.indexOf(':') + 1;
  return key.slice(start, key.lastIndexOf('#'));
}

/** The image a correction changed (class, box, deletion, addition); null for reviews and comments. */
function editedImage(edit: Edit): string | null {
  switch (edit.kind) {
    case 'setClass':
    case 'deleteBox':
    case 'moveBox':
      return edit.box.image;
    case 'addBox':
      return edit.image;
    default:
      return null;
  }
}

export const reviewState = new ReviewState();
