import { describe, expect, it } from 'vitest';
import { classifyCocoJson, cocoFormat, sniffRole } from '../../../../src/lib/core/formats/coco';
import { readCocoFile } from '../../../../src/lib/core/formats/cocoDocument';
import type { EntryColumns } from '../../../../src/lib/core/formats/types';
import { ProblemList } from '../../../../src/lib/core/problems';
import { importFolder } from '../../../../src/lib/core/importPlan';
import { memoryFolder } from '../memoryFolder';

/** The rows of entry columns as plain objects. */
function rows(columns: EntryColumns) {
  return Array.from({ length: columns.length }, (_, i) => ({
    imageId: columns.imageIds?.[i],
    imageRow: columns.imageRows?.[i],
    category: columns.categories[i],
    box: columns.boxes[i],
    score: columns.scores?.[i],
    crowd: columns.crowd?.[i],
    sourceId: columns.sourceIds?.[i],
  }));
}

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
        ['frame_001', 'f1.jpg', 0, 0, { cocoImageId: 'frame_001', cocoFileName: 'f1.jpg' }],
        [20180000001, 'f2.jpg', 3, 4, { cocoImageId: 20180000001, cocoFileName: 'f2.jpg', license: 2 }],
      ],
    );
    // Annotations come as columns, one row each, naming their image by its row in the images list.
    const { columns } = coco;
    expect(coco.entries).toEqual([]);
    expect(columns?.length).toBe(2);
    const imageIdOf = (row: { imageRow?: number }) => coco.images[row.imageRow!].id;
    expect(
      rows(columns!).map((row) => [row.sourceId, imageIdOf(row), row.category, row.box, row.crowd]),
    ).toEqual([
      ['a', 'frame_001', 90, [0, 0, 0, 0], 0],
      [0, 20180000001, 90, [0.5, 1.5, 2, 2], 0],
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
    expect(rows(crowd.columns!)[0]).toMatchObject({ imageRow: 0, box: [0, 0, 2, 10], crowd: 1 });

    const run = readCocoFile(
      [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 3.2 }],
      'logits.json',
      'predictions',
      problems,
    );
    expect(rows(run.columns!)[0]).toMatchObject({ imageId: 1, category: 1, score: 3.2 });
    expect(run.images).toEqual([]);
    expect(run.locate!(0, 'category')).toEqual({ field: '[0].category_id' });
    expect(problems.toArray().map((problem) => [problem.field, problem.severity])).toEqual([
      ['[0].score', 'warning'],
    ]);
  });
});

describe('sniffRole (large files, decided without parsing)', () => {
  it('tells results lists, results dicts, ground truth and other JSON apart', () => {
    expect(sniffRole('[{"image_id": 1, "category_id": 2, "bbox": [0,0,1,1], "score": 0.5}', false)).toBe(
      'predictions',
    );
    expect(sniffRole('\uFEFF  [ ]', true)).toBe('predictions');
    const entries = (withScore: boolean) =>
      Array.from(
        { length: 30 },
        (_, i) => `{"image_id": ${i}, "bbox": [0,0,1,1]${withScore ? ', "score": 0.9' : ''}}`,
      );
    const dict = (withScore: boolean) =>
      `{"info": {"description": "\\"annotations\\": [ not this"}, "images": [], "annotations": [${entries(withScore).join(',')}]}`;
    expect(sniffRole(dict(true), true)).toBe('predictions');
    expect(sniffRole(dict(false), true)).toBe('groundTruth');
    expect(sniffRole('{"images": [], "categories": []}', true)).toBe('groundTruth');
  });

  it('asks for more of the file when its start does not tell, and says null for other JSON', () => {
    expect(sniffRole('{"info": {}, "images": [{"id": 1, "file_name": "a.jpg"}', false)).toBeUndefined();
    expect(sniffRole('[{"label": "cat", "points"', false)).toBeUndefined();
    expect(sniffRole('[{"label": "cat", "points": []}]', true)).toBeNull();
    expect(sniffRole('{"version": "5.0", "shapes": []}', true)).toBeNull();
  });
});

