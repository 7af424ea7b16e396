/** The edit model on a hand-made dataset; expected views are written out by hand. */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import {
  acceptPrediction,
  acceptPredictionClass,
  applyEdits,
  boxKey,
  reviewProgress,
  type BoxRef,
  type Edit,
} from '../../../../src/lib/core/review/edits';
import {
  activeEdits,
  canRedo,
  canUndo,
  EMPTY_HISTORY,
  recordEdits,
  redo,
  undo,
} from '../../../../src/lib/core/review/history';

function dataset(): Dataset {
  return {
    images: [
      { index: 0, path: 'images/a.jpg', width: 100, height: 80, meta: {} },
      { index: 1, path: 'images/b.jpg', width: 50, height: 50, meta: {} },
      { index: 2, path: 'images/c.jpg', width: 50, height: 50, meta: {} },
    ],
    categories: [
      { id: 3, name: 'cat' },
      { id: 7, name: 'dog' },
    ],
    groundTruth: [
      { index: 0, imageIndex: 0, categoryId: 3, box: [10, 10, 20, 20] },
      { index: 1, imageIndex: 0, categoryId: 7, box: [40, 10, 30, 30] },
      { index: 2, imageIndex: 1, categoryId: 3, box: [0, 0, 5, 5] },
    ],
    runs: [
      {
        name: 'yolo',
        file: 'predictions/yolo.json',
        predictions: [
          { index: 0, imageIndex: 0, categoryId: 3, score: 0.9, box: [11, 9, 20, 21] },
          { index: 1, imageIndex: 1, categoryId: 7, score: 0.8, box: [20, 20, 10, 12] },
        ],
      },
    ],
  };
}

const gt = (image: string, index: number): BoxRef => ({ image, source: 'gt', index });

