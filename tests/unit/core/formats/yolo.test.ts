import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { yoloFormat, type YoloOptions } from '../../../../src/lib/core/formats/yolo';
import { textBoxesFormat } from '../../../../src/lib/core/formats/textBoxes';
import { ProblemList } from '../../../../src/lib/core/problems';
import { findClassNamesFile, readClassNames } from '../../../../src/lib/core/formats/classNames';
import { readDataYaml } from '../../../../src/lib/core/formats/yoloDataYaml';
import { readCaseJson, referenceCase } from '../referenceCases';
import { caseFolder, headerSizes, importPlans, memoryFolder, realFolder } from './textFormatsFolder';
import { layoutOf } from '../referenceCases';

const multiformat = referenceCase('voc2007_100img_multiformat');
const edgeAssets = referenceCase('format_edge_assets');

interface CocoFile {
  images: { id: number; file_name: string }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: number[] }[];
}

/** `file|class` → boxes sorted by x then y, from a COCO file (the independent reference). */
function cocoBoxes(coco: CocoFile): Map<string, number[][]> {
  const files = new Map(coco.images.map((image) => [image.id, image.file_name]));
  const names = new Map(coco.categories.map((category) => [category.id, category.name]));
  const boxes = new Map<string, number[][]>();
  for (const { image_id, category_id, bbox } of coco.annotations) {
    const key = `${files.get(image_id)}|${names.get(category_id)}`;
    boxes.set(key, [...(boxes.get(key) ?? []), bbox]);
  }
  for (const list of boxes.values()) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return boxes;
}

describe.skipIf(!multiformat)('YOLO on voc2007_100img_multiformat', () => {
  it('finds the Darknet export as the one YOLO ground truth, named by obj.names, and nothing else', async () => {
    const folder = caseFolder(multiformat!);
    const plans = await yoloFormat.detect(folder, new ProblemList());

    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ format: 'yolo', role: 'groundTruth', enabled: true });
    expect(plans[0].files).toHaveLength(100);
    expect(plans[0].files.every((file) => file.startsWith('gts/yolo_format/obj_train_data/'))).toBe(true);
    expect((plans[0].options as unknown as YoloOptions).names).toBe('gts/yolo_format/obj.names');
  });

  it('gives the 273 boxes of the COCO export, per class and to 0.01 px, with sizes from the JPEG headers', async () => {
    const folder = caseFolder(multiformat!);
    const plans = await yoloFormat.detect(folder, new ProblemList());
    const { dataset, problems } = await importPlans(folder, yoloFormat, plans, headerSizes(folder));
    const expected = readCaseJson<{ gt_box_count_per_class: Record<string, number> }>(
      multiformat!,
      'expected.json',
    );

    expect(problems.toArray()).toEqual([]);
    expect(dataset.groundTruth).toHaveLength(273);
    const counts: Record<string, number> = {};
    for (const { categoryId } of dataset.groundTruth) {
      const name = dataset.categories.find((category) => category.id === categoryId)!.name;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts).toEqual(expected.gt_box_count_per_class);

    const reference = cocoBoxes(readCaseJson<CocoFile>(multiformat!, 'gts/coco_format_v2/instances_v2.json'));
    const ours = new Map<string, number[][]>();
    for (const { imageIndex, categoryId, box } of dataset.groundTruth) {
      const file = dataset.images[imageIndex].path.split('/').pop();
      const key = `${file}|${dataset.categories.find((category) => category.id === categoryId)!.name}`;
      ours.set(key, [...(ours.get(key) ?? []), box!]);
    }
    expect([...ours.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, boxes] of ours) {
      boxes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const wanted = reference.get(key)!;
      boxes.forEach((box, index) =>
        box.forEach((value, k) =>
          expect(Math.abs(value - wanted[index][k]), `${key} ${k}`).toBeLessThan(0.01),
        ),
      );
    }
  });
});

