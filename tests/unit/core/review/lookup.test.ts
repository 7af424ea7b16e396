/**
 * The per-image review lookup must answer exactly what the full `applyEdits` view answers (which
 * edits.test.ts checks against hand-written expectations), on random edit logs, and the per-target
 * comment and edited-image answers against hand-made cases.
 */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import { applyEdits, type BoxRef, type Edit } from '../../../../src/lib/core/review/edits';
import { commentsOn, imageBoxes, reviewLookup } from '../../../../src/lib/core/review/lookup';
import { groupByImage } from '../../../../src/lib/core/matching';

/** A small seeded generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function dataset(rand: () => number): Dataset {
  const images = Array.from({ length: 6 }, (_, index) => ({
    index,
    path: `images/${index}.jpg`,
    width: 100,
    height: 100,
    meta: {},
  }));
  const groundTruth = Array.from({ length: 20 }, (_, index) => ({
    index,
    imageIndex: Math.floor(rand() * 6),
    categoryId: 1 + Math.floor(rand() * 3),
    box: [rand() * 50, rand() * 50, 10, 10] as [number, number, number, number],
  }));
  const categories = [1, 2, 3].map((id) => ({ id, name: `c${id}` }));
  return { images, categories, groundTruth, runs: [] };
}

function randomEdits(data: Dataset, rand: () => number, count: number): Edit[] {
  const edits: Edit[] = [];
  const added: BoxRef[] = [];
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  for (let i = 0; i < count; i++) {
    const gt = pick(data.groundTruth);
    const gtRef: BoxRef = { image: data.images[gt.imageIndex].path, source: 'gt', index: gt.index };
    const box = added.length > 0 && rand() < 0.3 ? pick(added) : gtRef;
    const image = pick(data.images).path;
    switch (pick(['review', 'reviewBox', 'setClass', 'delete', 'move', 'add', 'comment', 'commentBox'])) {
      case 'review':
        edits.push({
          kind: 'review',
          target: { kind: 'image', image },
          decision: pick(['accepted', 'rejected', 'cleared'] as const),
        });
        break;
      case 'reviewBox':
        edits.push({
          kind: 'review',
          target: { kind: 'box', box },
          decision: pick(['accepted', 'rejected'] as const),
        });
        break;
      case 'setClass':
        edits.push({ kind: 'setClass', box, categoryId: 1 + Math.floor(rand() * 3) });
        break;
      case 'delete':
        edits.push({ kind: 'deleteBox', box });
        break;
      case 'move':
        edits.push({ kind: 'moveBox', box, xywh: [rand() * 40, rand() * 40, 5, 7] });
        break;
      case 'add': {
        const id = `n${i}`;
        edits.push({ kind: 'addBox', id, image, categoryId: 2, xywh: [1, 2, 3, 4] });
        added.push({ image, source: 'added', id });
        break;
      }
      case 'comment':
        edits.push({ kind: 'comment', target: { kind: 'image', image }, text: `note ${i}` });
        break;
      case 'commentBox':
        edits.push({ kind: 'comment', target: { kind: 'box', box }, text: `box note ${i}` });
        break;
    }
  }
  return edits;
}

describe('reviewLookup', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`answers what applyEdits answers (seed ${seed})`, () => {
      const rand = random(seed);
      const data = dataset(rand);
      const edits = randomEdits(data, rand, 40);
      const groups = groupByImage(data.groundTruth, data.images.length);
      const full = applyEdits(data, edits);
      const lookup = reviewLookup(data, edits, groups);

      expect(lookup.imageReviews).toEqual(full.imageReviews);
      expect(lookup.boxReviews).toEqual(full.boxReviews);
      expect(lookup.comments).toEqual(full.comments);
      expect(lookup.unresolved).toEqual(full.unresolved);
      for (const image of data.images) {
        // The full view renumbers `index`; the lookup keeps the index as imported, which `ref` holds.
        const expected = full.dataset.groundTruth
          .filter((box) => box.imageIndex === image.index)
          .map((box) => ({ ...box, index: box.ref.source === 'gt' ? box.ref.index : -1 }));
        expect(imageBoxes(lookup, groups, image.index)).toEqual(expected);
        const commented = full.comments.some(
          (c) => (c.target.kind === 'image' ? c.target.image : c.target.box.image) === image.path,
        );
        expect(lookup.commentedImages.has(image.index)).toBe(commented);
      }
    });
  }

  it('marks exactly the images whose boxes an edit changed, and reuses nothing else', () => {
    const rand = random(9);
    const data = dataset(rand);
    const groups = groupByImage(data.groundTruth, data.images.length);
    const first = data.groundTruth[0];
    const ref: BoxRef = { image: data.images[first.imageIndex].path, source: 'gt', index: 0 };
    const lookup = reviewLookup(
      data,
      [
        { kind: 'review', target: { kind: 'image', image: 'images/5.jpg' }, decision: 'accepted' },
        { kind: 'setClass', box: ref, categoryId: 3 },
        { kind: 'addBox', id: 'x', image: 'images/4.jpg', categoryId: 1 },
      ],
      groups,
    );
    expect([...lookup.editedImages.keys()].sort()).toEqual([...new Set([first.imageIndex, 4])].sort());
    expect(commentsOn(lookup, { kind: 'image', image: 'images/5.jpg' })).toEqual([]);
  });

  it('lists the comments of one target only', () => {
    const data = dataset(random(3));
    const groups = groupByImage(data.groundTruth, data.images.length);
    const box: BoxRef = { image: data.images[data.groundTruth[2].imageIndex].path, source: 'gt', index: 2 };
    const lookup = reviewLookup(
      data,
      [
        { kind: 'comment', target: { kind: 'image', image: box.image }, text: 'on the image' },
        { kind: 'comment', target: { kind: 'box', box }, text: 'on the box', time: 5 },
      ],
      groups,
    );
    expect(commentsOn(lookup, { kind: 'box', box })).toEqual([
      { target: { kind: 'box', box }, text: 'on the box', time: 5 },
    ]);
    expect(commentsOn(lookup, { kind: 'image', image: box.image }).map((c) => c.text)).toEqual([
      'on the image',
    ]);
  });
});
