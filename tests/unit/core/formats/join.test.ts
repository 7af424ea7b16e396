/**
 * The shared join (`join.ts`) on hand-made parsed sources. Expected boxes and counts are worked out
 * by hand in the comments beside them.
 */

import { describe, expect, it } from 'vitest';
import { emptyDataset, type Dataset } from '../../../../src/lib/core/dataset';
import {
  createJoinContext,
  imageIdKey,
  imagesWithoutSize,
  joinEntries,
  joinEntriesPaced,
  joinImages,
  joinImagesPaced,
  PACE_ENTRIES,
  type JoinContext,
} from '../../../../src/lib/core/formats/join';
import type {
  ParsedEntry,
  ParsedSource,
  SourcePlan,
  SourceRole,
} from '../../../../src/lib/core/formats/types';
import { ImagePathIndex } from '../../../../src/lib/core/imagePaths';
import { ProblemList } from '../../../../src/lib/core/problems';

/** A dataset of the given images; sizes given as `[width, height]`, else unknown. */
function folderOf(images: Record<string, [number, number] | null>): {
  dataset: Dataset;
  context: JoinContext;
} {
  const dataset = emptyDataset();
  dataset.images = Object.entries(images).map(([path, size], index) => ({
    index,
    path,
    width: size?.[0] ?? 0,
    height: size?.[1] ?? 0,
    meta: {},
  }));
  const context = createJoinContext(dataset, new ImagePathIndex(dataset.images.map((image) => image.path)));
  return { dataset, context };
}

function planOf(role: SourceRole, file: string, name = file.replace(/\..*$/, '')): SourcePlan {
  return { format: 'coco', role, name, files: [file], description: '', enabled: true };
}

function source(parts: Partial<ParsedSource>): ParsedSource {
  return { categories: [], images: [], entries: [], ...parts };
}

/** Both passes for each source, ground truth first as the import does. */
function joinAll(context: JoinContext, sources: [SourcePlan, ParsedSource][], problems = new ProblemList()) {
  const joined = sources.map(([plan, parsed]) => joinImages(context, parsed, plan, problems));
  sources.forEach(([plan, parsed], i) => joinEntries(context, parsed, plan, joined[i], problems));
  return problems.toArray();
}

describe('imageIdKey', () => {
  it('makes a number and its decimal text one id, and keeps other text as text', () => {
    expect(imageIdKey(7)).toBe(7);
    expect(imageIdKey('7')).toBe(7);
    expect(imageIdKey('20180000001')).toBe(20180000001);
    expect(imageIdKey('007')).toBe('007');
    expect(imageIdKey('frame_1')).toBe('frame_1');
    expect(imageIdKey('')).toBe('');
  });
});