describe.skipIf(!edgeAssets)('YOLO on format_edge_assets', () => {
  const datumaro = edgeAssets && join(edgeAssets, 'datumaro');

  it('reads a Roboflow data.yaml whose val folder is missing: a warning, and the rest loads', async () => {
    const folder = realFolder(layoutOf(join(datumaro!, 'roboflow_yolo'), 'roboflow_yolo'));
    const detectProblems = new ProblemList();
    const plans = await yoloFormat.detect(folder, detectProblems);

    expect(plans).toHaveLength(1);
    expect(plans[0].files).toEqual([
      'roboflow_yolo/data.yaml',
      'roboflow_yolo/train/labels/train_001.txt',
      'roboflow_yolo/train/labels/train_002.txt',
      'roboflow_yolo/val/labels/val_001.txt',
    ]);
    expect(plans[0].options).toEqual({
      names: 'roboflow_yolo/data.yaml',
      dataYaml: 'roboflow_yolo/data.yaml',
    });

    const problems = new ProblemList();
    const parsed = await yoloFormat.read(plans[0], folder, problems);
    expect(problems.toArray().map((p) => [p.file, p.field, p.value, p.severity])).toEqual([
      ['roboflow_yolo/data.yaml', 'val', '../valid/images', 'warning'],
    ]);
    expect(parsed.categories).toEqual([
      { id: 0, name: 'label_0' },
      { id: 1, name: 'label_1' },
    ]);
    // `train: ../train/images` is found as Ultralytics finds it, without the `../`; the val image,
    // which the broken `val:` misses, still gets its split from its folder.
    expect(parsed.images).toEqual([
      { name: 'roboflow_yolo/train/images/train_001.jpg', meta: { split: 'train' } },
      { name: 'roboflow_yolo/train/images/train_002.jpg', meta: { split: 'train' } },
      { name: 'roboflow_yolo/val/images/val_001.jpg', meta: { split: 'val' } },
    ]);
    // Files without a final newline: each line is its own box, none merged into the next file's.
    expect(parsed.entries.map((entry) => [entry.file.split('/').pop(), entry.line, entry.category])).toEqual([
      ['train_001.txt', 1, 'label_0'],
      ['train_002.txt', 1, 'label_1'],
      ['val_001.txt', 1, 'label_0'],
      ['val_001.txt', 2, 'label_1'],
    ]);
    expect(parsed.entries[0].normalized).toBe(true);
    [0.2, 0.2, 0.3, 0.2].forEach((value, k) => expect(parsed.entries[0].box![k]).toBeCloseTo(value, 12));
  });

  it('scales normalised boxes by the header size: train_001 is 10 x 5 px (facts.json)', async () => {
    const folder = realFolder(layoutOf(join(datumaro!, 'roboflow_yolo'), 'roboflow_yolo'));
    const plans = await yoloFormat.detect(folder, new ProblemList());
    const { dataset } = await importPlans(folder, yoloFormat, plans, headerSizes(folder));
    const image = dataset.images.find((record) => record.path.endsWith('train_001.jpg'))!;

    expect([image.width, image.height]).toEqual([10, 5]);
    const box = dataset.groundTruth.find((annotation) => annotation.imageIndex === image.index)!.box!;
    // `0 0.35 0.3 0.3 0.2`: left (0.35 - 0.15) * 10, top (0.3 - 0.1) * 5, width 0.3 * 10, height 0.2 * 5.
    [2, 1, 3, 1].forEach((value, k) => expect(box[k]).toBeCloseTo(value, 9));
  });

  it('names Darknet labels from obj.names (10 names, labels use 2 and 4)', async () => {
    const folder = realFolder(layoutOf(join(datumaro!, 'yolo_strict'), 'yolo_strict'));
    const plans = await yoloFormat.detect(folder, new ProblemList());
    const problems = new ProblemList();
    const parsed = await yoloFormat.read(plans[0], folder, problems);

    expect(problems.toArray()).toEqual([]);
    expect(parsed.categories).toHaveLength(10);
    expect(parsed.images).toEqual([{ name: 'yolo_strict/obj_train_data/1.jpg' }]);
    expect(parsed.entries.map((entry) => entry.category)).toEqual(['label_2', 'label_4']);
  });
});

