import { describe, expect, it } from 'vitest';
import { AbortError, DataError } from '../../../src/lib/core/errors';
import {
  importFolder,
  isImagePath,
  nameRuns,
  surveyFolder,
  type FolderFile,
  type ImportProgress,
} from '../../../src/lib/core/importPlan';
import { OmittedProblems } from '../../../src/lib/core/problems';

/** An in-memory folder: a string is a file's text, null an image (never read). */
function memoryFolder(contents: Record<string, string | object | null>) {
  const texts = new Map<string, string>();
  const files: FolderFile[] = Object.entries(contents).map(([path, content]) => {
    const text = content === null ? null : typeof content === 'string' ? content : JSON.stringify(content);
    if (text !== null) texts.set(path, text);
    return { path, size: text === null ? 100 : text.length };
  });
  const readText = async (path: string) => {
    const text = texts.get(path);
    if (text === undefined) throw new Error(`no text for ${path}`);
    return text;
  };
  return { files, readText };
}

const categories = [
  { id: 0, name: 'cat' },
  { id: 7, name: 'dog' },
];
const images = [
  { id: 0, file_name: 'a.jpg', width: 40, height: 30 },
  { id: 11, file_name: 'b.jpg', width: 50, height: 20 },
];

describe('surveyFolder and isImagePath', () => {
  it('recognises image extensions in any case and nothing else', () => {
    expect(['a.jpg', 'b.JPEG', 'c.Png', 'd.webp', 'e.bmp', 'f.GIF'].every(isImagePath)).toBe(true);
    expect(['a.tif', 'jpg', 'notes.jpg.txt', 'dir.jpg/readme', '.jpg'].some(isImagePath)).toBe(false);
  });

  it('sorts images and JSON files by path and skips hidden files and __MACOSX', () => {
    const survey = surveyFolder([
      { path: 'images/b.jpg', size: 1 },
      { path: 'images/B.jpg', size: 1 },
      { path: 'images/a.jpg', size: 1 },
      { path: 'images/._a.jpg', size: 1 },
      { path: '__MACOSX/images/a.jpg', size: 1 },
      { path: '.cache/x.json', size: 1 },
      { path: 'labels/z.JSON', size: 1 },
      { path: 'labels/gt.json', size: 1 },
      { path: 'readme.txt', size: 1 },
    ]);
    expect(survey).toEqual({
      images: ['images/B.jpg', 'images/a.jpg', 'images/b.jpg'],
      jsonFiles: ['labels/gt.json', 'labels/z.JSON'],
    });
  });
});

describe('nameRuns', () => {
  it('names a run after its file, adding folders only where names collide', () => {
    const names = nameRuns(['dets/coco_format/coco_dets.json', 'yolo/results.json', 'detr/results.json']);
    expect(Object.fromEntries(names)).toEqual({
      'dets/coco_format/coco_dets.json': 'coco_dets',
      'yolo/results.json': 'yolo/results',
      'detr/results.json': 'detr/results',
    });
  });

  it('keeps names unique when paths differ only in the extension, and never uses "gt"', () => {
    const names = nameRuns(['runs/a.json', 'runs/a.JSON', 'gt.json']);
    expect(new Set(names.values()).size).toBe(3);
    expect([...names.values()]).not.toContain('gt');
  });
});