describe('joinImages and joinEntries', () => {
  it('scales normalised boxes by the image size and refuses them on images of unknown size', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [200, 100], 'b.jpg': null });
    const entries: ParsedEntry[] = [
      {
        image: 'a.jpg',
        category: 'cat',
        box: [0.25, 0.5, 0.5, 0.25],
        normalized: true,
        file: 'a.txt',
        line: 1,
      },
      {
        image: 'b.jpg',
        category: 'cat',
        box: [0.1, 0.1, 0.2, 0.2],
        normalized: true,
        file: 'b.txt',
        line: 3,
      },
    ];
    const problems = joinAll(context, [[planOf('groundTruth', 'labels'), source({ entries })]]);

    // 0.25 × 200 = 50, 0.5 × 100 = 50, 0.5 × 200 = 100, 0.25 × 100 = 25.
    expect(dataset.groundTruth).toEqual([{ index: 0, imageIndex: 0, categoryId: 0, box: [50, 50, 100, 25] }]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'b.txt: line 3: expected an image whose size is known (to scale normalised coordinates), got "b.jpg"',
    ]);
  });

  it('asks for the sizes of images with normalised boxes or named by ground truth, not of the others', () => {
    const { context } = folderOf({ 'a.jpg': null, 'b.jpg': null, 'c.jpg': null, 'd.jpg': [10, 10] });
    const groundTruth = source({
      images: [{ name: 'a.jpg', id: 1 }],
      entries: [{ imageId: 1, category: 'cat', box: [0, 0, 1, 1], file: 'gt.json' }],
    });
    const run = source({
      entries: [
        { image: 'b.jpg', category: 'cat', box: [0, 0, 1, 1], file: 'run.txt' },
        { image: 'c.jpg', category: 'cat', box: [0, 0, 0.5, 0.5], normalized: true, file: 'run.txt' },
        { image: 'd.jpg', category: 'cat', box: [0, 0, 0.5, 0.5], normalized: true, file: 'run.txt' },
      ],
    });
    const problems = new ProblemList();
    joinImages(context, groundTruth, planOf('groundTruth', 'gt.json'), problems);
    joinImages(context, run, planOf('predictions', 'run.txt'), problems);

    // a.jpg: listed by ground truth; c.jpg: a normalised box; d.jpg has its size already.
    expect(imagesWithoutSize(context)).toEqual([0, 2]);
    expect(problems.toArray()).toEqual([]);
  });

  it('warns about ground-truth boxes outside the image, and about predictions only when they miss it', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [100, 50] });
    const truth = source({
      entries: [
        { image: 'a.jpg', category: 'cat', box: [90, 10, 10.5, 40], file: 'gt.xml', field: 'object[0]' },
        { image: 'a.jpg', category: 'cat', box: [90, 10, 20, 40], file: 'gt.xml', field: 'object[1]' },
      ],
    });
    const run = source({
      entries: [
        {
          image: 'a.jpg',
          category: 'cat',
          box: [90, 10, 20, 40],
          score: 0.9,
          file: 'run.json',
          field: '[0]',
        },
        { image: 'a.jpg', category: 'cat', box: [120, 10, 5, 5], score: 0.8, file: 'run.json', field: '[1]' },
      ],
    });
    const problems = joinAll(context, [
      [planOf('groundTruth', 'gt.xml'), truth],
      [planOf('predictions', 'run.json'), run],
    ]);

    // object[0] ends at 100.5: within the half pixel of slack. object[1] ends at 110 > 100.5.
    expect(problems.map((problem) => [problem.file, problem.field, problem.severity, problem.value])).toEqual(
      [
        ['gt.xml', 'object[1]', 'warning', { box: [90, 10, 20, 40], image: [100, 50] }],
        ['run.json', '[1]', 'warning', { box: [120, 10, 5, 5], image: [100, 50] }],
      ],
    );
    expect(problems[1].expected).toBe('a box that overlaps the image');
    // Warnings only: everything loads.
    expect(dataset.groundTruth).toHaveLength(2);
    expect(dataset.runs[0].predictions).toHaveLength(2);
  });

  it('adds a predicted class the ground truth lacks, with a warning, whether listed or named by an entry', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [100, 100] });
    const truth = source({
      categories: [
        { name: 'cat', id: 3 },
        { name: 'dog', id: 9 },
      ],
      entries: [{ image: 'a.jpg', category: 3, box: [0, 0, 5, 5], file: 'gt.json' }],
    });
    const listed = source({
      categories: [
        { name: 'dog', id: 0 },
        { name: 'zebra', id: 1 },
      ],
      entries: [
        { image: 'a.jpg', category: 0, box: [0, 0, 5, 5], score: 0.5, file: 'listed.json' },
        { image: 'a.jpg', category: 1, box: [0, 0, 5, 5], score: 0.5, file: 'listed.json' },
      ],
      lists: { categories: 'categories' },
    });
    const named = source({
      entries: [
        { image: 'a.jpg', category: 'okapi', box: [0, 0, 5, 5], score: 0.5, file: 'named.txt', line: 1 },
        { image: 'a.jpg', category: 'okapi', box: [1, 1, 5, 5], score: 0.4, file: 'named.txt', line: 2 },
      ],
    });
    const problems = joinAll(context, [
      [planOf('groundTruth', 'gt.json'), truth],
      [planOf('predictions', 'listed.json'), listed],
      [planOf('predictions', 'named.txt'), named],
    ]);

    // zebra keeps its own id 1 (free); okapi gets the next free id after 9.
    expect(dataset.categories).toEqual([
      { id: 3, name: 'cat' },
      { id: 9, name: 'dog' },
      { id: 1, name: 'zebra' },
      { id: 10, name: 'okapi' },
    ]);
    expect(dataset.runs.map((run) => run.predictions.map((box) => box.categoryId))).toEqual([
      [9, 1],
      [10, 10],
    ]);
    // One warning per class, where it is first named.
    expect(problems.map((problem) => [problem.file, problem.field ?? problem.line, problem.value])).toEqual([
      ['listed.json', 'categories[1]', 'zebra'],
      ['named.txt', 1, 'okapi'],
    ]);
    expect(problems.every((problem) => problem.severity === 'warning')).toBe(true);
  });

  it('joins classes by name across sources, by a source’s own ids, or by the ground truth’s ids', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [100, 100] });
    const truth = source({
      categories: [
        { name: 'cat', id: 5 },
        { name: 'dog', id: 6 },
      ],
      entries: [
        { image: 'a.jpg', category: 'dog', box: [0, 0, 10, 10], file: 'gt.json' },
        { image: 'a.jpg', category: 5, box: [0, 0, 10, 10], file: 'gt.json' },
      ],
    });
    // Own ids that mean other classes than the ground truth's: 5 is "dog" here.
    const ownIds = source({
      categories: [
        { name: 'dog', id: 5 },
        { name: 'cat', id: 6 },
      ],
      entries: [{ image: 'a.jpg', category: 5, box: [0, 0, 10, 10], score: 1, file: 'own.json' }],
    });
    // No list: numbers are the ground truth's ids; 7 is none of them.
    const groundTruthIds = source({
      entries: [
        { image: 'a.jpg', category: 5, box: [0, 0, 10, 10], score: 1, file: 'bare.json', field: '[0]' },
        { image: 'a.jpg', category: 7, box: [0, 0, 10, 10], score: 1, file: 'bare.json', field: '[1]' },
      ],
    });
    const problems = joinAll(context, [
      [planOf('groundTruth', 'gt.json'), truth],
      [planOf('predictions', 'own.json'), ownIds],
      [planOf('predictions', 'bare.json'), groundTruthIds],
    ]);

    expect(dataset.groundTruth.map((box) => box.categoryId)).toEqual([6, 5]);
    expect(dataset.runs[0].predictions.map((box) => box.categoryId)).toEqual([6]);
    expect(dataset.runs[1].predictions.map((box) => box.categoryId)).toEqual([5]);
    expect(problems.map((problem) => problem.message)).toEqual([
      "bare.json: [1]: expected a category id listed in the ground truth's categories (gt.json), got 7",
    ]);
  });

  it('finds a results file’s images through the ground truth’s ids, a number and its text alike', () => {
    const { dataset, context } = folderOf({ 'images/a.jpg': [10, 10], 'images/b.jpg': [10, 10] });
    const truth = source({
      categories: [{ name: 'cat', id: 1 }],
      images: [
        { name: 'a.jpg', id: 20180000001 },
        { name: 'b.jpg', id: 'frame_2' },
        { name: 'gone.jpg', id: 3 },
      ],
    });
    const run = source({
      entries: [
        { imageId: '20180000001', category: 1, box: [1, 1, 1, 1], score: 0.5, file: 'dets.json' },
        { imageId: 'frame_2', category: 1, box: [1, 1, 1, 1], score: 0.5, file: 'dets.json' },
        { imageId: 3, category: 1, box: [1, 1, 1, 1], score: 0.5, file: 'dets.json' },
        { imageId: 3, category: 1, box: [1, 1, 1, 1], score: 0.5, file: 'dets.json' },
        { imageId: 4, category: 1, box: [1, 1, 1, 1], score: 0.5, file: 'dets.json', field: '[4]' },
      ],
      lists: { entries: 'annotations' },
    });
    const problems = joinAll(context, [
      [planOf('groundTruth', 'gt.json'), truth],
      [planOf('predictions', 'dets.json'), run],
    ]);

    expect(dataset.runs[0].predictions.map((box) => box.imageIndex)).toEqual([0, 1]);
    expect(problems.map((problem) => [problem.file, problem.field, problem.value])).toEqual([
      ['gt.json', undefined, 'gone.jpg'],
      ['dets.json', '[4]', 4],
      ['dets.json', 'annotations', '2 boxes on 1 images not in the folder (skipped)'],
    ]);
    expect(problems[1].expected).toBe("an image id listed in the ground truth's images (gt.json)");
  });

  it('warns once about a run whose boxes all lie within [0, 1] on large images', () => {
    const { context } = folderOf({ 'a.jpg': [640, 480], 'tiny.jpg': [16, 16] });
    const unit = (image: string): ParsedEntry => ({
      image,
      category: 'cat',
      box: [0.1, 0.2, 0.3, 0.4],
      score: 0.5,
      file: 'unit.json',
    });
    const problems = joinAll(context, [
      [planOf('predictions', 'unit.json'), source({ entries: [unit('a.jpg'), unit('a.jpg')] })],
      [planOf('predictions', 'tiny.json'), source({ entries: [{ ...unit('tiny.jpg'), file: 'tiny.json' }] })],
      [
        planOf('predictions', 'pixels.json'),
        source({ entries: [{ ...unit('a.jpg'), box: [0.1, 0.2, 30, 40], file: 'pixels.json' }] }),
      ],
    ]);

    // tiny.json: only a 16-pixel image; pixels.json: one coordinate past 1.
    expect(problems.map((problem) => [problem.file, problem.severity, problem.value])).toEqual([
      ['unit.json', 'warning', '2 boxes, all within [0, 1]'],
    ]);
  });

  it('reads columns like entries, and names problems where the source locates them', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [50, 50], 'b.jpg': [50, 50] });
    const columns = source({
      categories: [{ name: 'cat', id: 1 }],
      images: [
        { name: 'a.jpg', id: 10 },
        { name: 'b.jpg', id: 11 },
      ],
      columns: {
        length: 3,
        file: 'gt.json',
        imageIds: [11, 10, 12],
        categories: new Float64Array([1, 1, 1]),
        boxes: [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [0, 0, 1, 1],
        ],
        crowd: new Uint8Array([0, 1, 0]),
        sourceIds: [100, undefined, 102],
      },
      locate: (index, part) => ({ field: `annotations[${index}].${part}` }),
    });
    const problems = joinAll(context, [[planOf('groundTruth', 'gt.json'), columns]]);

    expect(dataset.groundTruth).toEqual([
      { index: 0, imageIndex: 1, categoryId: 1, box: [1, 2, 3, 4], crowd: false, sourceId: 100 },
      { index: 1, imageIndex: 0, categoryId: 1, box: [5, 6, 7, 8], crowd: true },
    ]);
    expect(problems.map((problem) => problem.field)).toEqual(['annotations[2].image']);
  });

  it('takes columns’ images by their row in the images list, counting rows whose image is missing', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [50, 50] });
    const rows = source({
      images: [
        { name: 'gone.jpg', id: 'x', field: 'images[0].file_name' },
        { name: 'a.jpg', id: 'y', field: 'images[1].file_name' },
      ],
      columns: {
        length: 3,
        file: 'dets.json',
        imageRows: new Int32Array([1, 0, 0]),
        categories: ['cat', 'cat', 'cat'],
        boxes: [
          [1, 1, 5, 5],
          [2, 2, 5, 5],
          [3, 3, 5, 5],
        ],
        scores: new Float64Array([0.9, 0.8, 0.7]),
      },
      lists: { entries: 'annotations' },
    });
    const problems = joinAll(context, [[planOf('predictions', 'dets.json'), rows]]);

    expect(dataset.runs[0].predictions).toEqual([
      { index: 0, imageIndex: 0, categoryId: 0, score: 0.9, box: [1, 1, 5, 5] },
    ]);
    expect(problems.map((problem) => [problem.field, problem.value])).toEqual([
      ['images[0].file_name', 'gone.jpg'],
      ['annotations', '2 boxes on 1 images not in the folder (skipped)'],
    ]);
  });

  it('warns when two images entries name one picture, and keeps both ids', () => {
    const { dataset, context } = folderOf({ 'a.jpg': [50, 50] });
    const truth = source({
      images: [
        { name: 'a.jpg', id: 1, field: 'images[0].file_name' },
        { name: './a.jpg', id: 2, field: 'images[1].file_name' },
      ],
      entries: [
        { imageId: 1, category: 'cat', box: [0, 0, 1, 1], file: 'gt.json' },
        { imageId: 2, category: 'cat', box: [0, 0, 2, 2], file: 'gt.json' },
      ],
    });
    const problems = joinAll(context, [[planOf('groundTruth', 'gt.json'), truth]]);

    expect(problems.map((problem) => [problem.field, problem.severity, problem.value])).toEqual([
      ['images[1].file_name', 'warning', { name: './a.jpg', same_as: 'images[0].file_name' }],
    ]);
    expect(dataset.groundTruth.map((box) => box.imageIndex)).toEqual([0, 0]);
  });
});

