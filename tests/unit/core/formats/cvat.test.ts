/**
 * CVAT for images XML on the shared reference cases (boxes compared one by one with the same
 * dataset's COCO export; datumaro's task and project exports) and on small files written here.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyDataset } from '../../../../src/lib/core/dataset';
import { cvatFormat } from '../../../../src/lib/core/formats/cvat';
import { createJoinContext, joinEntries, joinImages } from '../../../../src/lib/core/formats/join';
import type { FolderReader } from '../../../../src/lib/core/formats/types';
import { ImagePathIndex } from '../../../../src/lib/core/imagePaths';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf, readCaseJson, referenceCase } from '../referenceCases';
import { cocoBoxes, countsByClass, parsedBoxes, testFolder, unmatchedBoxes } from './xmlFolders';

async function readOnlySource(folder: FolderReader) {
  const problems = new ProblemList();
  const plans = await cvatFormat.detect(folder, problems);
  expect(plans).toHaveLength(1);
  const parsed = await cvatFormat.read(plans[0], folder, problems);
  return { plan: plans[0], parsed, problems: problems.toArray() };
}

/** A CVAT for images file declaring `labels`, with the given `<image>` elements. */
function cvatXml(labels: string[], images: string) {
  const declared = labels.map((name) => `<label><name>${name}</name></label>`).join('');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotations>',
    '  <version>1.1</version>',
    `  <meta><task><labels>${declared}</labels></task></meta>`,
    images,
    '</annotations>',
    '',
  ].join('\n');
}

const multiformat = referenceCase('voc2007_100img_multiformat');

describe.skipIf(!multiformat)('voc2007_100img_multiformat cvat_format', () => {
  it('reads the 273 boxes of the COCO export, with the images sizes it states', async () => {
    const root = multiformat!;
    const folder = testFolder({
      ...layoutOf(join(root, 'images'), 'images'),
      'cvat/annotations.xml': join(root, 'gts/cvat_format/annotations.xml'),
    });
    const { plan, parsed, problems } = await readOnlySource(folder);
    const expected = readCaseJson<{ gt_box_count_per_class: Record<string, number> }>(root, 'expected.json');
    const coco = cocoBoxes(join(root, 'gts/coco_format_v2/instances_v2.json'));

    expect(problems).toEqual([]);
    expect(plan).toMatchObject({ format: 'cvat', role: 'groundTruth', files: ['cvat/annotations.xml'] });
    expect(parsed.entries).toHaveLength(273);
    expect(countsByClass(parsed)).toEqual(expected.gt_box_count_per_class);
    expect(unmatchedBoxes(parsedBoxes(parsed), coco.boxes)).toEqual({ actual: [], expected: [] });
    expect(parsed.categories).toHaveLength(20);
    expect(parsed.categories[0]).toEqual({ name: 'person' });

    expect(parsed.images).toHaveLength(100);
    for (const image of parsed.images)
      expect([image.width, image.height]).toEqual(coco.sizes.get(image.name));

    // CVAT has no difficult or truncated flags (this export has no attributes at all).
    expect(parsed.entries.some((entry) => entry.difficult || entry.truncated)).toBe(false);
  });
});

const edges = referenceCase('format_edge_assets');