describe('cocoFormat.detect', () => {
  it('finds ground truth and runs by path, turns a second ground truth off, and names runs after files', async () => {
    const gt = { images: [], categories: [], annotations: [] };
    const run = [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 }];
    const folder = memoryFolder({
      'a.jpg': null,
      'yolo/results.json': run,
      'detr/results.json': run,
      'train.json': gt,
      'v2.json': gt,
      'labelme/a.json': { version: '5.0', shapes: [], imagePath: 'a.jpg' },
    });
    const problems = new ProblemList();
    const sources = await cocoFormat.detect(folder, problems);

    expect(sources.map((source) => [source.files[0], source.role, source.name, source.enabled])).toEqual([
      ['detr/results.json', 'predictions', 'detr/results', true],
      ['train.json', 'groundTruth', 'train', true],
      ['v2.json', 'groundTruth', 'v2', false],
      ['yolo/results.json', 'predictions', 'yolo/results', true],
    ]);
    // A second ground truth is not a problem: the import plan names it as information.
    expect(problems.toArray()).toEqual([]);
  });

  it('decides a large file from its text, reading its start first', async () => {
    // Over 4 MB: a results dict whose images list comes first, so its start alone does not tell.
    const images = Array.from({ length: 80_000 }, (_, i) => ({
      id: i,
      file_name: `${i}.jpg`,
      width: 10,
      height: 10,
    }));
    const annotations = [{ image_id: 0, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 }];
    const text = JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'cat' }] });
    expect(text.length).toBeGreaterThan(4 * 2 ** 20);
    const folder = memoryFolder({ 'big.json': text });
    const heads: number[] = [];
    const sources = await cocoFormat.detect(
      { ...folder, readHead: async (path, length) => (heads.push(length), folder.readHead(path, length)) },
      new ProblemList(),
    );

    expect(heads).toEqual([64 * 1024]);
    expect(sources.map((source) => [source.role, source.description])).toEqual([
      ['predictions', 'COCO results JSON big.json (5 MB)'],
    ]);
  });

  it('finds an instances file among many per-image JSON files by its size', async () => {
    const contents: Record<string, object | null> = {};
    for (let i = 0; i < 30; i++) contents[`annotations/${String(i).padStart(3, '0')}.json`] = { shapes: [] };
    const images = Array.from({ length: 20 }, (_, i) => ({ id: i, file_name: `${i}.jpg` }));
    contents['annotations/013_instances.json'] = { images, annotations: [], categories: [] };
    const sources = await cocoFormat.detect(memoryFolder(contents), new ProblemList());

    expect(sources.map((source) => source.files)).toEqual([['annotations/013_instances.json']]);
  });

  it('samples a folder of many per-image JSON files instead of reading each', async () => {
    const contents: Record<string, object | null> = {
      'gt.json': { images: [], annotations: [], categories: [] },
    };
    for (let i = 0; i < 100; i++) contents[`labelme/${String(i).padStart(3, '0')}.json`] = { shapes: [] };
    const folder = memoryFolder(contents);
    const heads: string[] = [];
    const sources = await cocoFormat.detect(
      { ...folder, readHead: async (path, length) => (heads.push(path), folder.readHead(path, length)) },
      new ProblemList(),
    );

    expect(sources.map((source) => source.files[0])).toEqual(['gt.json']);
    // gt.json, then four samples of labelme/: the largest (the first of equals), first, middle, last.
    expect(heads).toEqual([
      'gt.json',
      'labelme/000.json',
      'labelme/000.json',
      'labelme/050.json',
      'labelme/099.json',
    ]);
  });
});

describe('ids past 2^53', () => {
  it('keeps boxes on their own image when image ids differ only past 2^53', async () => {
    // JSON.parse reads both ids as 12345678901234567168, so both boxes would land on one image.
    expect(JSON.parse('12345678901234567891')).toBe(JSON.parse('12345678901234567892'));
    const groundTruth =
      '{"images": [{"id": 12345678901234567891, "file_name": "a.jpg", "width": 100, "height": 100},' +
      ' {"id": 12345678901234567892, "file_name": "b.jpg", "width": 100, "height": 100}],' +
      ' "categories": [{"id": 1, "name": "cat"}],' +
      ' "annotations": [' +
      '{"id": 98765432109876543211, "image_id": 12345678901234567892, "category_id": 1, "bbox": [1, 2, 3, 4]},' +
      '{"id": 98765432109876543212, "image_id": 12345678901234567891, "category_id": 1, "bbox": [5, 6, 7, 8]}]}';
    const results =
      '[{"image_id": 12345678901234567891, "category_id": 1, "bbox": [5, 6, 7, 8], "score": 0.9},' +
      ' {"image_id": 12345678901234567892, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.8}]';
    const folder = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'instances.json': groundTruth,
      'detections.json': results,
    });

    const { dataset, problems } = await importFolder(folder);
    expect(problems).toEqual([]);
    const pathOf = (imageIndex: number) => dataset.images[imageIndex].path;
    expect(dataset.groundTruth.map((box) => [pathOf(box.imageIndex), box.box, box.sourceId])).toEqual([
      ['b.jpg', [1, 2, 3, 4], '98765432109876543211'],
      ['a.jpg', [5, 6, 7, 8], '98765432109876543212'],
    ]);
    expect(dataset.images.map((image) => image.meta.cocoImageId)).toEqual([
      '12345678901234567891',
      '12345678901234567892',
    ]);
    const [run] = dataset.runs;
    expect(run.predictions.map((box) => [pathOf(box.imageIndex), box.score])).toEqual([
      ['a.jpg', 0.9],
      ['b.jpg', 0.8],
    ]);
  });
});
