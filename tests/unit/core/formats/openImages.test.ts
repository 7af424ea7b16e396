import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImagesFormat } from '../../../../src/lib/core/formats/openImages';
import type { FolderReader, ParsedSource } from '../../../../src/lib/core/formats/types';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf, readCaseJson, referenceCase } from '../referenceCases';
import { layoutFolder } from './layoutFolder';

const vocCase = referenceCase('voc2007_100img_multiformat');

interface CocoFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: [number, number, number, number] }[];
}

async function detectAndRead(folder: FolderReader) {
  const problems = new ProblemList();
  const plans = await openImagesFormat.detect(folder, problems);
  const sources: ParsedSource[] = [];
  for (const plan of plans) sources.push(await openImagesFormat.read(plan, folder, problems));
  return { plans, sources, problems: problems.toArray() };
}

type Box = [number, number, number, number];

/** `image|class` → boxes sorted by x, then y, for comparing box sets made by different tools. */
function groupBoxes(boxes: { image: string; category: string; box: Box }[]): Map<string, Box[]> {
  const grouped = new Map<string, Box[]>();
  for (const { image, category, box } of boxes) {
    const key = `${image}|${category}`;
    grouped.set(key, [...(grouped.get(key) ?? []), box]);
  }
  for (const list of grouped.values()) list.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return grouped;
}

describe('Open Images CSV on the VOC 2007 case', () => {
  it.skipIf(!vocCase)(
    'gives the 273 boxes of the COCO v2 export, to 0.01 px, with decimal commas',
    async () => {
      const folder = layoutFolder({
        ...layoutOf(join(vocCase!, 'images'), 'images'),
        'gts/all_bounding_boxes.csv': join(vocCase!, 'gts/openimages_format/all_bounding_boxes.csv'),
      });
      const { plans, sources, problems } = await detectAndRead(folder);

      expect(problems).toEqual([]);
      expect(plans).toEqual([
        expect.objectContaining({
          format: 'openimages',
          role: 'groundTruth',
          files: ['gts/all_bounding_boxes.csv'],
        }),
      ]);
      const source = sources[0];
      expect(source.entries).toHaveLength(273);
      expect(source.entries.every((entry) => entry.normalized && entry.box)).toBe(true);

      const expected = readCaseJson<{ gt_box_count_per_class: Record<string, number> }>(
        vocCase!,
        'expected.json',
      );
      const counts: Record<string, number> = {};
      for (const entry of source.entries) counts[entry.category] = (counts[entry.category] ?? 0) + 1;
      expect(counts).toEqual(expected.gt_box_count_per_class);

      // Normalised boxes scaled by the sizes COCO states, compared box by box with COCO's.
      const coco = readCaseJson<CocoFile>(vocCase!, 'gts/coco_format_v2/instances_v2.json');
      const imageById = new Map(coco.images.map((image) => [image.id, image]));
      const imageByPath = new Map(coco.images.map((image) => [`images/${image.file_name}`, image]));
      const className = new Map(coco.categories.map((category) => [category.id, category.name]));
      const ours = groupBoxes(
        source.entries.map((entry) => {
          const { width, height } = imageByPath.get(entry.image!)!;
          const [x, y, w, h] = entry.box!;
          return {
            image: entry.image!,
            category: String(entry.category),
            box: [x * width, y * height, w * width, h * height],
          };
        }),
      );
      const theirs = groupBoxes(
        coco.annotations.map((annotation) => ({
          image: `images/${imageById.get(annotation.image_id)!.file_name}`,
          category: className.get(annotation.category_id)!,
          box: annotation.bbox,
        })),
      );
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      for (const [key, boxes] of theirs) {
        boxes.forEach((box, i) =>
          box.forEach((value, k) =>
            expect(Math.abs(ours.get(key)![i][k] - value), key).toBeLessThanOrEqual(0.01),
          ),
        );
      }
    },
  );
});