describe('YOLO label lines', () => {
  const names = 'a\r\nb\r\n';

  it('accepts CRLF, blank lines, extra spaces and a missing final newline; an empty file is an image without boxes', async () => {
    const folder = memoryFolder({
      'classes.txt': names,
      'images/x.jpg': '',
      'images/y.png': '',
      'labels/x.txt': '\r\n  1   0.5 0.5\t0.2 0.4  \r\n\r\n0 0.25 0.25 0.5 0.5',
      'labels/y.txt': '',
    });
    const plans = await yoloFormat.detect(folder, new ProblemList());
    const problems = new ProblemList();
    const parsed = await yoloFormat.read(plans[0], folder, problems);

    expect(problems.toArray()).toEqual([]);
    expect(parsed.images.map((image) => image.name)).toEqual(['images/x.jpg', 'images/y.png']);
    expect(parsed.entries.map(({ line, category, normalized }) => [line, category, normalized])).toEqual([
      [2, 'b', true],
      [4, 'a', true],
    ]);
    [0.4, 0.3, 0.2, 0.4].forEach((value, k) => expect(parsed.entries[0].box![k]).toBeCloseTo(value, 12));
    expect(parsed.entries[1].box).toEqual([0, 0, 0.5, 0.5]);
  });

  it('reports bad lines with file, line, column and value, and keeps the good ones', async () => {
    const folder = memoryFolder({
      'data.yaml': 'names:\n  0: a\n  1: b\n',
      'images/w.jpg': '',
      'images/x.jpg': '',
      // Enough good lines elsewhere that the folder is still recognised as YOLO.
      'labels/w.txt': '0 0.5 0.5 0.2 0.2\n'.repeat(30),
      'labels/x.txt': [
        '0 0.5 0.5 0.2 0.2',
        '1 0.5 0.5 0.2',
        '0 abc 0.5 0.1 0.1',
        '7 0.5 0.5 0.1 0.1',
        '0 0.5 0.5 -0.1 0.1',
        'b 0.5 0.5 0.1 0.1',
        '1 0.1 0.1 0.3 0.1 0.5 0.4',
      ].join('\n'),
    });
    const plans = await yoloFormat.detect(folder, new ProblemList());
    expect(plans).toHaveLength(1);
    expect((plans[0].options as unknown as YoloOptions).names).toBe('data.yaml');
    const problems = new ProblemList();
    const parsed = await yoloFormat.read(plans[0], folder, problems);

    expect(problems.toArray().map(({ file, line, field, value }) => [file, line, field, value])).toEqual([
      ['labels/x.txt', 2, undefined, '1 0.5 0.5 0.2'],
      ['labels/x.txt', 3, 'cx', 'abc'],
      ['labels/x.txt', 4, 'class', '7'],
      ['labels/x.txt', 5, 'width', -0.1],
      ['labels/x.txt', 6, 'class', 'b'],
    ]);
    expect(problems.toArray()[2].message).toContain('a class index listed in data.yaml (0 to 1)');
    // Line 7 is a segmentation polygon: its bounding box.
    const own = parsed.entries.filter((entry) => entry.file === 'labels/x.txt');
    expect(own.map((entry) => entry.line)).toEqual([1, 7]);
    const polygon = own[1].box!;
    [0.1, 0.1, 0.4, 0.3].forEach((value, k) => expect(polygon[k]).toBeCloseTo(value, 12));
  });

  it('makes a folder of 6-column files a prediction run that borrows the ground truth names', async () => {
    const folder = memoryFolder({
      'data.yaml':
        'path: /home/someone/datasets/toy\ntrain: images/train\nval: [images/val]\nnames: [cat, dog]\n',
      'images/train/a.jpg': '',
      'images/val/b.jpg': '',
      'labels/train/a.txt': '1 0.5 0.5 0.2 0.2\n',
      'labels/val/b.txt': '0 0.5 0.5 0.2 0.2\n',
      'runs/detect/predict/labels/b.txt': '0 0.5 0.5 0.2 0.2 0.9\n1 0.3 0.3 0.2 0.2 0.25\n',
    });
    const plans = await yoloFormat.detect(folder, new ProblemList());

    expect(plans.map(({ role, name, files }) => [role, name, files.length])).toEqual([
      ['groundTruth', 'yolo', 3],
      ['predictions', 'predict', 1],
    ]);
    expect((plans[1].options as unknown as YoloOptions).names).toBe('data.yaml');
    expect(await textBoxesFormat.detect(folder, new ProblemList())).toEqual([]);

    const groundTruth = await yoloFormat.read(plans[0], folder, new ProblemList());
    expect(groundTruth.images).toEqual([
      { name: 'images/train/a.jpg', meta: { split: 'train' } },
      { name: 'images/val/b.jpg', meta: { split: 'val' } },
    ]);
    const problems = new ProblemList();
    const run = await yoloFormat.read(plans[1], folder, problems);
    expect(problems.toArray()).toEqual([]);
    expect(run.entries.map(({ image, category, score }) => [image, category, score])).toEqual([
      ['images/val/b.jpg', 'cat', 0.9],
      ['images/val/b.jpg', 'dog', 0.25],
    ]);
  });

  it('reports a data.yaml that does not parse, and still loads the labels with indices as names', async () => {
    const folder = memoryFolder({
      'data.yaml': 'names: [a, b\ntrain: images\n',
      'images/a.jpg': '',
      'labels/a.txt': '1 0.5 0.5 0.2 0.2\n',
    });
    const problems = new ProblemList();
    const [plan] = await yoloFormat.detect(folder, problems);

    expect(problems.toArray().map(({ file, expected }) => [file, expected])).toEqual([
      ['data.yaml', 'valid YAML'],
    ]);
    expect(plan.options).toEqual({ names: null, dataYaml: null });
    const parsed = await yoloFormat.read(plan, folder, new ProblemList());
    expect(parsed.entries.map((entry) => [entry.image, entry.category])).toEqual([['images/a.jpg', '1']]);
  });

  it('uses indices as names without a names file, and resolves a .txt image list', async () => {
    const folder = memoryFolder({
      'set/data.yaml': 'train: lists/train.txt\n',
      'set/lists/train.txt': './../pics/a.jpg\n/abs/elsewhere/pics/b.jpg\nmissing.jpg\n',
      'set/pics/a.jpg': '',
      'set/pics/b.jpg': '',
      'set/pics/a.txt': '3 0.5 0.5 0.2 0.2\n',
      'set/pics/b.txt': '1 0.5 0.5 0.2 0.2\n',
    });
    const plans = await yoloFormat.detect(folder, new ProblemList());
    const problems = new ProblemList();
    const parsed = await yoloFormat.read(plans[0], folder, problems);

    expect(problems.toArray().map(({ file, value }) => [file, value])).toEqual([
      ['set/lists/train.txt', '1 of 3 paths, e.g. missing.jpg'],
    ]);
    expect(parsed.categories).toEqual([
      { id: 1, name: '1' },
      { id: 3, name: '3' },
    ]);
    expect(parsed.images).toEqual([
      { name: 'set/pics/a.jpg', meta: { split: 'train' } },
      { name: 'set/pics/b.jpg', meta: { split: 'train' } },
    ]);
  });
});