describe('importFolder', () => {
  it('keeps ids 0 and non-contiguous ids, crowd flags and annotation order', async () => {
    const { files, readText } = memoryFolder({
      'b.jpg': null,
      'a.jpg': null,
      'gt.json': {
        images,
        categories,
        annotations: [
          { id: 0, image_id: 11, category_id: 7, bbox: [1, 2, 3, 4], iscrowd: 1 },
          { id: 5, image_id: 0, category_id: 0, bbox: [0, 0, 10, 10], iscrowd: 0 },
        ],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(problems).toEqual([]);
    expect(dataset.images.map((image) => [image.path, image.width, image.height])).toEqual([
      ['a.jpg', 40, 30],
      ['b.jpg', 50, 20],
    ]);
    expect(dataset.categories).toEqual(categories);
    expect(dataset.groundTruth).toEqual([
      { index: 0, imageIndex: 1, categoryId: 7, box: [1, 2, 3, 4], crowd: true, sourceId: 0 },
      { index: 1, imageIndex: 0, categoryId: 0, box: [0, 0, 10, 10], crowd: false, sourceId: 5 },
    ]);
  });

  it('reports broken JSON by file, line and column, and still loads the other files', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'gt.json': {
        images,
        categories,
        annotations: [{ id: 1, image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] }],
      },
      'runs/broken.json': '[\n  {"image_id": 0,\n   "bbox": [1, 2 3, 4]}\n]',
    });
    const { dataset, problems, plan } = await importFolder(files, readText);

    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem).toBeInstanceOf(DataError);
    // Column 18 of line 3 is the "3" that follows "2" without a comma (counted by hand).
    expect(problem).toMatchObject({
      file: 'runs/broken.json',
      line: 3,
      field: 'column 18',
      expected: 'valid JSON',
    });
    expect(problem.message).toMatch(/^runs\/broken\.json: line 3: column 18: expected valid JSON/);
    expect(dataset.groundTruth).toHaveLength(1);
    expect(plan.runs).toEqual([]);
  });

  it('skips a box of the wrong length and an unknown category, naming file and field', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'gt.json': {
        images,
        categories,
        annotations: [{ id: 1, image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] }],
      },
      'preds.json': [
        { image_id: 0, category_id: 0, bbox: [1, 2, 3], score: 0.5 },
        { image_id: 11, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 },
        { image_id: 11, category_id: 7, bbox: [1, 2, 3, 4], score: 0.9 },
      ],
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(problems.map((problem) => problem.message)).toEqual([
      'preds.json: [0].bbox: expected an array of 4 finite numbers [x, y, width, height] with width and height >= 0, got [1,2,3]',
      "preds.json: [1].category_id: expected a category id listed in the ground truth's categories (gt.json), got 3",
    ]);
    expect(dataset.runs[0].predictions).toEqual([
      { index: 0, imageIndex: 1, categoryId: 7, score: 0.9, box: [1, 2, 3, 4] },
    ]);
  });

  it('rejects negative sizes, non-finite numbers, unknown ids and missing scores in ground truth and runs', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'gt.json': JSON.stringify({
        images,
        categories,
        annotations: [
          { id: 1, image_id: 0, category_id: 0, bbox: [1, 1, -2, 2] },
          { id: 2, image_id: 99, category_id: 0, bbox: [1, 1, 2, 2] },
          { id: 3, image_id: 0, category_id: 99, bbox: [1, 1, 2, 2] },
          { id: 4, image_id: 0, category_id: 0, bbox: [1, 1, 2, '2'] },
          { id: 5, image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] },
        ],
      }).replace('"2"', '1e999'),
      'run.json': {
        annotations: [
          { image_id: 0, category_id: 0, bbox: [1, 1, 2, 2], score: 0.5 },
          { image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] },
          { image_id: 12, category_id: 0, bbox: [1, 1, 2, 2], score: 0.5 },
        ],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(problems.map((problem) => `${problem.file} ${problem.field}`)).toEqual([
      'gt.json annotations[0].bbox',
      'gt.json annotations[1].image_id',
      'gt.json annotations[2].category_id',
      'gt.json annotations[3].bbox',
      'run.json annotations[1].score',
      'run.json annotations[2].image_id',
    ]);
    expect(dataset.groundTruth.map((box) => box.sourceId)).toEqual([5]);
    expect(dataset.runs[0].predictions).toHaveLength(1);
  });

  it('lists images named by the ground truth but absent from the folder, and counts their boxes', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'gt.json': {
        images,
        categories,
        annotations: [
          { id: 1, image_id: 11, category_id: 0, bbox: [1, 1, 2, 2] },
          { id: 2, image_id: 11, category_id: 0, bbox: [1, 1, 2, 2] },
          { id: 3, image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] },
        ],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(problems.map((problem) => [problem.field, problem.value])).toEqual([
      ['images[1].file_name', 'b.jpg'],
      ['annotations', '2 boxes on 1 images not in the folder (skipped)'],
    ]);
    expect(dataset.groundTruth.map((box) => box.sourceId)).toEqual([3]);
  });

  it('matches file names by exact path, then path suffix, then unique basename, and reports ambiguity', async () => {
    const { files, readText } = memoryFolder({
      'data/val/x.jpg': null,
      'data/train/x.jpg': null,
      'data/val/y.jpg': null,
      'images/z.jpg': null,
      'w.jpg': null,
      'gt.json': {
        categories,
        images: [
          { id: 1, file_name: 'val/x.jpg' },
          { id: 2, file_name: 'C:\\datasets\\coco\\data\\val\\y.jpg' },
          { id: 3, file_name: 'train2017/z.jpg' },
          { id: 4, file_name: 'x.jpg' },
          { id: 5, file_name: 'w.jpg' },
        ],
        annotations: [],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    const cocoIds = Object.fromEntries(dataset.images.map((image) => [image.path, image.meta.cocoImageId]));
    expect(cocoIds).toEqual({
      'data/val/x.jpg': 1,
      'data/val/y.jpg': 2,
      'images/z.jpg': 3,
      'data/train/x.jpg': undefined,
      'w.jpg': 5,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'gt.json', field: 'images[3].file_name' });
    expect(problems[0].value).toEqual({ file_name: 'x.jpg', fits: ['data/train/x.jpg', 'data/val/x.jpg'] });
  });

  it('joins a results file with its own images and categories by file name and category name', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'gt.json': { images, categories, annotations: [] },
      'dets.json': {
        images: [
          { id: 0, file_name: 'b.jpg' },
          { id: 1, file_name: 'a.jpg' },
        ],
        categories: [
          { id: 0, name: 'dog' },
          { id: 1, name: 'cat' },
          { id: 2, name: 'zebra' },
        ],
        annotations: [
          { image_id: 0, category_id: 0, bbox: [1, 1, 1, 1], score: 0.1 },
          { image_id: 1, category_id: 1, bbox: [2, 2, 2, 2], score: 0.2 },
          { image_id: 1, category_id: 2, bbox: [3, 3, 3, 3], score: 0.3 },
        ],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(
      dataset.runs[0].predictions.map((box) => [dataset.images[box.imageIndex].path, box.categoryId]),
    ).toEqual([
      ['b.jpg', 7],
      ['a.jpg', 0],
    ]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'dets.json: categories[2].name: expected a category name the ground truth lists (this category\'s predictions are skipped), got "zebra"',
    ]);
  });

  it('without ground truth, takes categories from the runs and names bare ids after themselves', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'run1.json': {
        images: [{ id: 3, file_name: 'a.jpg', width: 8, height: 6 }],
        categories: [{ id: 2, name: 'cat' }],
        annotations: [{ image_id: 3, category_id: 2, bbox: [1, 1, 1, 1], score: 0.4 }],
      },
      'run2.json': {
        images: [{ id: 1, file_name: 'a.jpg' }],
        annotations: [{ image_id: 1, category_id: 5, bbox: [1, 1, 1, 1], score: 0.4 }],
      },
    });
    const { dataset, problems, plan } = await importFolder(files, readText);

    expect(problems).toEqual([]);
    expect(plan.groundTruth).toBeNull();
    expect(dataset.categories).toEqual([
      { id: 2, name: 'cat' },
      { id: 5, name: '5' },
    ]);
    expect([dataset.images[0].width, dataset.images[0].height]).toEqual([8, 6]);
    expect(dataset.runs.map((run) => run.predictions.length)).toEqual([1, 1]);
  });

  it('warns when two images entries name one picture, and names categories by id when the list is missing', async () => {
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'gt.json': {
        images: [
          { id: 1, file_name: 'a.jpg' },
          { id: 2, file_name: './a.jpg' },
        ],
        annotations: [
          { id: 1, image_id: 1, category_id: 3, bbox: [0, 0, 1, 1] },
          { id: 2, image_id: 2, category_id: 3, bbox: [0, 0, 2, 2] },
        ],
      },
    });
    const { dataset, problems } = await importFolder(files, readText);

    expect(problems.map((problem) => [problem.field, problem.severity, problem.value])).toEqual([
      ['images[1].file_name', 'warning', { file_name: './a.jpg', same_as: 'images[0]' }],
      ['categories', 'warning', undefined],
    ]);
    expect(dataset.categories).toEqual([{ id: 3, name: '3' }]);
    expect(dataset.groundTruth.map((box) => box.imageIndex)).toEqual([0, 0]);
  });

  it('loads the first ground-truth file by path and lists the others', async () => {
    const gt = { images, categories, annotations: [] };
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'val.json': gt,
      'train.json': gt,
      'package.json': { name: 'not-coco' },
    });
    const { problems, plan } = await importFolder(files, readText);

    expect(plan).toEqual({
      groundTruth: 'train.json',
      extraGroundTruth: ['val.json'],
      runs: [],
      ignored: ['package.json'],
    });
    // The warning comes first: it is known before the ground truth is joined (and finds b.jpg missing).
    expect(problems.map((problem) => [problem.file, problem.severity])).toEqual([
      ['val.json', 'warning'],
      ['train.json', 'error'],
    ]);
  });

  it('bounds a flood of identical problems and counts the rest', async () => {
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      id: i,
      image_id: 0,
      category_id: 0,
      bbox: [0, 0],
    }));
    const { files, readText } = memoryFolder({
      'a.jpg': null,
      'gt.json': { images, categories, annotations },
    });
    const { problems } = await importFolder(files, readText);

    const bboxProblems = problems.filter(
      (problem) => problem.field?.endsWith('.bbox') && !(problem instanceof OmittedProblems),
    );
    expect(bboxProblems).toHaveLength(50);
    const summary = problems.find((problem) => problem instanceof OmittedProblems) as OmittedProblems;
    expect(summary.omitted).toBe(70);
    expect(summary.field).toBe('annotations[].bbox');
    expect(summary.message).toContain('70 more problems like this were not listed');
  });

  it('reports an unreadable file and an empty one, reports progress, and stops on abort', async () => {
    const folder = memoryFolder({ 'a.jpg': null, 'gone.json': '[]', 'empty.json': '' });
    const progress: ImportProgress[] = [];
    const readText = async (path: string) => {
      if (path === 'gone.json') throw new Error('NotFoundError: the file was moved');
      return folder.readText(path);
    };
    const { problems } = await importFolder(folder.files, readText, (step) => progress.push(step));

    expect(problems.map((problem) => problem.message)).toEqual([
      'empty.json: expected a JSON document, got "0 bytes"',
      'gone.json: expected a readable file, got "Error: NotFoundError: the file was moved"',
    ]);
    expect(progress).toEqual([
      { done: 1, total: 2, file: 'empty.json' },
      { done: 2, total: 2, file: 'gone.json' },
    ]);

    const aborting = async () => {
      throw new AbortError();
    };
    await expect(importFolder(folder.files, aborting)).rejects.toBeInstanceOf(AbortError);
  });
});
