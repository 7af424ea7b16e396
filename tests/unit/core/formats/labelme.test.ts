import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelmeFormat, withoutImageData } from '../../../../src/lib/core/formats/labelme';
import type { FolderReader, ParsedEntry, ParsedSource } from '../../../../src/lib/core/formats/types';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf, readCaseJson, referenceCase } from '../referenceCases';
import { layoutFolder } from './layoutFolder';

const vocCase = referenceCase('voc2007_100img_multiformat');
const edgeCase = referenceCase('format_edge_assets');

interface CocoFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: [number, number, number, number] }[];
}

async function detectAndRead(folder: FolderReader) {
  const problems = new ProblemList();
  const plans = await labelmeFormat.detect(folder, problems);
  const sources: ParsedSource[] = [];
  for (const plan of plans) sources.push(await labelmeFormat.read(plan, folder, problems));
  return { plans, sources, problems: problems.toArray() };
}

/** `file|class` → boxes sorted, rounded to 0.01 px, for comparing box sets made by different tools. */
function boxesByImageAndClass(entries: { image: string; category: string; box: number[] }[]) {
  const grouped = new Map<string, string[]>();
  for (const { image, category, box } of entries) {
    const key = `${image}|${category}`;
    grouped.set(key, [...(grouped.get(key) ?? []), box.map((v) => v.toFixed(2)).join(',')]);
  }
  return Object.fromEntries([...grouped].map(([key, boxes]) => [key, boxes.sort()]));
}

function boxedEntries(source: ParsedSource) {
  return source.entries
    .filter((entry) => entry.box)
    .map((entry) => ({ image: entry.image!, category: String(entry.category), box: entry.box! }));
}

describe('LabelMe on the VOC 2007 case (3 files, base64 imageData)', () => {
  it.skipIf(!vocCase)('gives the same boxes and sizes as the COCO v2 export of those images', async () => {
    const folder = layoutFolder({
      ...layoutOf(join(vocCase!, 'images'), 'images'),
      ...layoutOf(join(vocCase!, 'gts/labelme_format_3files'), 'labelme'),
      'coco/instances_v2.json': join(vocCase!, 'gts/coco_format_v2/instances_v2.json'),
    });
    const { plans, sources, problems } = await detectAndRead(folder);

    expect(problems).toEqual([]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ format: 'labelme', role: 'groundTruth', enabled: true });
    expect(plans[0].files).toEqual([
      'labelme/2007_000027.json',
      'labelme/2007_000032.json',
      'labelme/2007_000033.json',
    ]);

    const coco = readCaseJson<CocoFile>(vocCase!, 'gts/coco_format_v2/instances_v2.json');
    const names = new Set(['2007_000027.jpg', '2007_000032.jpg', '2007_000033.jpg']);
    const cocoImages = coco.images.filter((image) => names.has(image.file_name));
    const className = new Map(coco.categories.map((category) => [category.id, category.name]));
    const expected = coco.annotations
      .filter((annotation) => cocoImages.some((image) => image.id === annotation.image_id))
      .map((annotation) => ({
        image: `images/${cocoImages.find((image) => image.id === annotation.image_id)!.file_name}`,
        category: className.get(annotation.category_id)!,
        box: annotation.bbox,
      }));
    expect(expected).toHaveLength(8);
    expect(boxesByImageAndClass(boxedEntries(sources[0]))).toEqual(boxesByImageAndClass(expected));

    expect(sources[0].images.map((image) => [image.name, image.width, image.height])).toEqual(
      cocoImages.map((image) => [`images/${image.file_name}`, image.width, image.height]),
    );
    // The embedded pictures (~360 KB of base64) are not kept anywhere in the result.
    expect(JSON.stringify(sources[0]).length).toBeLessThan(5000);
  });
});

