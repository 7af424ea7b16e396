/** Project-state files: round trip, validation errors naming the field, matching by relative path. */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import {
  ProjectStateError,
  readProjectState,
  resolveSlices,
  writeProjectState,
  type ProjectState,
} from '../../../../src/lib/core/export/projectState';
import { applyEdits } from '../../../../src/lib/core/review/edits';
import { activeEdits } from '../../../../src/lib/core/review/history';

function state(): ProjectState {
  return {
    format: 'longtail-project',
    version: 1,
    savedAt: '2026-12-04T20:00:00.000Z',
    dataset: { images: 3, fingerprint: 'abc123' },
    history: {
      steps: [
        [{ kind: 'review', target: { kind: 'image', image: 'images/a.jpg' }, decision: 'accepted', time: 1 }],
        [
          {
            kind: 'setClass',
            box: { image: 'images/a.jpg', source: 'gt', index: 0 },
            categoryId: 2,
            from: { image: 'images/a.jpg', run: 'yolo', index: 4 },
          },
          {
            kind: 'moveBox',
            box: { image: 'images/a.jpg', source: 'added', id: 'n1' },
            xywh: [1.5, 2, 3, 4],
          },
          { kind: 'addBox', id: 'n1', image: 'images/b.jpg', categoryId: 1, xywh: [0, 0, 10, 10] },
          { kind: 'deleteBox', box: { image: 'images/b.jpg', source: 'gt', index: 1 } },
          {
            kind: 'comment',
            target: { kind: 'box', box: { image: 'images/b.jpg', source: 'gt', index: 1 } },
            text: 'a "quoted", comma',
          },
        ],
      ],
      cursor: 1,
    },
    slices: [
      { name: 'night', description: 'dark, wet', paths: ['images/b.jpg', 'images/gone.jpg', 'images/a.jpg'] },
    ],
    tags: [
      {
        name: 'night',
        threshold: 0.7,
        positives: ['images/a.jpg'],
        negatives: [],
        images: [],
        model: { weights: [0.5, -1], bias: 0.1 },
      },
      { name: 'blurry', threshold: null, positives: [], negatives: [], images: ['images/b.jpg'] },
    ],
    settings: { iouThreshold: 0.5, run: 'yolo', hidden: [true, null] },
  };
}

function stateError(text: string): ProjectStateError {
  try {
    readProjectState(text, 'p.json');
  } catch (error) {
    if (error instanceof ProjectStateError) return error;
    throw error;
  }
  throw new Error('expected the document to be refused');
}

/** A parsed document, typed as loosely as `JSON.parse` gives it, so a test can break any field. */
type LooseDocument = ReturnType<typeof JSON.parse>;

const mutated = (change: (document: LooseDocument) => void) => {
  const document = JSON.parse(writeProjectState(state()));
  change(document);
  return JSON.stringify(document);
};

describe('project state', () => {
  it('reads back what it wrote', () => {
    const text = writeProjectState(state());
    expect(readProjectState(text)).toEqual(state());
    expect(writeProjectState(readProjectState(text))).toBe(text);
  });

  it.each([
    ['not JSON', () => '{', '$', 'a JSON document'],
    ['another format', () => mutated((d) => (d.format = 'coco')), '$.format', '"longtail-project"'],
    [
      'a newer version',
      () => mutated((d) => (d.version = 2)),
      '$.version',
      '1 (a file from a newer Longtail needs that version)',
    ],
    [
      'a cursor past the steps',
      () => mutated((d) => (d.history.cursor = 3)),
      '$.history.cursor',
      'an integer in [0, 2]',
    ],
    [
      'an unknown edit',
      () => mutated((d) => (d.history.steps[1][0].kind = 'rotate')),
      '$.history.steps[1][0].kind',
      'one of review, setClass, deleteBox, moveBox, addBox, comment',
    ],
    [
      'a short box',
      () => mutated((d) => (d.history.steps[1][1].xywh = [1, 2, 3])),
      '$.history.steps[1][1].xywh',
      '[x, y, width, height] with width, height ≥ 0 (pixels)',
    ],
    [
      'a bad box source',
      () => mutated((d) => (d.history.steps[1][3].box.source = 'pred')),
      '$.history.steps[1][3].box.source',
      'one of gt, added',
    ],
    [
      'a path that is no string',
      () => mutated((d) => (d.slices[0].paths[1] = 7)),
      '$.slices[0].paths[1]',
      'a string',
    ],
    [
      'a threshold above 1',
      () => mutated((d) => (d.tags[0].threshold = 1.5)),
      '$.tags[0].threshold',
      'a score in [0, 1] or null',
    ],
    ['a missing settings object', () => mutated((d) => delete d.settings), '$.settings', 'an object'],
  ])('refuses %s, naming the field', (_, text, field, expected) => {
    const error = stateError(text());
    expect(error.field).toBe(field);
    expect(error.expected).toBe(expected);
    expect(error.message.startsWith(`p.json: ${field} is `)).toBe(true);
  });

  it('matches slices and edits to another folder by relative path', () => {
    const dataset: Dataset = {
      images: [
        { index: 0, path: 'images/a.jpg', width: 10, height: 10, meta: {} },
        { index: 1, path: 'images/b.jpg', width: 10, height: 10, meta: {} },
      ],
      categories: [{ id: 1, name: 'cat' }],
      groundTruth: [{ index: 0, imageIndex: 0, categoryId: 1, box: [0, 0, 1, 1] }],
      runs: [],
    };
    const read = readProjectState(writeProjectState(state()));
    expect(resolveSlices(read, dataset)).toEqual([
      { name: 'night', images: [0, 1], missing: ['images/gone.jpg'] },
    ]);
    expect([...applyEdits(dataset, activeEdits(read.history)).imageReviews]).toEqual([
      ['images/a.jpg', 'accepted'],
    ]);
  });
});
