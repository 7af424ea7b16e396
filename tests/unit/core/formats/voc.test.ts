/**
 * Pascal VOC XML on the shared reference cases (boxes compared one by one with the same dataset's
 * COCO export) and on small files written here for each mistake a user's files can hold.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vocFormat } from '../../../../src/lib/core/formats/voc';
import type { FolderReader, SourcePlan } from '../../../../src/lib/core/formats/types';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf, readCaseJson, referenceCase } from '../referenceCases';
import {
  cocoBoxes,
  countsByClass,
  parsedBoxes,
  testFolder,
  unmatchedBoxes,
  type TestFile,
} from './xmlFolders';

/** Detects and reads the folder's only VOC source. */
async function readOnlySource(folder: FolderReader) {
  const problems = new ProblemList();
  const plans = await vocFormat.detect(folder, problems);
  expect(plans).toHaveLength(1);
  const parsed = await vocFormat.read(plans[0], folder, problems);
  return { plan: plans[0], parsed, problems: problems.toArray() };
}

/** A VOC file with the given objects' inner XML. */
function vocXml(
  filename: string,
  objects: string[],
  size = '<size><width>100</width><height>50</height></size>',
) {
  const body = objects.map((object) => `  <object>${object}</object>`).join('\n');
  return `<annotation>\n  <filename>${filename}</filename>\n  ${size}\n${body}\n</annotation>\n`;
}

function box(xmin: string | number, ymin: string | number, xmax: string | number, ymax: string | number) {
  return `<bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox>`;
}

const multiformat = referenceCase('voc2007_100img_multiformat');

