/**
 * The worker's export entry (`exportGroundTruth`) and the label issues of the review report, on a
 * hand-made two-image dataset whose expected outputs are worked out by hand in each test.
 */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import { exportGroundTruth } from '../../../../src/lib/core/export/groundTruth';
import { labelIssueRows } from '../../../../src/lib/core/export/reportIssues';
import type { DetectionIssues } from '../../../../src/lib/core/labelQuality/detection';

function dataset(): Dataset {
  return {
    images: [
      { index: 0, path: 'images/a.jpg', width: 200, height: 100, meta: { cocoImageId: 11 } },
      { index: 1, path: 'images/b.jpg', width: 100, height: 100, meta: { cocoImageId: 12 } },
    ],
    categories: [
      { id: 3, name: 'cat' },
      { id: 5, name: 'dog' },
    ],
    groundTruth: [
      { index: 0, imageIndex: 0, categoryId: 3, box: [0, 0, 100, 50], sourceId: 101 },
      { index: 1, imageIndex: 0, categoryId: 5, box: [100, 50, 100, 50], sourceId: 102 },
      { index: 2, imageIndex: 1, categoryId: 3, box: [10, 10, 20, 20], sourceId: 103 },
    ],
    runs: [
      {
        name: 'yolo',
        predictions: [
          { index: 0, imageIndex: 1, categoryId: 5, score: 0.9, box: [50, 50, 40, 40] },
          { index: 1, imageIndex: 0, categoryId: 3, score: 0.2, box: [0, 0, 100, 50] },
        ],
      },
    ],
  } as unknown as Dataset;
}

describe('exportGroundTruth', () => {
  it('applies the edits before writing COCO for the chosen images', () => {
    const result = exportGroundTruth(
      dataset(),
      [
        { kind: 'setClass', box: { image: 'images/a.jpg', source: 'gt', index: 0 }, categoryId: 5 },
        { kind: 'deleteBox', box: { image: 'images/a.jpg', source: 'gt', index: 1 } },
        // A box of an image this folder lacks: reported, not applied.
        { kind: 'deleteBox', box: { image: 'images/zzz.jpg', source: 'gt', index: 2 } },
      ],
      'coco',
      [0],
    );
    const coco = JSON.parse(result.text!);
    expect(coco.images).toEqual([{ id: 11, file_name: 'images/a.jpg', width: 200, height: 100 }]);
    expect(coco.annotations).toEqual([
      { id: 101, image_id: 11, category_id: 5, bbox: [0, 0, 100, 50], area: 5000, iscrowd: 0 },
    ]);
    expect([result.leftOut, result.unresolved]).toEqual([0, 1]);
  });

  it('writes YOLO lines normalised by each image size, class = position in the categories', () => {
    const result = exportGroundTruth(dataset(), [], 'yolo');
    const text = Object.fromEntries(result.files!.map((file) => [file.path, file.text]));
    // a.jpg (200×100): cat [0,0,100,50] → centre (50,25)/(200,100); dog [100,50,100,50] → (150,75).
    expect(text['labels/a.txt']).toBe('0 0.25 0.25 0.5 0.5\n1 0.75 0.75 0.5 0.5\n');
    // b.jpg (100×100): cat [10,10,20,20] → centre (20,20).
    expect(text['labels/b.txt']).toBe('0 0.2 0.2 0.2 0.2\n');
    expect(text['data.yaml']).toContain('  0: "cat"\n  1: "dog"\n');
  });
});

describe('labelIssueRows', () => {
  it('lists box issues on their box and overlooked predictions on their image, from the threshold on', () => {
    const issues = {
      runName: 'yolo',
      overlooked: Float64Array.of(0.8, 0.1),
      swapped: Float64Array.of(0, 0.5, 0.29),
      badlyLocated: Float64Array.of(0.3, 0, 0),
    } as unknown as DetectionIssues;
    expect(labelIssueRows(dataset(), issues, 0.3)).toEqual([
      {
        target: { kind: 'box', box: { image: 'images/a.jpg', source: 'gt', index: 0 } },
        kind: 'badlyLocated',
        score: 0.3,
      },
      {
        target: { kind: 'box', box: { image: 'images/a.jpg', source: 'gt', index: 1 } },
        kind: 'swapped',
        score: 0.5,
      },
      { target: { kind: 'image', image: 'images/b.jpg' }, kind: 'overlooked', score: 0.8 },
    ]);
  });
});