describe('the paced joins', () => {
  it('call the pace every PACE_ENTRIES entries and join exactly as the plain ones', async () => {
    const count = PACE_ENTRIES * 2 + 5;
    const entries: ParsedEntry[] = Array.from({ length: count }, (_, i) => ({
      image: i % 2 ? 'a.jpg' : 'b.jpg',
      category: i % 3 ? 'cat' : 'dog',
      box: [i % 7, 1, 2, 3],
      file: 'gt.txt',
      line: i + 1,
    }));
    const plan = planOf('groundTruth', 'gt.txt');
    const plain = folderOf({ 'a.jpg': [10, 10], 'b.jpg': [10, 10] });
    joinEntries(
      plain.context,
      source({ entries }),
      plan,
      joinImages(plain.context, source({ entries }), plan, new ProblemList()),
      new ProblemList(),
    );

    const paced = folderOf({ 'a.jpg': [10, 10], 'b.jpg': [10, 10] });
    const calls: number[] = [];
    const pace = async (done: number) => {
      calls.push(done);
    };
    const problems = new ProblemList();
    const joined = await joinImagesPaced(paced.context, source({ entries }), plan, problems, pace);
    await joinEntriesPaced(paced.context, source({ entries }), plan, joined, problems, pace);

    expect(paced.dataset).toEqual(plain.dataset);
    // Both passes visit every entry here (ground truth named by path): 0, 4096 and 8192, twice.
    expect(calls).toEqual([0, PACE_ENTRIES, PACE_ENTRIES * 2, 0, PACE_ENTRIES, PACE_ENTRIES * 2]);
  });

  it('stop where the pace throws', async () => {
    const { context } = folderOf({ 'a.jpg': [10, 10] });
    const entries: ParsedEntry[] = Array.from({ length: PACE_ENTRIES + 1 }, () => ({
      image: 'a.jpg',
      category: 'cat',
      box: [0, 0, 1, 1],
      file: 'gt.txt',
    }));
    const plan = planOf('predictions', 'run.txt');
    const problems = new ProblemList();
    const joined = await joinImagesPaced(context, source({ entries }), plan, problems, () => undefined);
    const stop = async (done: number) => {
      if (done > 0) throw new Error('stopped');
    };
    await expect(
      joinEntriesPaced(context, source({ entries }), plan, joined, problems, stop),
    ).rejects.toThrow('stopped');
    expect(context.dataset.runs).toEqual([]);
  });
});
