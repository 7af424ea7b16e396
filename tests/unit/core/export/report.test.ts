/** Review report CSV and slice manifests; expected text written out by hand. */

import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import {
  csvField,
  readSliceManifest,
  writeReviewReport,
  writeSliceManifest,
} from '../../../../src/lib/core/export/report';
import { ExportError, labelPath, writeYolo } from '../../../../src/lib/core/export/yolo';
import { writeCocoJson } from '../../../../src/lib/core/export/coco';
import { applyEdits } from '../../../../src/lib/core/review/edits';

const dataset = (): Dataset => ({
  images: [
    { index: 0, path: 'images/a,1.jpg', width: 100, height: 50, meta: {} },
    { index: 1, path: 'images/b.jpg', width: 0, height: 0, meta: {} },
  ],
  categories: [
    { id: 1, name: 'cat' },
    { id: 2, name: 'hot "dog"' },
  ],
  groundTruth: [
    { index: 0, imageIndex: 0, categoryId: 1, box: [10, 10, 20, 10] },
    { index: 1, imageIndex: 1, categoryId: 2 },
  ],
  runs: [
    {
      name: 'r',
      file: 'r.json',
      predictions: [{ index: 0, imageIndex: 0, categoryId: 2, score: 0.9, box: [50, 0, 50, 50] }],
    },
  ],
});

describe('csvField', () => {
  it('quotes only what needs it, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
  });
});

describe('writeReviewReport', () => {
  it('lists decisions, edits, issues and comments per image', () => {
    const view = applyEdits(dataset(), [
      { kind: 'review', target: { kind: 'image', image: 'images/b.jpg' }, decision: 'rejected' },
      {
        kind: 'review',
        target: { kind: 'box', box: { image: 'images/a,1.jpg', source: 'gt', index: 0 } },
        decision: 'accepted',
      },
      { kind: 'setClass', box: { image: 'images/a,1.jpg', source: 'gt', index: 0 }, categoryId: 2 },
      {
        kind: 'addBox',
        id: 'n',
        image: 'images/a,1.jpg',
        categoryId: 1,
        xywh: [50, 0, 50, 50],
        from: { image: 'images/a,1.jpg', run: 'r', index: 0 },
      },
      {
        kind: 'comment',
        target: { kind: 'image', image: 'images/a,1.jpg' },
        text: 'two\nlines, "quoted"',
        time: Date.UTC(2026, 11, 4, 20),
      },
    ]);
    const issues = [
      {
        target: { kind: 'box' as const, box: { image: 'images/a,1.jpg', source: 'gt' as const, index: 0 } },
        kind: 'swapped',
        score: 0.25,
      },
    ];
    expect(writeReviewReport(view, issues)).toBe(
      [
        'image,box,class,record,value,score,time',
        '"images/a,1.jpg",gt:0,"hot ""dog""",decision,accepted,,',
        '"images/a,1.jpg",gt:0,"hot ""dog""",edit,"class cat → hot ""dog""",,',
        '"images/a,1.jpg",added:n,cat,edit,added from prediction 0 of r,,',
        '"images/a,1.jpg",gt:0,"hot ""dog""",issue,swapped,0.25,',
        '"images/a,1.jpg",,,comment,"two\nlines, ""quoted""",,2026-12-04T20:00:00.000Z',
        'images/b.jpg,,,decision,rejected,,',
        '',
      ].join('\r\n'),
    );
  });
});

describe('writeReviewReport edits', () => {
  it('says what moved and lists deleted boxes with the class they had', () => {
    const view = applyEdits(dataset(), [
      { kind: 'moveBox', box: { image: 'images/a,1.jpg', source: 'gt', index: 0 }, xywh: [12, 10, 20, 10] },
      { kind: 'deleteBox', box: { image: 'images/b.jpg', source: 'gt', index: 1 } },
    ]);
    expect(writeReviewReport(view).split('\r\n')).toEqual([
      'image,box,class,record,value,score,time',
      '"images/a,1.jpg",gt:0,cat,edit,"box [10, 10, 20, 10] → [12, 10, 20, 10]",,',
      'images/b.jpg,gt:1,,edit,"deleted (was hot ""dog"")",,',
      '',
    ]);
  });
});

describe('slice manifest', () => {
  it('lists paths once, in dataset order, and reads back', () => {
    const text = writeSliceManifest(dataset(), [1, 0, 1]);
    expect(text).toBe('images/a,1.jpg\nimages/b.jpg\n');
    expect(readSliceManifest(text.replaceAll('\n', '\r\n') + '\n  \n')).toEqual([
      'images/a,1.jpg',
      'images/b.jpg',
    ]);
  });
});

describe('writers on a hand-made dataset', () => {
  it('writes YOLO lines normalised by the displayed size, and refuses an image without one', () => {
    const exported = writeYolo(dataset(), { images: [0], names: 'classes.txt' });
    // Box [10, 10, 20, 10] in a 100×50 image: centre (20, 15) → 0.2 0.3, size 0.2 0.2.
    expect(exported.files).toEqual([
      { path: 'labels/a,1.txt', text: '0 0.2 0.3 0.2 0.2\n' },
      { path: 'classes.txt', text: 'cat\nhot "dog"\n' },
    ]);
    expect(writeYolo(dataset(), { images: [1] })).toMatchObject({
      leftOut: 1,
      files: [{ path: 'labels/b.txt', text: '' }, { path: 'data.yaml' }],
    });
    const withBox = dataset();
    withBox.groundTruth[1].box = [1, 1, 1, 1];
    expect(() => writeYolo(withBox)).toThrow(
      new ExportError('images/b.jpg', 'width', 0, 'a size in pixels above 0'),
    );
    expect(writeYolo(dataset(), { images: [0] }).files[1].text).toBe(
      'path: .\ntrain: images\nval: images\nnames:\n  0: "cat"\n  1: "hot \\"dog\\""\n',
    );
  });

  it('maps image paths to Ultralytics label paths', () => {
    expect(labelPath('images/train/a.jpg')).toBe('labels/train/a.txt');
    expect(labelPath('data/images/x.y.png')).toBe('data/labels/x.y.txt');
    expect(labelPath('a/b.jpg')).toBe('labels/a/b.txt');
    expect(labelPath('images.jpg')).toBe('labels/images.txt');
  });

  it('writes COCO with area in pixels² and leaves image-level labels out', () => {
    const exported = writeCocoJson(dataset());
    expect(exported.leftOut).toBe(1);
    expect(JSON.parse(exported.text)).toEqual({
      images: [
        { id: 1, file_name: 'images/a,1.jpg', width: 100, height: 50 },
        { id: 2, file_name: 'images/b.jpg', width: 0, height: 0 },
      ],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 10], area: 200, iscrowd: 0 }],
      categories: [
        { id: 1, name: 'cat' },
        { id: 2, name: 'hot "dog"' },
      ],
    });
  });
});