describe.skipIf(!edges)('format_edge_assets cvat', () => {
  const file = (name: string) => join(edges!, 'datumaro', name);

  it('reports shapes with an empty label, keeps a declared label without shapes, and bounds point shapes', async () => {
    const folder = testFolder({ 'annotations.xml': file('cvat_export_task_train.xml') });
    const { parsed, problems } = await readOnlySource(folder);

    expect(parsed.categories).toEqual([{ name: 'label1' }, { name: 'label2' }]);
    expect(parsed.images).toEqual([
      { name: 'img0.jpg', width: 8, height: 8, field: 'image[0]' },
      { name: 'img1.jpg', width: 10, height: 10, field: 'image[1]' },
    ]);
    expect(parsed.entries.map(({ image, category, box, field }) => [image, category, box, field])).toEqual([
      ['img0.jpg', 'label1', [0, 2, 4, 2], 'image[0].box[0]'],
      ['img1.jpg', 'label2', [1, 2, 4, 4], 'image[1].points[0]'],
    ]);
    expect(problems.map(({ field, line, expected }) => [field, line, expected])).toEqual([
      ['image[0].polyline[0].label', 50, 'a label name'],
      ['image[1].polygon[0].label', 53, 'a label name'],
    ]);
  });

  it('keeps images of the same name in three subsets apart, with one class per label name', async () => {
    const folder = testFolder({ 'annotations.xml': file('cvat_export_project_annotations.xml') });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.categories).toEqual([{ name: 'label1' }, { name: 'label2' }]);
    expect(parsed.images.map((image) => [image.name, image.meta])).toEqual([
      ['Test/img0.jpg', { subset: 'Test' }],
      ['Test/img1.jpg', { subset: 'Test' }],
      ['Train/img0.jpg', { subset: 'Train' }],
      ['Train/img1.jpg', { subset: 'Train' }],
      ['Validation/img0.jpg', { subset: 'Validation' }],
      ['Validation/img1.jpg', { subset: 'Validation' }],
    ]);

    // polyline 1,2;3,4;5,6;7,8 and polygon 1,2;3,4;6,5 and points 1,2;3,4;5,6, by their extents.
    expect(parsed.entries.slice(0, 4).map(({ category, box }) => [category, box])).toEqual([
      ['label1', [0, 2, 4, 2]],
      ['label2', [1, 2, 6, 6]],
      ['label1', [1, 2, 5, 3]],
      ['label2', [1, 2, 4, 4]],
    ]);
    expect(parsed.entries).toHaveLength(12);

    // Joined to a folder that keeps subsets in folders, each subset's shapes land on its own image.
    const paths = ['Test', 'Train', 'Validation'].flatMap((subset) =>
      [0, 1].map((n) => `images/${subset}/img${n}.jpg`),
    );
    const dataset = emptyDataset();
    dataset.images = paths.map((path, index) => ({ index, path, width: 0, height: 0, meta: {} }));
    const context = createJoinContext(dataset, new ImagePathIndex(paths));
    const [plan] = await cvatFormat.detect(folder, new ProblemList());
    const joinProblems = new ProblemList();
    const joined = await joinImages(context, parsed, plan, joinProblems);
    await joinEntries(context, parsed, plan, joined, joinProblems);

    expect(joinProblems.toArray()).toEqual([]);
    expect(dataset.groundTruth.map((annotation) => annotation.imageIndex)).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
    expect(dataset.images.map((image) => [image.width, image.meta.subset])).toEqual([
      [8, 'Test'],
      [10, 'Test'],
      [8, 'Train'],
      [10, 'Train'],
      [8, 'Validation'],
      [10, 'Validation'],
    ]);
  });

  it('claims CVAT files in a mixed folder and leaves VOC files alone', async () => {
    const plans = await cvatFormat.detect(
      testFolder(layoutOf(join(edges!, 'datumaro'), '')),
      new ProblemList(),
    );
    expect(plans.map((plan) => plan.files)).toEqual([
      ['cvat_export_project_annotations.xml'],
      ['cvat_export_task_train.xml'],
    ]);
  });
});

