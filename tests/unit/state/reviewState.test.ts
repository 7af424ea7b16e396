/**
 * The review state over a real (fake-indexeddb) store: what the gallery and image view read per
 * image after edits, and that every answer is there again after a reload from the store. Expected
 * values are written out by hand from the small dataset below.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/lib/core/dataset';
import type { BoxRef } from '../../../src/lib/core/review/edits';
import { datasetState } from '../../../src/lib/state/dataset.svelte';
import { ReviewState } from '../../../src/lib/state/review.svelte';
import { resetDatabaseConnection } from '../../../src/lib/storage/db';
import type { DatasetSource } from '../../../src/lib/storage/source';

function dataset(): Dataset {
  return {
    images: ['a', 'b', 'c'].map((name, index) => ({
      index,
      path: `images/${name}.jpg`,
      width: 100,
      height: 100,
      meta: {},
    })),
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    groundTruth: [
      { index: 0, imageIndex: 0, categoryId: 1, box: [0, 0, 10, 10] },
      { index: 1, imageIndex: 1, categoryId: 2, box: [5, 5, 20, 20] },
      { index: 2, imageIndex: 0, categoryId: 2, box: [50, 50, 10, 10] },
    ],
    runs: [
      {
        name: 'model',
        file: 'predictions.json',
        predictions: [{ index: 0, imageIndex: 2, categoryId: 1, score: 0.9, box: [1, 2, 3, 4] }],
      },
    ],
  };
}

const gt = (image: string, index: number): BoxRef => ({ image: `images/${image}.jpg`, source: 'gt', index });

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDatabaseConnection();
  datasetState.dataset = dataset();
  datasetState.source = { name: 'folder' } as DatasetSource;
});
afterEach(() => resetDatabaseConnection());

describe('ReviewState per-image answers', () => {
  it('draws imported boxes as imported until an edit touches their image', async () => {
    const review = new ReviewState();
    await review.load();
    expect(review.imageBoxes(0).map((box) => [box.ref, box.categoryId, box.edited])).toEqual([
      [gt('a', 0), 1, false],
      [gt('a', 2), 2, false],
    ]);
    expect(review.isEdited(0)).toBe(false);

    await review.setClass(gt('a', 2), 1);
    await review.deleteBox(gt('a', 0));
    await review.acceptPrediction('model', 0);
    expect(review.imageBoxes(0).map((box) => [box.ref, box.categoryId, box.edited])).toEqual([
      [gt('a', 2), 1, true],
    ]);
    const added = review.imageBoxes(2);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ categoryId: 1, box: [1, 2, 3, 4], edited: true, index: -1 });
    expect(added[0].ref.source).toBe('added');
    expect([0, 1, 2].map((i) => review.isEdited(i))).toEqual([true, false, true]);
  });

  it('answers decisions, comments and progress, and all of it again after a reload', async () => {
    const review = new ReviewState();
    await review.load();
    await review.reviewImages([0, 2], 'accepted');
    await review.reviewImages([1], 'rejected');
    await review.reviewImages([2], 'cleared');
    await review.reviewBox(gt('b', 1), 'rejected');
    await review.comment({ kind: 'box', box: gt('b', 1) }, '  too loose  ');
    await review.comment({ kind: 'image', image: 'images/c.jpg' }, 'blurry');
    await review.comment({ kind: 'image', image: 'images/c.jpg' }, '   ');

    const check = (state: ReviewState) => {
      expect(state.progress([0, 1, 2])).toEqual({ total: 3, reviewed: 2, accepted: 1, rejected: 1 });
      expect(state.progress([1, 1])).toEqual({ total: 1, reviewed: 1, accepted: 0, rejected: 1 });
      expect([0, 1, 2].map((i) => state.imageDecision(i))).toEqual(['accepted', 'rejected', null]);
      expect(state.boxDecision(gt('b', 1))).toBe('rejected');
      expect(state.boxDecision(gt('a', 0))).toBeNull();
      expect(state.commentsOn({ kind: 'box', box: gt('b', 1) }).map((c) => c.text)).toEqual(['too loose']);
      expect(state.commentsOn({ kind: 'image', image: 'images/c.jpg' }).map((c) => c.text)).toEqual([
        'blurry',
      ]);
      expect(state.commentsOn({ kind: 'image', image: 'images/b.jpg' })).toEqual([]);
      expect([0, 1, 2].map((i) => state.isCommented(i))).toEqual([false, true, true]);
    };
    check(review);
    expect(review.history.steps).toHaveLength(6);

    const reloaded = new ReviewState();
    await reloaded.load();
    check(reloaded);
  });

  it('undo and redo move what the image view draws, in one step per action', async () => {
    const review = new ReviewState();
    await review.load();
    await review.moveBox(gt('b', 1), [1, 1, 2, 2]);
    await review.reviewImages([0, 1, 2], 'accepted');
    expect(review.progress([0, 1, 2])?.accepted).toBe(3);
    await review.undo();
    expect(review.progress([0, 1, 2])?.accepted).toBe(0);
    expect(review.imageBoxes(1)[0].box).toEqual([1, 1, 2, 2]);
    await review.undo();
    expect(review.imageBoxes(1)[0].box).toEqual([5, 5, 20, 20]);
    expect(review.isEdited(1)).toBe(false);
    await review.redo();
    expect(review.imageBoxes(1)[0].box).toEqual([1, 1, 2, 2]);
  });
});

describe('ReviewState.acceptPrediction', () => {
  const addedOf = (review: ReviewState) => review.imageBoxes(2).filter((box) => box.ref.source === 'added');

  it('adds a prediction once: a second accept answers with the box already in force', async () => {
    const review = new ReviewState();
    await review.load();
    const first = await review.acceptPrediction('model', 0);
    expect(first?.added).toBe(true);
    expect(addedOf(review).map((box) => box.ref)).toEqual([first!.box]);
    expect(review.acceptedFrom('model', 0)?.ref).toEqual(first!.box);

    const second = await review.acceptPrediction('model', 0);
    expect(second).toEqual({ box: first!.box, added: false });
    expect(addedOf(review)).toHaveLength(1);
    expect(review.history.steps).toHaveLength(1);
  });

  it('adds once when two accepts race before the first write commits', async () => {
    const review = new ReviewState();
    await review.load();
    const [a, b] = await Promise.all([
      review.acceptPrediction('model', 0),
      review.acceptPrediction('model', 0),
    ]);
    expect([a?.added, b?.added]).toEqual([true, false]);
    expect(b?.box).toEqual(a?.box);
    expect(addedOf(review)).toHaveLength(1);
    expect(review.history.steps).toHaveLength(1);
  });

  it('adds again once the earlier box is no longer in force (undone or deleted)', async () => {
    const review = new ReviewState();
    await review.load();
    await review.acceptPrediction('model', 0);
    await review.undo();
    expect(review.acceptedFrom('model', 0)).toBeNull();
    const again = await review.acceptPrediction('model', 0);
    expect(again?.added).toBe(true);
    await review.deleteBox(again!.box);
    expect(addedOf(review)).toEqual([]);
    const third = await review.acceptPrediction('model', 0);
    expect(third?.added).toBe(true);
    expect(third?.box).not.toEqual(again?.box);
    expect(addedOf(review).map((box) => box.ref)).toEqual([third!.box]);
  });
});