describe.skipIf(!multiformat)('voc2007_100img_multiformat', () => {
  const root = multiformat!;
  const expected = () =>
    readCaseJson<{
      gt_box_count_per_class: Record<string, number>;
      voc_difficult_boxes: number;
      voc_truncated_boxes: number;
    }>(root, 'expected.json');
  const coco = () => cocoBoxes(join(root, 'gts/coco_format_v2/instances_v2.json'));
  const images = () => layoutOf(join(root, 'images'), 'images');

  it('reads pascalvoc_format as the 273 boxes of the COCO export, 38 difficult and 137 truncated', async () => {
    const folder = testFolder({
      ...images(),
      ...layoutOf(join(root, 'gts/pascalvoc_format'), 'Annotations'),
    });
    const { plan, parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(plan).toMatchObject({ format: 'voc', role: 'groundTruth', enabled: true });
    expect(plan.files).toHaveLength(100);
    expect(plan.description).toBe('Pascal VOC XML in Annotations/ (100 files)');

    expect(parsed.entries).toHaveLength(273);
    expect(countsByClass(parsed)).toEqual(expected().gt_box_count_per_class);
    expect(parsed.entries.filter((entry) => entry.difficult)).toHaveLength(expected().voc_difficult_boxes);
    expect(parsed.entries.filter((entry) => entry.truncated)).toHaveLength(expected().voc_truncated_boxes);
    expect(unmatchedBoxes(parsedBoxes(parsed), coco().boxes)).toEqual({ actual: [], expected: [] });

    const sizes = coco().sizes;
    expect(parsed.images).toHaveLength(100);
    for (const image of parsed.images) expect([image.width, image.height]).toEqual(sizes.get(image.name));
  });

  it('reads the Datumaro VOC export (imagenet_format) as the same boxes, classes in its labelmap order', async () => {
    const folder = testFolder({ ...images(), ...layoutOf(join(root, 'gts/imagenet_format'), '') });
    const { plan, parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(plan.options).toEqual({ labelMap: 'labelmap.txt' });
    expect(parsed.entries).toHaveLength(273);
    expect(countsByClass(parsed)).toEqual(expected().gt_box_count_per_class);
    expect(unmatchedBoxes(parsedBoxes(parsed), coco().boxes)).toEqual({ actual: [], expected: [] });

    // labelmap.txt lists `background` first, then person, cat, boat, car, ... (no class of its own).
    expect(parsed.categories.slice(0, 4).map((category) => category.name)).toEqual([
      'person',
      'cat',
      'boat',
      'car',
    ]);
    expect(parsed.categories).toHaveLength(20);

    // Datumaro writes <occluded> but neither <difficult> nor <truncated>: none can be set.
    expect(parsed.entries.some((entry) => entry.difficult || entry.truncated)).toBe(false);
  });
});

const toyCat = referenceCase('voc_toy_cat');

describe.skipIf(!toyCat)('voc_toy_cat', () => {
  it('reads the 12 cat boxes of the COCO export of the same files', async () => {
    const root = toyCat!;
    const folder = testFolder({
      ...layoutOf(join(root, 'images'), 'images'),
      ...layoutOf(join(root, 'gts_vocpascal_format'), 'gts_vocpascal_format'),
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.categories).toEqual([{ name: 'cat' }]);
    const { boxes } = cocoBoxes(join(root, 'gts_coco_format/toy_example_coco.JSON'));
    expect(boxes).toHaveLength(12);
    expect(unmatchedBoxes(parsedBoxes(parsed), boxes)).toEqual({ actual: [], expected: [] });
  });
});

const cartucho = referenceCase('cartucho_voc_sample');

describe.skipIf(!cartucho)('cartucho_voc_sample', () => {
  it('claims nothing: its VOC boxes are text files, not XML', async () => {
    const folder = testFolder(layoutOf(cartucho!, ''));
    expect(await vocFormat.detect(folder, new ProblemList())).toEqual([]);
  });
});

const edges = referenceCase('format_edge_assets');

describe.skipIf(!edges)('format_edge_assets', () => {
  const root = () => edges!;

  it('reads objects but not their <part> boxes, and flags only what the file sets', async () => {
    const folder = testFolder({
      'voc/Annotations/2007_000001.xml': join(root(), 'datumaro/voc_dataset1_Annotations/2007_000001.xml'),
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.images).toEqual([{ name: '2007_000001.jpg', width: 20, height: 10, field: 'filename' }]);
    expect(
      parsed.entries.map(({ category, box, difficult, truncated, field }) => ({
        category,
        box,
        difficult,
        truncated,
        field,
      })),
    ).toEqual([
      { category: 'cat', box: [1, 2, 2, 2], difficult: undefined, truncated: true, field: 'object[0]' },
      {
        category: 'person',
        box: [4, 5, 2, 2],
        difficult: undefined,
        truncated: undefined,
        field: 'object[1]',
      },
    ]);
    expect(parsed.categories.map((category) => category.name)).toEqual(['cat', 'person']);
  });

  it('leaves the size unknown when <size> is missing, and reads a file without objects', async () => {
    const folder = testFolder({
      '@.jpg': null,
      'voc/@.xml': join(root(), 'datumaro/voc_dataset2_at_sign_no_size.xml'),
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.images).toEqual([{ name: '@.jpg', field: 'filename' }]);
    expect(parsed.entries).toEqual([]);
  });

  it('keeps labelme2voc float coordinates verbatim and reads empty <difficult/> as not difficult', async () => {
    const folder = testFolder(layoutOf(join(root(), 'labelme/bbox_labelme2voc_export_xml'), 'xml'));
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    const first = parsed.entries.find((entry) => entry.image === '2011_000003.jpg')!;
    expect(first.box![0]).toBe(191);
    expect(first.box![1]).toBe(107.36900369003689);
    expect(first.box![2]).toBe(313 - 191);
    expect(first.box![3]).toBe(329.36900369003695 - 107.36900369003689);
    expect(parsed.entries.some((entry) => entry.difficult || entry.truncated)).toBe(false);
  });

  it('finds the one VOC file among CVAT files in a mixed folder', async () => {
    const layout: Record<string, TestFile> = layoutOf(join(root(), 'datumaro'), 'datumaro');
    const plans = await vocFormat.detect(testFolder(layout), new ProblemList());

    expect(plans.map((plan: SourcePlan) => [plan.name, plan.files])).toEqual([
      ['datumaro', ['datumaro/voc_dataset2_at_sign_no_size.xml']],
      ['voc_dataset1_Annotations', ['datumaro/voc_dataset1_Annotations/2007_000001.xml']],
    ]);
  });
});

describe('vocFormat on broken files', () => {
  it('reports a truncated file once, naming it and the line, and still reads the others', async () => {
    const whole = vocXml('a.jpg', [`<name>cat</name>${box(1, 2, 3, 4)}`]);
    const folder = testFolder({
      'Annotations/a.xml': { text: whole },
      'Annotations/b.xml': { text: whole.replace('a.jpg', 'b.jpg').slice(0, 120) },
      'Annotations/c.xml': { text: whole.replace('a.jpg', 'c.jpg') },
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(parsed.images.map((image) => image.name)).toEqual(['a.jpg', 'c.jpg']);
    expect(parsed.entries).toHaveLength(2);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      name: 'DataError',
      file: 'Annotations/b.xml',
      expected: 'well-formed XML',
    });
    expect(problems[0].line).toBeGreaterThan(0);
    expect(problems[0].message).toContain('Annotations/b.xml: line');
  });

  it('reports a missing name, a non-numeric coordinate and a max below its min by file and field', async () => {
    const text = vocXml('a.jpg', [
      `<name>dog</name>${box(1, 1, 5, 5)}`,
      `${box(1, 1, 5, 5)}`,
      `<name>cat</name>${box(1, 'abc', 5, 5)}`,
      `<name>cat</name>${box(10, 1, 5, 5)}`,
      `<name>cat</name>${box(1, 9, 5, 5)}`,
      `<name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax/><ymax>5</ymax></bndbox>`,
      `<name>cat</name>`,
      `<name>cat</name>${box(2, 3, 2.5, 3)}`,
    ]);
    const { parsed, problems } = await readOnlySource(testFolder({ 'a.jpg': null, 'ann/a.xml': { text } }));

    expect(parsed.entries.map((entry) => [entry.field, entry.box])).toEqual([
      ['object[0]', [1, 1, 4, 4]],
      ['object[7]', [2, 3, 0.5, 0]],
    ]);
    expect(problems.map(({ file, field, value, expected }) => ({ file, field, value, expected }))).toEqual([
      { file: 'ann/a.xml', field: 'object[1].name', value: undefined, expected: 'a class name' },
      { file: 'ann/a.xml', field: 'object[2].bndbox.ymin', value: 'abc', expected: 'a number of pixels' },
      {
        file: 'ann/a.xml',
        field: 'object[3].bndbox.xmax',
        value: { xmin: 10, xmax: 5 },
        expected: 'xmax >= xmin',
      },
      {
        file: 'ann/a.xml',
        field: 'object[4].bndbox.ymax',
        value: { ymin: 9, ymax: 5 },
        expected: 'ymax >= ymin',
      },
      { file: 'ann/a.xml', field: 'object[5].bndbox.xmax', value: '', expected: 'a number of pixels' },
      {
        file: 'ann/a.xml',
        field: 'object[6].bndbox',
        value: undefined,
        expected: 'a <bndbox> with xmin, ymin, xmax and ymax',
      },
    ]);

    // Lines point at the element: object[1] starts on line 5 of the file written above.
    expect(problems[0].line).toBe(5);
    expect(problems[0].message).toBe('ann/a.xml: line 5: object[1].name: expected a class name');
  });

  it('names the image after the XML file when <filename> is missing, or after <filename> without extension', async () => {
    const folder = testFolder({
      'JPEGImages/n01440764_10026.JPEG': null,
      'JPEGImages/2008_000002.png': null,
      'Annotations/2008_000002.xml': {
        text: vocXml('', [`<name>cat</name>${box(1, 1, 2, 2)}`]).replace('<filename></filename>', ''),
      },
      'Annotations/n01440764_10026.xml': {
        text: vocXml('n01440764_10026', [`<name>fish</name>${box(1, 1, 2, 2)}`]),
      },
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.images.map((image) => image.name)).toEqual([
      'JPEGImages/2008_000002.png',
      'JPEGImages/n01440764_10026.JPEG',
    ]);
  });

  it('leaves a zero <size> unknown and warns about a non-numeric one', async () => {
    const folder = testFolder({
      'a.xml': { text: vocXml('a.jpg', [], '<size><width>0</width><height>0</height></size>') },
      'b.xml': { text: vocXml('b.jpg', [], '<size><width>wide</width><height>5</height></size>') },
    });
    const { parsed, problems } = await readOnlySource(folder);

    expect(parsed.images.map((image) => [image.width, image.height])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(problems.map(({ file, field, severity }) => [file, field, severity])).toEqual([
      ['b.xml', 'size.width', 'warning'],
    ]);
  });

  it('plans a folder whose objects carry scores as predictions, and reads the scores', async () => {
    const folder = testFolder({
      'a.jpg': null,
      'gt/a.xml': { text: vocXml('a.jpg', [`<name>cat</name>${box(1, 1, 5, 5)}`]) },
      'detections/a.xml': {
        text: vocXml('a.jpg', [
          `<name>cat</name><score>0.75</score>${box(1, 1, 5, 5)}`,
          `<name>dog</name><confidence>0.5</confidence>${box(2, 2, 5, 5)}`,
          `<name>dog</name><score>75</score>${box(2, 2, 5, 5)}`,
        ]),
      },
    });
    const problems = new ProblemList();
    const plans = await vocFormat.detect(folder, problems);

    expect(plans.map((plan) => [plan.name, plan.role])).toEqual([
      ['detections', 'predictions'],
      ['gt', 'groundTruth'],
    ]);
    const parsed = await vocFormat.read(plans[0], folder, problems);
    expect(parsed.entries.map((entry) => [entry.category, entry.score])).toEqual([
      ['cat', 0.75],
      ['dog', 0.5],
    ]);
    expect(problems.toArray().map(({ field, value }) => [field, value])).toEqual([['object[2].score', '75']]);
  });

  it('warns about an XML file that is not a VOC annotation, and reads the rest', async () => {
    const voc = vocXml('a.jpg', [`<name>cat</name>${box(1, 1, 5, 5)}`]);
    const folder = testFolder({
      'ann/a.xml': { text: voc },
      'ann/b.xml': { text: '<?xml version="1.0"?>\n<config><x>1</x></config>' },
      'ann/c.xml': { text: voc.replace('a.jpg', 'c.jpg') },
    });
    const problems = new ProblemList();
    const [plan] = await vocFormat.detect(folder, problems);
    const parsed = await vocFormat.read(plan, folder, problems);

    // The first and last files are VOC, so the folder is taken whole; the odd one out shows on reading.
    expect(plan.files).toEqual(['ann/a.xml', 'ann/b.xml', 'ann/c.xml']);
    expect(parsed.entries).toHaveLength(2);
    expect(problems.toArray().map(({ file, value, severity }) => [file, value, severity])).toEqual([
      ['ann/b.xml', '<config>', 'warning'],
    ]);
  });
});
