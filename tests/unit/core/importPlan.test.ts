import { describe, expect, it } from 'vitest';
import { AbortError, DataError } from '../../../src/lib/core/errors';
import { importFolder, isImagePath, makeFolderReader, nameRuns } from '../../../src/lib/core/importPlan';
import { OmittedProblems } from '../../../src/lib/core/problems';
import { memoryFolder } from './memoryFolder';

const categories = [
  { id: 0, name: 'cat' },
  { id: 7, name: 'dog' },
];
const images = [
  { id: 0, file_name: 'a.jpg', width: 40, height: 30 },
  { id: 11, file_name: 'b.jpg', width: 50, height: 20 },
];

describe('makeFolderReader and isImagePath', () => {
  it('recognises image extensions in any case and nothing else', () => {
    expect(['a.jpg', 'b.JPEG', 'c.Png', 'd.webp', 'e.bmp', 'f.GIF'].every(isImagePath)).toBe(true);
    expect(['a.tif', 'jpg', 'notes.jpg.txt', 'dir.jpg/readme', '.jpg'].some(isImagePath)).toBe(false);
  });

  it('sorts files by path, lists the images and skips hidden files and __MACOSX', () => {
    const unused = async () => {
      throw new Error('not read');
    };
    const folder = makeFolderReader(
      [
        { path: 'images/b.jpg', size: 1 },
        { path: 'images/B.jpg', size: 1 },
        { path: 'images/a.jpg', size: 1 },
        { path: 'images/._a.jpg', size: 1 },
        { path: '__MACOSX/images/a.jpg', size: 1 },
        { path: '.cache/x.json', size: 1 },
        { path: 'labels/z.JSON', size: 1 },
        { path: 'labels/gt.json', size: 1 },
        { path: 'readme.txt', size: 1 },
      ],
      unused,
      unused,
    );
    expect(folder.images).toEqual(['images/B.jpg', 'images/a.jpg', 'images/b.jpg']);
    expect(folder.files.map((file) => file.path)).toEqual([
      'images/B.jpg',
      'images/a.jpg',
      'images/b.jpg',
      'labels/gt.json',
      'labels/z.JSON',
      'readme.txt',
    ]);
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
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

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
    const folder = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'gt.json': {
        images,
        categories,
        annotations: [{ id: 1, image_id: 0, category_id: 0, bbox: [1, 1, 2, 2] }],
      },
      'runs/broken.json': '[\n  {"image_id": 0,\n   "bbox": [1, 2 3, 4]}\n]',
    });
    const { dataset, problems, plan } = await importFolder(folder);

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
    // The broken file is not planned as a run: only the ground truth is.
    expect(plan.sources.map((source) => [source.role, source.files])).toEqual([['groundTruth', ['gt.json']]]);
  });

  it('skips a box of the wrong length and an unknown category, naming file and field', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

    expect(problems.map((problem) => problem.message)).toEqual([
      'preds.json: [0].bbox: expected an array of 4 finite numbers [x, y, width, height] with width and height >= 0, got [1,2,3]',
      "preds.json: [1].category_id: expected a category id listed in the ground truth's categories (gt.json), got 3",
    ]);
    expect(dataset.runs[0].predictions).toEqual([
      { index: 0, imageIndex: 1, categoryId: 7, score: 0.9, box: [1, 2, 3, 4] },
    ]);
  });

  it('rejects negative sizes, non-finite numbers, unknown ids and missing scores in ground truth and runs', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

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
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

    expect(problems.map((problem) => [problem.field, problem.value])).toEqual([
      ['images[1].file_name', 'b.jpg'],
      ['annotations', '2 boxes on 1 images not in the folder (skipped)'],
    ]);
    expect(dataset.groundTruth.map((box) => box.sourceId)).toEqual([3]);
  });

  it('matches file names by exact path, then path suffix, then unique basename, and reports ambiguity', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

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
    expect(problems[0].value).toEqual({ name: 'x.jpg', fits: ['data/train/x.jpg', 'data/val/x.jpg'] });
  });

  it('joins a results file with its own images and categories by file name and category name, adding classes the ground truth lacks', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

    expect(
      dataset.runs[0].predictions.map((box) => [dataset.images[box.imageIndex].path, box.categoryId]),
    ).toEqual([
      ['b.jpg', 7],
      ['a.jpg', 0],
      ['a.jpg', 2],
    ]);
    // "zebra" keeps its id 2, free in the ground truth (0 and 7), and is shown rather than hidden.
    expect(dataset.categories).toEqual([...categories, { id: 2, name: 'zebra' }]);
    expect(problems.map((problem) => [problem.message, problem.severity])).toEqual([
      [
        'dets.json: categories[2]: expected a class the ground truth has (added as a new class), got "zebra"',
        'warning',
      ],
    ]);
  });

  it('without ground truth, takes categories from the runs and names bare ids after themselves', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems, plan } = await importFolder(folder);

    expect(problems).toEqual([]);
    expect(plan.sources.map((source) => [source.role, source.name])).toEqual([
      ['predictions', 'run1'],
      ['predictions', 'run2'],
    ]);
    expect(dataset.categories).toEqual([
      { id: 2, name: 'cat' },
      { id: 5, name: '5' },
    ]);
    expect([dataset.images[0].width, dataset.images[0].height]).toEqual([8, 6]);
    expect(dataset.runs.map((run) => run.predictions.length)).toEqual([1, 1]);
  });

  it('warns when two images entries name one picture, and names categories by id when the list is missing', async () => {
    const folder = memoryFolder({
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
    const { dataset, problems } = await importFolder(folder);

    expect(problems.map((problem) => [problem.field, problem.severity, problem.value])).toEqual([
      ['images[1].file_name', 'warning', { name: './a.jpg', same_as: 'images[0].file_name' }],
      ['categories', 'warning', undefined],
    ]);
    expect(dataset.categories).toEqual([{ id: 3, name: '3' }]);
    expect(dataset.groundTruth.map((box) => box.imageIndex)).toEqual([0, 0]);
  });

  it('loads the first ground-truth file by path and lists the others', async () => {
    const gt = { images, categories, annotations: [] };
    const folder = memoryFolder({
      'a.jpg': null,
      'relabelled.json': gt,
      'original.json': gt,
      'package.json': { name: 'not-coco' },
    });
    const { problems, plan } = await importFolder(folder);

    expect(plan.images).toBe(1);
    expect(plan.sources).toMatchObject([
      { format: 'coco', role: 'groundTruth', files: ['original.json'], enabled: true },
      { format: 'coco', role: 'groundTruth', files: ['relabelled.json'], enabled: false },
    ]);
    // package.json is not COCO: no source reads it.
    expect(plan.sources.flatMap((source) => source.files)).not.toContain('package.json');
    // The other ground truth is information in the plan, not a problem; the only problem is b.jpg missing.
    expect(plan.notes).toEqual([
      'Also found 1 other ground truth: relabelled.json. Not imported: enable it in the plan to add it.',
    ]);
    expect(problems.map((problem) => [problem.file, problem.severity])).toEqual([['original.json', 'error']]);
  });

  it('enables every split of the first ground truth together, and only those', async () => {
    const coco = (file: string, box: number[]) => ({
      images: [{ id: 1, file_name: file, width: 40, height: 30 }],
      categories,
      annotations: [{ id: 1, image_id: 1, category_id: 7, bbox: box }],
    });
    const yoloLabel = '0 0.5 0.5 0.25 0.5\n';
    const voc = (file: string) =>
      `<annotation><filename>${file}</filename><size><width>40</width><height>30</height></size>` +
      '<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax><ymax>12</ymax></bndbox></object></annotation>';
    const layouts = {
      coco: {
        'train2017/a.jpg': null,
        'val2017/b.jpg': null,
        'annotations/instances_train2017.json': coco('a.jpg', [1, 2, 3, 4]),
        'annotations/instances_val2017.json': coco('b.jpg', [5, 6, 7, 8]),
        // Another annotation set of the same images is not a split: it stays off.
        'annotations/relabelled.json': coco('a.jpg', [0, 0, 1, 1]),
      },
      yolo: {
        'train/images/a.jpg': null,
        'val/images/b.jpg': null,
        'train/labels/a.txt': yoloLabel,
        'val/labels/b.txt': yoloLabel,
        'classes.txt': 'cat\n',
      },
      voc: {
        'train/JPEGImages/a.jpg': null,
        'val/JPEGImages/b.jpg': null,
        'train/Annotations/a.xml': voc('a.jpg'),
        'val/Annotations/b.xml': voc('b.jpg'),
      },
    };

    for (const [format, contents] of Object.entries(layouts)) {
      // YOLO boxes are normalised: every image is 40 × 30 pixels.
      const readImageSize = async () => ({ width: 40, height: 30 });
      const { plan, dataset, problems } = await importFolder(memoryFolder(contents), { readImageSize });
      const groundTruth = plan.sources.filter((source) => source.role === 'groundTruth');
      const enabled = groundTruth.filter((source) => source.enabled).flatMap((source) => source.files);
      expect(enabled.length, format).toBe(2);
      expect(
        enabled.every((file) => /train|val/.test(file)),
        format,
      ).toBe(true);
      // One box on each split's image.
      const boxed = dataset.groundTruth.map((box) => dataset.images[box.imageIndex].path).sort();
      expect(boxed, format).toEqual(
        format === 'voc'
          ? ['train/JPEGImages/a.jpg', 'val/JPEGImages/b.jpg']
          : format === 'yolo'
            ? ['train/images/a.jpg', 'val/images/b.jpg']
            : ['train2017/a.jpg', 'val2017/b.jpg'],
      );
      // The set left off is named in the plan's notes, not among the problems.
      expect(problems, format).toEqual([]);
      expect(
        plan.notes?.some((note) => note.includes('relabelled.json')),
        format,
      ).toBe(format === 'coco');
    }
  });

  it('finds images a Mac lists decomposed (NFD) by names written composed (NFC), showing them as listed', async () => {
    const composed = 'caf\u00e9/cr\u00e8me.jpg';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const voc =
      `<annotation><filename>${'cr\u00e8me.jpg'}</filename><size><width>40</width><height>30</height></size>` +
      '<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax><ymax>12</ymax></bndbox></object></annotation>';
    const layouts = {
      coco: {
        [decomposed]: null,
        'instances.json': {
          images: [{ id: 1, file_name: composed, width: 40, height: 30 }],
          categories,
          annotations: [{ id: 1, image_id: 1, category_id: 7, bbox: [1, 2, 3, 4] }],
        },
      },
      // A label file named on Linux (composed) beside images copied from a Mac.
      yolo: {
        [decomposed]: null,
        ['caf\u00e9/cr\u00e8me.txt']: '0 0.5 0.5 0.25 0.5\n',
        'classes.txt': 'cat\n',
      },
      voc: { [decomposed]: null, 'Annotations/x.xml': voc },
    };

    for (const [format, contents] of Object.entries(layouts)) {
      const readImageSize = async () => ({ width: 40, height: 30 });
      const { dataset, problems } = await importFolder(memoryFolder(contents), { readImageSize });
      expect(
        problems.filter((problem) => problem.severity === 'error'),
        format,
      ).toEqual([]);
      expect(
        dataset.images.map((image) => image.path),
        format,
      ).toEqual([decomposed]);
      expect(
        dataset.groundTruth.map((box) => box.imageIndex),
        format,
      ).toEqual([0]);
    }
  });

  it('reports an empty XML file and COCO image sizes that are not numbers, naming file and field', async () => {
    const voc =
      '<annotation><filename>a.jpg</filename><size><width>40</width><height>30</height></size>' +
      '<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax><ymax>12</ymax></bndbox></object></annotation>';
    const folder = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      // The empty file sorts first and last in its folder: it must not pass for the folder's sample either.
      'Annotations/0.xml': '',
      'Annotations/a.xml': voc,
      'Annotations/z.xml': '',
      'coco/instances.json': {
        images: [
          { id: 1, file_name: 'a.jpg', width: '640px', height: 480 },
          { id: 2, file_name: 'b.jpg', width: 640, height: 'tall' },
        ],
        categories,
        annotations: [],
      },
    });
    const readImageSize = async () => ({ width: 40, height: 30 });
    const { problems, dataset } = await importFolder(folder, { readImageSize });

    const listed = problems.map(({ file, field, value }) => [file, field, value]);
    expect(listed).toContainEqual(['Annotations/0.xml', undefined, '0 bytes']);
    expect(listed).toContainEqual(['Annotations/z.xml', undefined, '0 bytes']);
    expect(listed).toContainEqual(['coco/instances.json', 'images[0].width', '640px']);
    expect(listed).toContainEqual(['coco/instances.json', 'images[1].height', 'tall']);
    // The images take their size from the image files instead.
    expect(dataset.images.map((image) => [image.path, image.width, image.height])).toEqual([
      ['a.jpg', 40, 30],
      ['b.jpg', 40, 30],
    ]);
  });

  it('bounds a flood of identical problems and counts the rest', async () => {
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      id: i,
      image_id: 0,
      category_id: 0,
      bbox: [0, 0],
    }));
    const folder = memoryFolder({
      'a.jpg': null,
      'gt.json': { images, categories, annotations },
    });
    const { problems } = await importFolder(folder);

    const bboxProblems = problems.filter(
      (problem) => problem.field?.endsWith('.bbox') && !(problem instanceof OmittedProblems),
    );
    expect(bboxProblems).toHaveLength(50);
    const summary = problems.find((problem) => problem instanceof OmittedProblems) as OmittedProblems;
    expect(summary.omitted).toBe(70);
    expect(summary.field).toBe('annotations[].bbox');
    expect(summary.message).toContain('70 more problems like this were not listed');
  });

  it('reports an unreadable file and an empty one while planning, and stops on abort', async () => {
    const contents = { 'a.jpg': null, 'gone.json': '[]', 'empty.json': '' };
    const memory = memoryFolder(contents);
    const readText = async (path: string) => {
      if (path === 'gone.json') throw new Error('NotFoundError: the file was moved');
      return memory.readText(path);
    };
    const { problems, plan } = await importFolder(makeFolderReader(memory.files, readText, memory.readHead));

    expect(problems.map((problem) => problem.message)).toEqual([
      'empty.json: expected a JSON document, got "0 bytes"',
      'gone.json: expected a readable file, got "Error: NotFoundError: the file was moved"',
    ]);
    expect(plan.sources).toEqual([]);

    const aborting = async () => {
      throw new AbortError();
    };
    const folder = makeFolderReader(memory.files, aborting, memory.readHead);
    await expect(importFolder(folder)).rejects.toBeInstanceOf(AbortError);
  });
});