describe('applyEdits', () => {
  it('leaves the dataset as imported and the view equal to it without edits', () => {
    const original = dataset();
    const snapshot = structuredClone(original);
    const view = applyEdits(original, []);
    expect(
      view.dataset.groundTruth.map(({ index, imageIndex, categoryId, box }) => ({
        index,
        imageIndex,
        categoryId,
        box,
      })),
    ).toEqual(snapshot.groundTruth);
    expect(view.dataset.groundTruth.every((box) => !box.edited)).toBe(true);
    expect(original).toEqual(snapshot);
  });

  it('changes class, moves, deletes and adds, and never mutates the input', () => {
    const original = dataset();
    const snapshot = structuredClone(original);
    const edits: Edit[] = [
      { kind: 'setClass', box: gt('images/a.jpg', 1), categoryId: 3 },
      { kind: 'moveBox', box: gt('images/a.jpg', 0), xywh: [12, 11, 18, 19] },
      { kind: 'deleteBox', box: gt('images/b.jpg', 2) },
      acceptPrediction(original, 'yolo', 1, 'new-1'),
      { kind: 'addBox', id: 'new-2', image: 'images/c.jpg', categoryId: 7 },
    ];
    const view = applyEdits(original, edits);

    expect(original).toEqual(snapshot);
    expect(view.unresolved).toEqual([]);
    expect(view.dataset.groundTruth).toEqual([
      {
        index: 0,
        imageIndex: 0,
        categoryId: 3,
        box: [12, 11, 18, 19],
        ref: gt('images/a.jpg', 0),
        edited: true,
      },
      {
        index: 1,
        imageIndex: 0,
        categoryId: 3,
        box: [40, 10, 30, 30],
        ref: gt('images/a.jpg', 1),
        edited: true,
      },
      {
        index: 2,
        imageIndex: 1,
        categoryId: 7,
        box: [20, 20, 10, 12],
        ref: { image: 'images/b.jpg', source: 'added', id: 'new-1' },
        edited: true,
        from: { image: 'images/b.jpg', run: 'yolo', index: 1 },
      },
      {
        index: 3,
        imageIndex: 2,
        categoryId: 7,
        ref: { image: 'images/c.jpg', source: 'added', id: 'new-2' },
        edited: true,
      },
    ]);
    // The accepted box is a copy: editing the view's box does not reach the prediction.
    view.dataset.groundTruth[2].box![0] = 99;
    expect(original.runs[0].predictions[1].box).toEqual([20, 20, 10, 12]);
  });

  it('lets a later edit of the same box win, and edits an added box by its id', () => {
    const added: BoxRef = { image: 'images/c.jpg', source: 'added', id: 'x' };
    const view = applyEdits(dataset(), [
      { kind: 'setClass', box: gt('images/a.jpg', 0), categoryId: 7 },
      { kind: 'setClass', box: gt('images/a.jpg', 0), categoryId: 3 },
      { kind: 'addBox', id: 'x', image: 'images/c.jpg', categoryId: 3, xywh: [1, 2, 3, 4] },
      { kind: 'moveBox', box: added, xywh: [2, 3, 4, 5] },
    ]);
    expect(view.dataset.groundTruth[0].categoryId).toBe(3);
    expect(view.dataset.groundTruth[3]).toMatchObject({ ref: added, box: [2, 3, 4, 5], categoryId: 3 });
  });

  it('keeps review decisions and comments, clears them, and drops those of deleted boxes', () => {
    const view = applyEdits(dataset(), [
      { kind: 'review', target: { kind: 'image', image: 'images/a.jpg' }, decision: 'accepted' },
      { kind: 'review', target: { kind: 'image', image: 'images/b.jpg' }, decision: 'rejected' },
      { kind: 'review', target: { kind: 'image', image: 'images/b.jpg' }, decision: 'cleared' },
      { kind: 'review', target: { kind: 'box', box: gt('images/a.jpg', 1) }, decision: 'rejected' },
      { kind: 'review', target: { kind: 'box', box: gt('images/b.jpg', 2) }, decision: 'accepted' },
      { kind: 'comment', target: { kind: 'box', box: gt('images/b.jpg', 2) }, text: 'tiny' },
      { kind: 'comment', target: { kind: 'image', image: 'images/a.jpg' }, text: 'blurry', time: 5 },
      { kind: 'deleteBox', box: gt('images/b.jpg', 2) },
    ]);
    expect([...view.imageReviews]).toEqual([['images/a.jpg', 'accepted']]);
    expect([...view.boxReviews]).toEqual([[boxKey(gt('images/a.jpg', 1)), 'rejected']]);
    expect(view.comments).toEqual([
      { target: { kind: 'image', image: 'images/a.jpg' }, text: 'blurry', time: 5 },
    ]);
  });

  it('reports edits that name a missing image, box or class, and applies the rest', () => {
    const edits: Edit[] = [
      { kind: 'setClass', box: gt('images/a.jpg', 0), categoryId: 99 },
      { kind: 'deleteBox', box: gt('images/a.jpg', 2) },
      { kind: 'addBox', id: 'q', image: 'images/gone.jpg', categoryId: 3 },
      { kind: 'review', target: { kind: 'image', image: 'images/gone.jpg' }, decision: 'accepted' },
      { kind: 'deleteBox', box: gt('images/a.jpg', 0) },
      { kind: 'moveBox', box: gt('images/a.jpg', 0), xywh: [0, 0, 1, 1] },
      // Box 1 exists, but on images/a.jpg: an index with the wrong image names nothing.
      { kind: 'deleteBox', box: gt('images/b.jpg', 1) },
    ];
    const view = applyEdits(dataset(), edits);
    expect(view.unresolved.map((entry) => entry.reason)).toEqual([
      'no category with id 99',
      'no box gt 2 of image images/a.jpg',
      'no image images/gone.jpg',
      'no image images/gone.jpg',
      'no box gt 0 of image images/a.jpg',
      'no box gt 1 of image images/b.jpg',
    ]);
    expect(view.dataset.groundTruth.map((box) => box.ref)).toEqual([
      gt('images/a.jpg', 1),
      gt('images/b.jpg', 2),
    ]);
  });

  it('does not let an edited box answer to another image’s path with the same index', () => {
    const edits: Edit[] = [
      { kind: 'setClass', box: gt('images/a.jpg', 0), categoryId: 7 },
      // Box 0 was changed above, but it is on images/a.jpg: this names nothing.
      { kind: 'deleteBox', box: gt('images/c.jpg', 0) },
    ];
    const view = applyEdits(dataset(), edits);
    expect(view.unresolved.map((entry) => entry.reason)).toEqual(['no box gt 0 of image images/c.jpg']);
    expect(view.dataset.groundTruth.map((box) => [box.ref, box.categoryId])).toEqual([
      [gt('images/a.jpg', 0), 7],
      [gt('images/a.jpg', 1), 7],
      [gt('images/b.jpg', 2), 3],
    ]);
  });

  it('takes a prediction’s class for a swapped box, keeping where it came from', () => {
    const edit = acceptPredictionClass(dataset(), gt('images/a.jpg', 0), 'yolo', 1);
    expect(edit).toEqual({
      kind: 'setClass',
      box: gt('images/a.jpg', 0),
      categoryId: 7,
      from: { image: 'images/b.jpg', run: 'yolo', index: 1 },
    });
    expect(applyEdits(dataset(), [edit]).dataset.groundTruth[0]).toMatchObject({
      categoryId: 7,
      edited: true,
    });
    expect(() => acceptPredictionClass(dataset(), gt('images/a.jpg', 0), 'other', 0)).toThrow(RangeError);
  });

  it('refuses to accept a prediction that does not exist', () => {
    expect(() => acceptPrediction(dataset(), 'yolo', 5, 'z')).toThrow('no prediction 5 in run "yolo"');
  });
});

