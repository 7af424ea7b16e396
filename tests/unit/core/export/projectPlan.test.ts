/**
 * The project-state glue: what the app stores → a project file → what an import on the same (or a
 * different) folder stores. Expected values are written out by hand from the small fixture below.
 */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import {
  planProjectImport,
  snapshotProject,
  type AutotagModel,
  type ProjectSnapshot,
} from '../../../../src/lib/core/export/projectPlan';
import {
  ProjectStateError,
  readProjectState,
  writeProjectState,
} from '../../../../src/lib/core/export/projectState';

/** Three images; the project file was made on a folder that also held `images/gone.jpg`. */
function dataset(paths = ['images/a.jpg', 'images/b.jpg', 'images/c.jpg']): Dataset {
  return {
    images: paths.map((path, index) => ({ index, path, width: 100, height: 50, meta: {} })),
    categories: [{ id: 1, name: 'cat' }],
    groundTruth: [],
    runs: [],
  } as unknown as Dataset;
}

const autotag: AutotagModel = {
  name: 'snowy',
  set: 'images',
  model: 'clip-b32',
  seed: { kind: 'text', text: 'a snowy street' },
  classifier: { weights: Float32Array.of(0.5, -0.25), bias: 0.125, dim: 2 },
  judgedItems: ['images/a.jpg', 'images/b.jpg', 'images/c.jpg'],
  judgedLabels: Uint8Array.of(1, 0, 1),
  threshold: 0.6,
  rounds: [{ judged: 3, judgedYes: 2, positives: 2, flips: 0, threshold: 0.6, at: 1000 }],
};

function snapshot(): ProjectSnapshot {
  return {
    history: {
      steps: [
        [{ kind: 'review', target: { kind: 'image', image: 'images/a.jpg' }, decision: 'accepted' }],
        [{ kind: 'deleteBox', box: { image: 'images/gone.jpg', source: 'gt', index: 3 } }],
      ],
      cursor: 2,
    },
    // As stored: the record also holds its folder and timestamps, which the file must not carry.
    slices: [
      {
        name: 'hard',
        description: 'night, rain',
        paths: ['images/c.jpg', 'images/gone.jpg'],
        ...{ folder: '/somewhere', createdAt: 5, updatedAt: 6 },
      },
    ],
    manualTags: [
      { name: 'blurry', images: ['images/b.jpg', 'images/gone.jpg'], boxes: ['gt:images/a.jpg#0'] },
    ],
    autotags: [autotag],
    settings: { 'evaluation.iouThreshold': 0.75, 'evaluation.run': 'yolo' },
    dataset: { images: 4, fingerprint: 'f00' },
    savedAt: new Date(Date.UTC(2026, 11, 4, 22, 0, 0)),
  };
}

describe('project snapshot and import plan', () => {
  it('survives the file: write, read, plan on the same folder', () => {
    const text = writeProjectState(snapshotProject(snapshot()));
    const state = readProjectState(text, 'p.json');
    expect(state.slices).toEqual([
      { name: 'hard', description: 'night, rain', paths: ['images/c.jpg', 'images/gone.jpg'] },
    ]);
    expect(state.savedAt).toBe('2026-12-04T22:00:00.000Z');
    const plan = planProjectImport(
      state,
      dataset(['images/a.jpg', 'images/b.jpg', 'images/c.jpg', 'images/gone.jpg']),
      'f00',
    );

    expect(plan.warnings).toEqual([]);
    expect(plan.history).toEqual(snapshot().history);
    expect(plan.slices).toEqual([
      { name: 'hard', description: 'night, rain', paths: ['images/c.jpg', 'images/gone.jpg'], missing: [] },
    ]);
    expect(plan.manualTags).toEqual([
      {
        name: 'blurry',
        images: ['images/b.jpg', 'images/gone.jpg'],
        boxes: ['gt:images/a.jpg#0'],
        missing: [],
      },
    ]);
    expect(plan.settings).toEqual({ 'evaluation.iouThreshold': 0.75, 'evaluation.run': 'yolo' });

    // The Autotag tag comes back with its judgements (yes first, then no) and classifier.
    const [tag] = plan.autotags;
    expect(tag.name).toBe('snowy');
    expect(tag.judgedItems).toEqual(['images/a.jpg', 'images/c.jpg', 'images/b.jpg']);
    expect(Array.from(tag.judgedLabels)).toEqual([1, 1, 0]);
    expect(Array.from(tag.classifier!.weights)).toEqual([0.5, -0.25]);
    expect([tag.classifier!.bias, tag.classifier!.dim, tag.threshold]).toEqual([0.125, 2, 0.6]);
    expect(tag.seed).toEqual({ kind: 'text', text: 'a snowy street' });
    expect(tag.rounds).toEqual(autotag.rounds);
  });

  it('lists what another folder lacks and warns that it differs', () => {
    const state = readProjectState(writeProjectState(snapshotProject(snapshot())), 'p.json');
    const plan = planProjectImport(state, dataset(), 'other', 'p.json');
    expect(plan.warnings).toEqual(['p.json was made on a folder of 4 images; this one has 3']);
    expect(plan.slices[0]).toMatchObject({ paths: ['images/c.jpg'], missing: ['images/gone.jpg'] });
    expect(plan.manualTags[0]).toMatchObject({ images: ['images/b.jpg'], missing: ['images/gone.jpg'] });

    const sameCount = planProjectImport(state, dataset(['a', 'b', 'c', 'd']), 'other', 'p.json');
    expect(sameCount.warnings).toEqual([
      'p.json was made on a folder whose files differ (sizes or dates) from this one',
    ]);
  });

  it('names the field of a broken Autotag model or a bad slice name', () => {
    const document = JSON.parse(writeProjectState(snapshotProject(snapshot())));
    document.tags[1].model.classifier.weights = [1, 2, 3];
    const state = readProjectState(JSON.stringify(document), 'p.json');
    expect(() => planProjectImport(state, dataset(), null, 'p.json')).toThrow(
      new ProjectStateError('p.json', '$.tags[1].model.classifier.weights', [1, 2, 3], '2 numbers (dim)'),
    );

    document.slices[0].name = 'two words';
    expect(() => readProjectState(JSON.stringify(document), 'p.json')).toThrow(
      'p.json: $.slices[0].name is "two words", expected letters, digits',
    );
  });
});