describe('LabelMe on labelme test assets (format_edge_assets)', () => {
  const folder = () =>
    layoutFolder({
      ...layoutOf(join(edgeCase!, 'labelme'), ''),
      'JPEGImages/2011_000003.jpg': null,
      'JPEGImages/2011_000006.jpg': null,
      'JPEGImages/2011_000025.jpg': null,
      'classes/0001.jpg': null,
      'classes/0002.jpg': null,
    });

  it.skipIf(!edgeCase)('finds three annotation sets and leaves the COCO export alone', async () => {
    const { plans, problems } = await detectAndRead(folder());
    expect(problems).toEqual([]);
    expect(plans.map((plan) => [plan.name, plan.files.length])).toEqual([
      ['LabelMe bbox_data_annotated_json', 3],
      ['LabelMe classification_flags_json', 2],
      ['LabelMe instseg_json', 3],
    ]);
  });

  it.skipIf(!edgeCase)('reads rectangles with the coordinates labelme2voc wrote', async () => {
    const { plans, sources } = await detectAndRead(folder());
    const source = sources[plans.findIndex((plan) => plan.name.includes('bbox'))];

    const expected = [];
    for (const stem of ['2011_000003', '2011_000006', '2011_000025']) {
      const xml = readFileSync(join(edgeCase!, `labelme/bbox_labelme2voc_export_xml/${stem}.xml`), 'utf8');
      for (const [, name, body] of xml.matchAll(/<name>(.*?)<\/name>([\s\S]*?)<\/object>/g)) {
        const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((tag) =>
          Number(new RegExp(`<${tag}>(.*?)</${tag}>`).exec(body)![1]),
        );
        expected.push({
          image: `JPEGImages/${stem}.jpg`,
          category: name,
          box: [xmin, ymin, xmax - xmin, ymax - ymin],
        });
      }
    }
    expect(expected).toHaveLength(9);
    expect(boxesByImageAndClass(boxedEntries(source))).toEqual(boxesByImageAndClass(expected));
  });

  it.skipIf(!edgeCase)(
    'merges shapes sharing a group id as labelme2coco does, and drops __ignore__',
    async () => {
      const { plans, sources } = await detectAndRead(folder());
      const source = sources[plans.findIndex((plan) => plan.name.includes('instseg'))];
      const coco = readCaseJson<CocoFile>(edgeCase!, 'labelme/instseg_labelme2coco_export.json');
      const className = new Map(coco.categories.map((category) => [category.id, category.name]));
      const fileName = new Map(coco.images.map((image) => [image.id, image.file_name]));

      // 18 shapes, one __ignore__, four pieces of one sofa: 12 objects, as in labelme2coco's export.
      const ours = boxedEntries(source);
      expect(ours).toHaveLength(coco.annotations.length);
      expect(ours).toHaveLength(12);
      expect(source.categories.map((category) => category.name)).not.toContain('__ignore__');
      const sofa = source.entries.filter((entry) => entry.category === 'sofa');
      expect(sofa).toHaveLength(1);
      expect(sofa[0].sourceId).toBe(0);

      // labelme2coco's boxes are those of rasterised masks: whole pixels, within 1 px of the polygons.
      const theirs = coco.annotations.map((annotation) => ({
        image: fileName.get(annotation.image_id)!,
        category: className.get(annotation.category_id)!,
        box: annotation.bbox,
      }));
      const key = (entry: { image: string; category: string; box: number[] }) =>
        `${entry.image.split('/').pop()}|${entry.category}|${Math.round(entry.box[0] / 10)}`;
      const byKey = new Map(theirs.map((entry) => [key(entry), entry.box]));
      for (const entry of ours) {
        const box = byKey.get(key(entry));
        expect(box, key(entry)).toBeDefined();
        const corners = (b: number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];
        corners(entry.box).forEach((value, i) =>
          expect(Math.abs(value - corners(box!)[i])).toBeLessThanOrEqual(1),
        );
      }
    },
  );

  it.skipIf(!edgeCase)('turns flags set to true into image-level classes', async () => {
    const { plans, sources } = await detectAndRead(folder());
    const source = sources[plans.findIndex((plan) => plan.name.includes('classification'))];
    expect(source.entries.map((entry) => [entry.image, entry.category, entry.box])).toEqual([
      ['classes/0001.jpg', 'cat', undefined],
      ['classes/0002.jpg', 'dog', undefined],
    ]);
    expect(source.categories).toEqual([{ name: 'cat' }, { name: 'dog' }]);
    expect(source.images.map((image) => [image.name, image.width, image.height])).toEqual([
      ['classes/0001.jpg', 640, 480],
      ['classes/0002.jpg', 640, 480],
    ]);
  });
});

