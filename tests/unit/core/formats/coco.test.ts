import { describe, expect, it } from 'vitest';
import { classifyCocoJson, readCocoFile } from '../../../../src/lib/core/formats/cocoDocument';
import { ProblemList } from '../../../../src/lib/core/problems';

describe('classifyCocoJson', () => {
  it('tells ground truth, prediction runs and other JSON apart', () => {
    expect(classifyCocoJson([{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 }])).toBe(
      'predictions',
    );
    expect(classifyCocoJson([])).toBe('predictions');
    expect(classifyCocoJson({ images: [], annotations: [{ image_id: 1, bbox: [0, 0, 1, 1] }] })).toBe(
      'groundTruth',
    );
    expect(
      classifyCocoJson({
        annotations: [
          { image_id: 1, score: 0.3 },
          { image_id: 2, score: 0.1 },
        ],
      }),
    ).toBe('predictions');
    expect(classifyCocoJson({ categories: [{ id: 1, name: 'cat' }] })).toBe('groundTruth');
    expect(classifyCocoJson({ version: '5.0', shapes: [] })).toBeNull();
    expect(classifyCocoJson([1, 2, 3])).toBeNull();
    expect(classifyCocoJson('text')).toBeNull();
  });
});

describe('readCocoFile', () => {
  it('accepts string and very large image ids, kept as written', () => {
    const problems = new ProblemList();
    const coco = readCocoFile(
      {
        images: [
          { id: 'frame_001', file_name: 'f1.jpg' },
          { id: 20180000001, file_name: 'f2.jpg', width: 3, height: 4, license: 2 },
        ],
        categories: [{ id: 90, name: 'toothbrush' }],
        annotations: [
          { id: 'a', image_id: 'frame_001', category_id: 90, bbox: [0, 0, 0, 0] },
          { id: 0, image_id: 20180000001, category_id: 90, bbox: [0.5, 1.5, 2, 2] },
        ],
      },
      'gt.json',
      'groundTruth',
      problems,
    );

    expect(problems.toArray()).toEqual([]);
    expect(coco.images.map((image) => [image.id, image.name, image.width, image.height, image.meta])).toEqual(
      [
        ['frame_001', 'f1.jpg', 0, 0, { cocoImageId: 'frame_001' }],
        [20180000001, 'f2.jpg', 3, 4, { cocoImageId: 20180000001, license: 2 }],
      ],
    );
    expect(coco.entries.map((entry) => [entry.sourceId, entry.imageId, entry.category, entry.box])).toEqual([
      ['a', 'frame_001', 90, [0, 0, 0, 0]],
      [0, 20180000001, 90, [0.5, 1.5, 2, 2]],
    ]);
    // Fields are described on demand, by the annotation's position in the file.
    expect(coco.locate!(1, 'box')).toEqual({ field: 'annotations[1].bbox' });
  });

  it('reports duplicate image ids and category ids or names, keeping the first', () => {
    const problems = new ProblemList();
    const coco = readCocoFile(
      {
        images: [
          { id: 1, file_name: 'a.jpg' },
          { id: 1, file_name: 'b.jpg' },
        ],
        categories: [
          { id: 1, name: 'cat' },
          { id: 1, name: 'dog' },
          { id: 2, name: 'cat' },
        ],
        annotations: [],
      },
      'gt.json',
      'groundTruth',
      problems,
    );

    expect(problems.toArray().map((problem) => problem.message)).toEqual([
      'gt.json: images[1].id: expected an id not used by an earlier image, got 1',
      'gt.json: categories[1].id: expected an id not used by an earlier category, got 1',
      'gt.json: categories[2].name: expected a name not used by an earlier category, got "cat"',
    ]);
    expect(coco.images).toHaveLength(1);
    expect(coco.images[0].name).toBe('a.jpg');
    expect(coco.categories).toEqual([{ id: 1, name: 'cat' }]);
  });

  it('takes a crowd region without bbox from its mask, and warns on scores outside [0, 1]', () => {
    const problems = new ProblemList();
    const crowd = readCocoFile(
      {
        images: [{ id: 1, file_name: 'a.jpg' }],
        categories: [{ id: 1, name: 'people' }],
        annotations: [
          { image_id: 1, category_id: 1, iscrowd: 1, segmentation: { counts: '0d0n0', size: [10, 5] } },
        ],
      },
      'gt.json',
      'groundTruth',
      problems,
    );
    expect(crowd.entries[0]).toMatchObject({ box: [0, 0, 2, 10], crowd: true });

    const run = readCocoFile(
      [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 3.2 }],
      'logits.json',
      'predictions',
      problems,
    );
    expect(run.entries[0].score).toBe(3.2);
    expect(run.images).toEqual([]);
    expect(run.locate!(0, 'category')).toEqual({ field: '[0].category_id' });
    expect(problems.toArray().map((problem) => [problem.field, problem.severity])).toEqual([
      ['[0].score', 'warning'],
    ]);
  });
});