describe('Open Images CSV layouts and bad input', () => {
  const header =
    'ImageID,Source,LabelName,Confidence,XMin,XMax,YMin,YMax,IsOccluded,IsTruncated,IsGroupOf,IsDepiction,IsInside';

  it('names machine ids, matches ids without extension, takes sizes and group-of boxes', async () => {
    const { plans, sources, problems } = await detectAndRead(
      layoutFolder({
        'validation/000002b66c9c498e.jpg': null,
        'validation/000002b97e5471a0.png': null,
        'meta/class-descriptions-boxable.csv': {
          text: '/m/011k07,Tortoise\n/m/01g317,Person\n/m/02p0tk3,Person\n',
        },
        'meta/sizes.csv': { text: 'ImageID,Width,Height\n000002b66c9c498e,1024,768\n' },
        'validation-annotations-bbox.csv': {
          text: [
            header,
            '000002b66c9c498e,xclick,/m/01g317,1,0.1,0.5,0.25,0.75,0,1,0,0,0',
            '000002b66c9c498e,xclick,/m/02p0tk3,1,0,1,0,1,0,0,1,0,0',
            '000002b97e5471a0,xclick,/m/011k07,1,0.5,0.75,0.5,1,-1,-1,-1,-1,-1',
            '',
          ].join('\r\n'),
        },
      }),
    );
    expect(problems).toEqual([]);
    expect(plans).toEqual([
      {
        format: 'openimages',
        role: 'groundTruth',
        name: 'validation-annotations-bbox',
        files: ['validation-annotations-bbox.csv'],
        description:
          'Open Images CSV validation-annotations-bbox.csv, class names from meta/class-descriptions-boxable.csv',
        enabled: true,
        options: {
          classDescriptions: ['meta/class-descriptions-boxable.csv'],
          imageSizes: ['meta/sizes.csv'],
        },
      },
    ]);
    const [source] = sources;
    expect(source.categories).toEqual([
      { name: 'Person' },
      { name: 'Person (/m/02p0tk3)' },
      { name: 'Tortoise' },
    ]);
    expect(source.images).toEqual([
      { name: 'validation/000002b66c9c498e.jpg', width: 1024, height: 768, field: 'ImageID' },
    ]);
    expect(source.entries).toEqual([
      {
        image: 'validation/000002b66c9c498e.jpg',
        category: 'Person',
        box: [0.1, 0.25, 0.4, 0.5],
        normalized: true,
        truncated: true,
        file: 'validation-annotations-bbox.csv',
        line: 2,
      },
      {
        image: 'validation/000002b66c9c498e.jpg',
        category: 'Person (/m/02p0tk3)',
        box: [0, 0, 1, 1],
        normalized: true,
        crowd: true,
        file: 'validation-annotations-bbox.csv',
        line: 3,
      },
      {
        image: 'validation/000002b97e5471a0.png',
        category: 'Tortoise',
        box: [0.5, 0.5, 0.25, 0.5],
        normalized: true,
        file: 'validation-annotations-bbox.csv',
        line: 4,
      },
    ]);
  });

  it('reads semicolon-separated files with unquoted decimal commas, a BOM and a named header', async () => {
    const { sources, problems } = await detectAndRead(
      layoutFolder({
        'a.jpg': null,
        'names.csv': { text: 'LabelName,DisplayName\n/m/0bt9lr,Dog\n' },
        'boxes.csv': { text: '\ufeffImageId;LabelName;XMin;XMax;YMin;YMax\na;/m/0bt9lr;0,25;0,5;,5;1\n' },
      }),
    );
    expect(problems).toEqual([]);
    expect(sources[0].entries.map((entry) => [entry.image, entry.category, entry.box])).toEqual([
      ['a.jpg', 'Dog', [0.25, 0.5, 0.25, 0.5]],
    ]);
  });

  it('makes a file with scores a prediction run', async () => {
    const { plans, sources } = await detectAndRead(
      layoutFolder({
        'a.jpg': null,
        'detections.csv': {
          text: `ImageID,LabelName,Confidence,XMin,XMax,YMin,YMax\na.jpg,cat,0.87,0,0.5,0,0.5\na.jpg,cat,1,0,1,0,1\n`,
        },
      }),
    );
    expect(plans[0].role).toBe('predictions');
    expect(sources[0].entries.map((entry) => entry.score)).toEqual([0.87, 1]);
  });

  it('reports bad rows by file, line and column, and loads the rest', async () => {
    const { sources, problems } = await detectAndRead(
      layoutFolder({
        'a.jpg': null,
        'boxes.csv': {
          text: [
            'ImageID,LabelName,Confidence,XMin,XMax,YMin,YMax',
            'a.jpg,cat,,0.1,0.2,0.1,0.2',
            'a.jpg,cat,,0.1,wide,0.1,0.2',
            'a.jpg,,,0.1,0.2,0.1,0.2',
            'a.jpg,cat,,0.3,0.2,0.1,0.2',
            '',
            'a.jpg,cat,,0.1,0.2,0.1',
            'a.jpg,cat,,0.1,0.2,0.1,0.5',
          ].join('\n'),
        },
        'broken.csv': { text: 'ImageID,LabelName,XMin,XMax,YMin,YMax\n' },
      }),
    );
    expect(sources[0].entries.map((entry) => entry.line)).toEqual([2, 8]);
    expect(problems.map((problem) => [problem.file, problem.line, problem.field])).toEqual([
      ['boxes.csv', 3, 'XMax'],
      ['boxes.csv', 4, 'LabelName'],
      ['boxes.csv', 5, undefined],
      ['boxes.csv', 7, 'YMax'],
    ]);
    expect(problems[0].message).toBe(
      'boxes.csv: line 3: XMax: expected a number (a fraction of the image size, e.g. 0.358 or "0,358"), got "wide"',
    );
  });

  it('reports a box file that lost a column', async () => {
    const folder = layoutFolder({
      'a.jpg': null,
      'boxes.csv': { text: 'ImageID,LabelName,XMin,XMax,YMin\n' },
    });
    const problems = new ProblemList();
    const plan = {
      format: 'openimages' as const,
      role: 'groundTruth' as const,
      name: 'boxes',
      files: ['boxes.csv'],
      description: '',
      enabled: true,
    };
    expect((await openImagesFormat.read(plan, folder, problems)).entries).toEqual([]);
    expect(problems.toArray().map((problem) => [problem.file, problem.line, problem.expected])).toEqual([
      ['boxes.csv', 1, 'columns ImageID, LabelName, XMin, XMax, YMin, YMax (missing YMax)'],
    ]);
  });

  it('claims only CSVs with the box columns', async () => {
    const { plans } = await detectAndRead(
      layoutFolder({
        'labels.csv': { text: 'ImageID,Source,LabelName,Confidence\nx,verification,/m/01g317,1\n' },
        'other.csv': { text: 'a,b\n1,2\n' },
      }),
    );
    expect(plans).toEqual([]);
  });
});