describe('LabelMe shapes and bad input', () => {
  const document = (fields: Record<string, unknown>) => ({
    text: JSON.stringify({ version: '5.0.1', flags: {}, ...fields }),
  });

  async function readInline(files: Record<string, { text: string } | null>) {
    const { plans, sources, problems } = await detectAndRead(layoutFolder(files));
    expect(plans).toHaveLength(1);
    return { entries: sources[0].entries, images: sources[0].images, problems, plan: plans[0] };
  }

  it('boxes every shape type around its points, rectangles in any corner order', async () => {
    const shapes = [
      {
        label: 'a',
        shape_type: 'rectangle',
        points: [
          [30, 40],
          [10, 20],
        ],
      },
      {
        label: 'b',
        shape_type: 'polygon',
        points: [
          [5, 5],
          [15, 2],
          [12, 9],
        ],
      },
      {
        label: 'c',
        shape_type: 'circle',
        points: [
          [50, 50],
          [53, 54],
        ],
      },
      {
        label: 'd',
        points: [
          [1, 1],
          [2, 3],
        ],
      },
      {
        label: 'e',
        shape_type: 'mask',
        points: [
          [7, 8],
          [9, 12],
        ],
        mask: 'iVBORw0KGgo=',
      },
      {
        label: 'f',
        shape_type: 'linestrip',
        points: [
          [0, 0],
          [4, 1],
          [2, 6],
        ],
        difficult: true,
      },
    ];
    const { entries, problems } = await readInline({
      'a.jpg': null,
      'a.json': document({ imagePath: 'a.jpg', shapes, imageWidth: 100, imageHeight: 80 }),
    });
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.category, entry.box, entry.field])).toEqual([
      ['a', [10, 20, 20, 20], 'shapes[0]'],
      ['b', [5, 2, 10, 7], 'shapes[1]'],
      ['c', [45, 45, 10, 10], 'shapes[2]'],
      ['d', [1, 1, 1, 2], 'shapes[3]'],
      ['e', [7, 8, 2, 4], 'shapes[4]'],
      ['f', [0, 0, 4, 6], 'shapes[5]'],
    ]);
    expect(entries[5].difficult).toBe(true);
  });

  it('merges groups per label, so one group id on two classes stays two objects', async () => {
    const shapes = [
      {
        label: 'person',
        group_id: 3,
        points: [
          [0, 0],
          [10, 10],
        ],
        shape_type: 'rectangle',
      },
      {
        label: 'bag',
        group_id: 3,
        points: [
          [20, 20],
          [30, 30],
        ],
        shape_type: 'rectangle',
      },
      {
        label: 'person',
        group_id: 3,
        points: [
          [5, 5],
          [12, 40],
        ],
        shape_type: 'polygon',
      },
      {
        label: 'person',
        group_id: null,
        points: [
          [50, 50],
          [60, 60],
        ],
        shape_type: 'rectangle',
      },
    ];
    const { entries } = await readInline({
      'x.png': null,
      'x.json': document({ imagePath: 'x.png', shapes }),
    });
    expect(entries.map((entry) => [entry.category, entry.box, entry.sourceId])).toEqual([
      ['person', [0, 0, 12, 40], 3],
      ['bag', [20, 20, 10, 10], 3],
      ['person', [50, 50, 10, 10], undefined],
    ]);
  });

  it('resolves imagePath relative to the file, falls back to the image of the same name', async () => {
    const { entries, images, problems } = await readInline({
      'Annotations/a.json': document({
        imagePath: '..\\JPEGImages\\a.jpg',
        shapes: [],
        flags: { yes: true },
      }),
      'Annotations/b.json': document({ imagePath: 'C:\\Users\\me\\labels\\b.jpg', shapes: [] }),
      'JPEGImages/a.jpg': null,
      'JPEGImages/b.jpg': null,
      'val/c.json': document({ shapes: [] }),
      'val/c.jpg': null,
      'train/c.jpg': null,
    });
    expect(problems).toEqual([]);
    expect(images.map((image) => image.name)).toEqual(['JPEGImages/a.jpg', 'JPEGImages/b.jpg', 'val/c.jpg']);
    expect(entries).toEqual([
      { image: 'JPEGImages/a.jpg', category: 'yes', file: 'Annotations/a.json', field: 'flags.yes' },
    ]);
  });

  it('reports broken files and bad shapes by file and field, and loads the rest', async () => {
    const { entries, problems, plan } = await readInline({
      'a.jpg': null,
      'b.jpg': null,
      'c.jpg': null,
      'd.jpg': null,
      'a.json': document({
        imagePath: 'a.jpg',
        imageWidth: 'wide',
        shapes: [
          {
            label: '',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
          {
            label: 'cat',
            points: [
              [0, 'x'],
              [1, 1],
            ],
          },
          { label: 'cat', shape_type: 'point', points: [[4, 4]] },
          'not a shape',
          {
            label: 'cat',
            shape_type: 'rectangle',
            points: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      }),
      'b.json': { text: '{\n  "imagePath": "b.jpg",\n  "shapes": [\n    {"label": "cat",, }\n  ]\n}' },
      'c.json': document({
        imagePath: 'missing.jpg',
        shapes: [
          {
            label: 'cat',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
      }),
      'd.json': document({ imagePath: 'd.jpg', shapes: { label: 'cat' } }),
    });

    expect(plan.files).toEqual(['a.json', 'b.json', 'c.json', 'd.json']);
    expect(entries.map((entry: ParsedEntry) => [entry.file, entry.field, entry.box])).toEqual([
      ['a.json', 'shapes[4]', [1, 2, 2, 2]],
    ]);
    expect(problems.map((problem) => [problem.file, problem.line, problem.field, problem.severity])).toEqual([
      ['a.json', undefined, 'imageWidth', 'warning'],
      ['a.json', undefined, 'shapes[0].label', 'error'],
      ['a.json', undefined, 'shapes[1].points', 'error'],
      ['a.json', undefined, 'shapes[2]', 'warning'],
      ['a.json', undefined, 'shapes[3]', 'error'],
      ['b.json', 4, expect.stringMatching(/^column \d+$/), 'error'],
      ['c.json', undefined, 'imagePath', 'error'],
      ['d.json', undefined, 'shapes', 'error'],
    ]);
    expect(problems[6].message).toContain('"missing.jpg"');
  });

  it('claims no COCO file, and skips with a warning a non-LabelMe file a large directory brought along', async () => {
    // Sorted among the LabelMe files, so the three sampled files miss it.
    const files: Record<string, { text: string } | null> = {
      'ann/12_coco.json': { text: JSON.stringify({ images: [], annotations: [], categories: [] }) },
    };
    for (let i = 10; i < 30; i++) {
      files[`img/${i}.jpg`] = null;
      files[`ann/${i}.json`] = document({ imagePath: `../img/${i}.jpg`, shapes: [] });
    }
    const { plans, problems } = await detectAndRead(layoutFolder(files));
    expect(plans[0].files).toHaveLength(21);
    expect(problems.map((problem) => [problem.file, problem.severity])).toEqual([
      ['ann/12_coco.json', 'warning'],
    ]);

    const small = await detectAndRead(
      layoutFolder({
        'a/instances.json': files['ann/12_coco.json'],
        'a/10.json': files['ann/10.json'],
        'img/10.jpg': null,
      }),
    );
    expect(small.plans[0].files).toEqual(['a/10.json']);
    expect(small.problems).toEqual([]);
  });
});

describe('withoutImageData', () => {
  it('replaces the base64 string with null, whatever its escapes', () => {
    const text = '{"imageData" : "ab\\/c\\"d\\\\", "imagePath": "x.jpg"}';
    expect(JSON.parse(withoutImageData(text))).toEqual({ imageData: null, imagePath: 'x.jpg' });
    expect(withoutImageData('{"note": "\\"imageData\\": \\"x\\""}')).toBe(
      '{"note": "\\"imageData\\": \\"x\\""}',
    );
    expect(withoutImageData('{"imageData": null}')).toBe('{"imageData": null}');
    expect(withoutImageData('{"imageData": "abc')).toBe('{"imageData": "abc');
  });
});