describe('reviewProgress', () => {
  it('counts image decisions within the set, each image once', () => {
    const view = applyEdits(dataset(), [
      { kind: 'review', target: { kind: 'image', image: 'images/a.jpg' }, decision: 'accepted' },
      { kind: 'review', target: { kind: 'image', image: 'images/c.jpg' }, decision: 'rejected' },
      { kind: 'review', target: { kind: 'box', box: gt('images/b.jpg', 2) }, decision: 'accepted' },
    ]);
    expect(reviewProgress(view, [0, 1, 2])).toEqual({ total: 3, reviewed: 2, accepted: 1, rejected: 1 });
    expect(reviewProgress(view, [1, 1, 0])).toEqual({ total: 2, reviewed: 1, accepted: 1, rejected: 0 });
    expect(reviewProgress(view, [])).toEqual({ total: 0, reviewed: 0, accepted: 0, rejected: 0 });
  });
});

describe('EditHistory', () => {
  const accept = (image: string): Edit => ({
    kind: 'review',
    target: { kind: 'image', image },
    decision: 'accepted',
  });

  it('undoes and redoes whole steps by moving the cursor', () => {
    let history = recordEdits(EMPTY_HISTORY, accept('a'));
    history = recordEdits(history, [accept('b'), accept('c')]);
    expect(activeEdits(history)).toEqual([accept('a'), accept('b'), accept('c')]);

    history = undo(history);
    expect(activeEdits(history)).toEqual([accept('a')]);
    expect(canRedo(history)).toBe(true);
    history = redo(history);
    expect(activeEdits(history)).toEqual([accept('a'), accept('b'), accept('c')]);
    expect(redo(history)).toBe(history);
  });

  it('drops undone steps when a new action is recorded', () => {
    let history = recordEdits(recordEdits(EMPTY_HISTORY, accept('a')), accept('b'));
    history = recordEdits(undo(history), accept('c'));
    expect(history.steps).toEqual([[accept('a')], [accept('c')]]);
    expect(canRedo(history)).toBe(false);
    expect(undo(undo(undo(history)))).toEqual({ steps: history.steps, cursor: 0 });
    expect(canUndo(EMPTY_HISTORY)).toBe(false);
    expect(recordEdits(history, [])).toBe(history);
  });
});