describe('cvatFormat on other shapes and broken files', () => {
  it('reads tags as image-level classes and every shape kind as its bounding box, in file order', async () => {
    const images = `
  <image id="0" name="a.jpg" width="100" height="50">
    <tag label="indoor"/>
    <ellipse label="ball" cx="10" cy="20" rx="3" ry="4"/>
    <box label="cat" xtl="1.5" ytl="2" xbr="10" ybr="12.25" occluded="1"/>
    <mask label="cat" rle="1, 2" left="5" top="6" width="7" height="8"/>
    <cuboid label="car" xtl1="1" ytl1="2" xtr1="9" ytr1="2" xbl1="1" ybl1="8" xbr1="9" ybr1="8"
            xtl2="3" ytl2="0" xtr2="11" ytr2="0" xbl2="3" ybl2="6" xbr2="11" ybr2="6"/>
    <skeleton label="person">
      <points label="nose" points="4,5"/>
      <points label="foot" points="6,40"/>
      <points label="hand" outside="1" points="90,1"/>
    </skeleton>
    <box label="cat" xtl="1" ytl="1" xbr="3" ybr="3" outside="1"/>
  </image>`;
    const folder = testFolder({ 'annotations.xml': { text: cvatXml(['cat', 'ball'], images) } });
    const { parsed, problems } = await readOnlySource(folder);

    expect(problems).toEqual([]);
    expect(parsed.categories.map((category) => category.name)).toEqual([
      'cat',
      'ball',
      'indoor',
      'car',
      'person',
    ]);
    expect(parsed.entries.map(({ category, box, field, line }) => [category, box, field, line])).toEqual([
      ['indoor', undefined, 'image[0].tag[0]', 7],
      ['ball', [7, 16, 6, 8], 'image[0].ellipse[0]', 8],
      ['cat', [1.5, 2, 8.5, 10.25], 'image[0].box[0]', 9],
      ['cat', [5, 6, 7, 8], 'image[0].mask[0]', 10],
      ['car', [1, 0, 10, 8], 'image[0].cuboid[0]', 11],
      ['person', [4, 5, 2, 35], 'image[0].skeleton[0]', 13],
    ]);
  });

  it('reports bad coordinates by shape and attribute, and a label declared without a name', async () => {
    const images = `
  <image id="0" name="a.jpg" width="100" height="50">
    <box label="cat" xtl="abc" ytl="2" xbr="10" ybr="12"/>
    <box label="cat" xtl="20" ytl="2" xbr="10" ybr="12"/>
    <polygon label="cat" points="1,2;3"/>
    <box label="cat" xtl="1" ytl="2" xbr="10" ybr="12"/>
  </image>
  <image id="1" width="10" height="10"/>`;
    const folder = testFolder({ 'x/annotations.xml': { text: cvatXml(['cat', ''], images) } });
    const { parsed, problems } = await readOnlySource(folder);

    expect(parsed.entries.map((entry) => entry.field)).toEqual(['image[0].box[2]']);
    expect(problems.map(({ file, field, value, expected }) => ({ file, field, value, expected }))).toEqual([
      {
        file: 'x/annotations.xml',
        field: 'meta.task.labels.label[1].name',
        value: '',
        expected: 'a label name',
      },
      {
        file: 'x/annotations.xml',
        field: 'image[0].box[0].xtl',
        value: 'abc',
        expected: 'a number of pixels',
      },
      {
        file: 'x/annotations.xml',
        field: 'image[0].box[1].xbr',
        value: { xtl: 20, xbr: 10 },
        expected: 'xbr >= xtl',
      },
      {
        file: 'x/annotations.xml',
        field: 'image[0].polygon[0].points',
        value: '1,2;3',
        expected: 'points "x1,y1;x2,y2;..."',
      },
      { file: 'x/annotations.xml', field: 'image[1].name', value: '', expected: 'an image file name' },
    ]);
  });

  it('reports a truncated file once with its line, and says that CVAT for video tracks are not read', async () => {
    const whole = cvatXml(
      ['cat'],
      '<image id="0" name="a.jpg" width="4" height="4"><box label="cat" xtl="0" ytl="0" xbr="1" ybr="1"/></image>',
    );
    const video = cvatXml(
      ['cat'],
      '<track id="0" label="cat"><box frame="0" xtl="0" ytl="0" xbr="1" ybr="1" outside="0"/></track>',
    );
    const folder = testFolder({
      'a/annotations.xml': { text: whole.slice(0, whole.length - 20) },
      'b/annotations.xml': { text: whole },
      'c/annotations.xml': { text: video },
    });
    const problems = new ProblemList();
    const plans = await cvatFormat.detect(folder, problems);
    const parsed = await Promise.all(plans.map((plan) => cvatFormat.read(plan, folder, problems)));

    expect(plans.map((plan) => plan.name)).toEqual([
      'a/annotations.xml',
      'b/annotations.xml',
      'c/annotations.xml',
    ]);
    expect(parsed.map((source) => source.entries.length)).toEqual([0, 1, 0]);
    expect(
      problems.toArray().map(({ file, line, field, expected }) => [file, line, field, expected]),
    ).toEqual([
      // The cut falls inside `</image>` on line 5, the line holding the whole image element.
      ['a/annotations.xml', 5, 'column 103', 'well-formed XML'],
      [
        'c/annotations.xml',
        5,
        'track',
        'CVAT for images 1.1 (export the task again in that format to load its boxes)',
      ],
    ]);
  });
});