describe('class names files', () => {
  it('reads one name a line (spaces kept, blank lines skipped) and warns on a repeated name', async () => {
    const folder = memoryFolder({ 'obj.names': '\uFEFFpotted plant\r\n\r\ncat\npotted plant' });
    const problems = new ProblemList();

    expect(await readClassNames('obj.names', folder, problems)).toEqual([
      { id: 0, name: 'potted plant' },
      { id: 1, name: 'cat' },
      { id: 2, name: 'potted plant' },
    ]);
    expect(problems.toArray().map(({ value, severity }) => [value, severity])).toEqual([
      ['potted plant', 'warning'],
    ]);
  });

  it('finds the nearest names file, a data.yaml with names before *.names before classes.txt', async () => {
    const folder = memoryFolder({
      'classes.txt': 'a\n',
      'set/x.names': 'a\n',
      'set/other.yaml': 'epochs: 3\n',
      'set/deep/labels/a.txt': '',
      'up/data.yaml': 'names: [a]\n',
      'up/x.names': 'a\n',
      'up/labels/a.txt': '',
    });

    expect(await findClassNamesFile(folder, 'set/deep/labels')).toBe('set/x.names');
    expect(await findClassNamesFile(folder, 'up/labels')).toBe('up/data.yaml');
    expect(await findClassNamesFile(folder, 'elsewhere')).toBe('classes.txt');
  });

  it('warns when nc disagrees with names, and reports bad names keys', async () => {
    const folder = memoryFolder({
      'data.yaml': 'nc: 3\nnames: {0: a, x: b, 2: ""}\ntrain: .\n',
      'a.jpg': '',
    });
    const problems = new ProblemList();
    const dataYaml = await readDataYaml('data.yaml', folder, problems);

    expect(dataYaml?.names).toEqual([{ id: 0, name: 'a' }]);
    expect(dataYaml?.splits).toEqual([{ split: 'train', images: ['a.jpg'] }]);
    expect(problems.toArray().map(({ field, severity }) => [field, severity])).toEqual([
      ['names.2', 'error'],
      ['names.x', 'error'],
      ['nc', 'warning'],
    ]);
  });
});
