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
import { commentsOn, imageBoxes, reviewLookup, type ReviewLookup } from '../core/review/lookup';
import type { CorrectedBox, ReviewComment } from '../core/review/edits';
import { datasetState } from './dataset.svelte';
import { FolderWrites } from './folderWrites.svelte';
import { notices } from './notices.svelte';

/** What accepting a prediction did: the box in force from it, and whether this call added it. */
export interface AcceptedPrediction {
  box: BoxRef;
  added: boolean;
}

/** Image sets the query language asks review state for (`reviewed`, `review:accepted`, `edited`, ...). */
export type ReviewImageKind = 'reviewed' | 'accepted' | 'rejected' | 'unreviewed' | 'edited' | 'commented';

/**
 * Review decisions and edits of the open folder (slices and manual tags: `curation.svelte.ts`).
 * Every change is written to IndexedDB first, one transaction per user action, and shown only once
 * that has committed (`FolderWrites`), so a killed tab loses nothing shown as saved.
 */
export class ReviewState {
  history = $state.raw<EditHistory>(EMPTY_HISTORY);
  private writes = new FolderWrites();
  /** Predictions being accepted (run and index), and the box each will add. */
  private accepting = new Map<string, BoxRef>();

  /** The imported dataset with the edits in force applied, and the review decisions. */
  corrected = $derived.by((): CorrectedView | null => {
    const dataset = datasetState.dataset;
    return dataset ? applyEdits(dataset, activeEdits(this.history)) : null;
  });
  /**
   * Decisions, comments and the corrected boxes of edited images only: what the gallery and image
   * view read on every key press (`corrected` copies every box; see core/review/lookup.ts).
   */
  lookup = $derived.by((): ReviewLookup | null => {
    const dataset = datasetState.dataset;
    const groups = datasetState.groundTruthByImage;
    return dataset && groups ? reviewLookup(dataset, activeEdits(this.history), groups) : null;
  });
  canUndo = $derived(canUndo(this.history));
  canRedo = $derived(canRedo(this.history));

  /** Image index per relative path of the open dataset. */
  private imageIndex = $derived(new Map(datasetState.dataset?.images.map((i) => [i.path, i.index]) ?? []));
  private imageSets = $derived(this.computeImageSets());

  /** Writes not yet committed. */
  get saving(): number {
    return this.writes.saving;
  }

  /** The folder the log belongs to (null before loading). */
  get folder(): string | null {
    return this.writes.folder;
  }

  /** Reads the folder's edit log (on open and after a reload). */
  async load(): Promise<void> {
    const folder = datasetState.source?.name ?? null;
    this.writes.folder = folder;
    this.history = EMPTY_HISTORY;
    if (!folder) return;
    try {
      const history = await (await this.writes.open()).history(folder);
      if (this.folder !== folder) return;
      this.history = history;
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
    // A snapshot: an edit built from component state may hold Svelte proxies, which IndexedDB
    // cannot clone (DataCloneError) and which would change under the log if the component did.
    const stamped = step.map((edit) => ({ ...($state.snapshot(edit) as Edit), time: edit.time ?? time }));
    return this.writes.write('saving a review decision', async (store, folder) => {
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

  /**
   * Adds a prediction of `run` as a new ground-truth box (the fix for a missing label), unless a box
   * added from that same prediction is in force already (accepting twice must not double the box).
   * Resolves with the box in force from the prediction and whether this call added it.
   */
  async acceptPrediction(run: string, index: number): Promise<AcceptedPrediction | null> {
    const dataset = datasetState.dataset;
    if (!dataset) return null;
    const existing = this.acceptedFrom(run, index);
    if (existing) return { box: existing.ref, added: false };
    // A second press before the first write commits finds no box yet: the pending one answers it.
    const key = `${run}\u0000${index}`;
    const pending = this.accepting.get(key);
    if (pending) return { box: pending, added: false };
    const id = crypto.randomUUID();
    const edit = acceptPrediction(dataset, run, index, id);
    const box: BoxRef = { image: edit.kind === 'addBox' ? edit.image : '', source: 'added', id };
    this.accepting.set(key, box);
    try {
      await this.record(edit);
    } finally {
      this.accepting.delete(key);
    }
    return { box, added: true };
  }

  /** The ground-truth box in force that was added from prediction `index` of `run`, if any. */
  acceptedFrom(run: string, index: number): CorrectedBox | null {
    const prediction = datasetState.dataset?.runs.find((r) => r.name === run)?.predictions[index];
    if (!prediction) return null;
    const boxes = this.imageBoxes(prediction.imageIndex);
    return (
      boxes.find((b) => b.ref.source === 'added' && b.from?.run === run && b.from.index === index) ?? null
    );
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
    return this.writes.write('undoing', async (store, folder) => {
      const history = undo(this.history);
      await store.setCursor(folder, history.cursor);
      this.history = history;
    });
  }

  redo(): Promise<void> {
    return this.writes.write('redoing', async (store, folder) => {
      const history = redo(this.history);
      await store.setCursor(folder, history.cursor);
      this.history = history;
    });
  }

  /** Replaces the whole log (a project-state import). */
  replaceHistory(history: EditHistory): Promise<void> {
    return this.writes.write('importing the review log', async (store, folder) => {
      await store.replaceHistory(folder, history);
      this.history = history;
    });
  }

  /** "312 of 1,200 reviewed" for a set of images (e.g. the gallery's current filter result). */
  progress(indices: Iterable<number>): ReviewProgress | null {
    return this.lookup ? reviewProgress(this.lookup, indices) : null;
  }

  imageDecision(index: number): ReviewDecision | null {
    const path = datasetState.dataset?.images[index]?.path;
    return (path !== undefined && this.lookup?.imageReviews.get(path)) || null;
  }

  boxDecision(box: BoxRef): ReviewDecision | null {
    return this.lookup?.boxReviews.get(boxKey(box)) ?? null;
  }

  /** The corrected ground truth of one image (imported boxes keep `ref.index`, their index as imported). */
  imageBoxes(index: number): CorrectedBox[] {
    const groups = datasetState.groundTruthByImage;
    return this.lookup && groups ? imageBoxes(this.lookup, groups, index) : [];
  }

  /** Whether an edit changed, added or deleted a box of the image. */
  isEdited(index: number): boolean {
    return this.lookup?.editedImages.has(index) ?? false;
  }

  /** Whether the image or one of its boxes has a comment. */
  isCommented(index: number): boolean {
    return this.lookup?.commentedImages.has(index) ?? false;
  }

  /** Comments on an image or a box, oldest first. */
  commentsOn(target: ReviewTarget): ReviewComment[] {
    return this.lookup ? commentsOn(this.lookup, target) : [];
  }

  // ---- query fields --------------------------------------------------------------------------

  /** Images of a review kind, for the query language's `reviewed`, `review:<decision>`, `edited`, `comment`. */
  imagesWith(kind: ReviewImageKind): ReadonlySet<number> {
    return this.imageSets[kind];
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
    const view = this.lookup;
    if (!view) return sets;
    const index = (path: string) => this.imageIndex.get(path);
    for (const [path, decision] of view.imageReviews) {
      const at = index(path);
      if (at === undefined) continue;
      sets[decision].add(at);
      sets.reviewed.add(at);
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
