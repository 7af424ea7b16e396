/**
 * `importFolder` on the shared reference cases, laid out as a user would open them. Expected values
 * come from each case's `expected.json` / `facts.json`, or from the raw JSON joined by hand here.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/lib/core/dataset';
import { importFolder, type ImportPlan } from '../../../src/lib/core/importPlan';
import { layoutOf, readCaseJson, referenceCase, VirtualFolder } from './referenceCases';

interface CocoJson {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: number[]; score?: number }[];
  categories: { id: number; name: string }[];
}
type CocoResult = { image_id: number; category_id: number; bbox: number[]; score: number };

/** Ground-truth box count per category name, counted the plain way. */
function countPerClass(dataset: Dataset): Record<string, number> {
  const names = new Map(dataset.categories.map((category) => [category.id, category.name]));
  const counts: Record<string, number> = {};
  for (const box of dataset.groundTruth) {
    const name = names.get(box.categoryId)!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Files of the enabled ground-truth sources. */
function groundTruthOf(plan: ImportPlan): string[] {
  return plan.sources
    .filter((source) => source.enabled && source.role === 'groundTruth')
    .flatMap((source) => source.files);
}

/** Name and file of each planned prediction run. */
function runsOf(plan: ImportPlan): { name: string; file: string }[] {
  return plan.sources
    .filter((source) => source.role === 'predictions')
    .map((source) => ({ name: source.name, file: source.files[0] }));
}

function categoryName(dataset: Dataset, id: number): string | undefined {
  return dataset.categories.find((category) => category.id === id)?.name;
}

const voc = referenceCase('voc2007_100img_multiformat');

describe.skipIf(!voc)('voc2007_100img_multiformat', () => {
  const folder = voc!;
  const expected = () =>
    readCaseJson<{ gt_box_count_per_class: Record<string, number> }>(folder, 'expected.json')
      .gt_box_count_per_class;
  const open = (groundTruth: string) =>
    new VirtualFolder({
      ...layoutOf(join(folder, 'images'), 'images'),
      'annotations/instances.json': join(folder, groundTruth),
      'predictions/coco_dets.json': join(folder, 'dets/coco_format/coco_dets.json'),
    });

  it('loads COCO v2 ground truth and COCO detections with their own ids, joined by name', async () => {
    const folder = open('gts/coco_format_v2/instances_v2.json');
    const { dataset, problems, plan } = await importFolder(folder.reader());

    expect(problems).toEqual([]);
    expect(plan.sources).toMatchObject([
      { role: 'groundTruth', files: ['annotations/instances.json'], enabled: true },
      { role: 'predictions', name: 'coco_dets', files: ['predictions/coco_dets.json'], enabled: true },
    ]);
    expect(plan.sources).toHaveLength(2);
    expect(dataset.images).toHaveLength(100);
    expect(dataset.images.every((image) => image.width > 0 && image.height > 0)).toBe(true);
    expect(dataset.groundTruth).toHaveLength(273);
    expect(countPerClass(dataset)).toEqual(expected());
    expect(dataset.runs).toHaveLength(1);
    expect(dataset.runs[0].predictions).toHaveLength(452);
  });

  it('joins every detection to the image and class its own file names', async () => {
    const virtual = open('gts/coco_format_v2/instances_v2.json');
    const { dataset } = await importFolder(virtual.reader());
    const raw = readCaseJson<CocoJson>(folder, 'dets/coco_format/coco_dets.json');
    const fileNames = new Map(raw.images.map((image) => [image.id, image.file_name]));
    const classNames = new Map(raw.categories.map((category) => [category.id, category.name]));

    const joined = dataset.runs[0].predictions.map((prediction) => ({
      file: dataset.images[prediction.imageIndex].path,
      name: categoryName(dataset, prediction.categoryId),
      box: prediction.box,
      score: prediction.score,
    }));
    const byHand = raw.annotations.map((detection) => ({
      file: `images/${fileNames.get(detection.image_id)}`,
      name: classNames.get(detection.category_id),
      box: detection.bbox,
      score: detection.score,
    }));
    expect(joined).toEqual(byHand);
  });

  it('places hand-checked boxes on the right image and class', async () => {
    const folder = open('gts/coco_format_v2/instances_v2.json');
    const { dataset } = await importFolder(folder.reader());
    const predictions = dataset.runs[0].predictions;
    const describe = (box: { imageIndex: number; categoryId: number; box?: number[] }) => ({
      path: dataset.images[box.imageIndex].path,
      name: categoryName(dataset, box.categoryId),
      box: box.box,
    });

    // annotations[0] and [451] of coco_dets.json: image ids 0 and 97, category ids 0 and 16.
    expect(describe(predictions[0])).toEqual({
      path: 'images/2007_000027.jpg',
      name: 'person',
      box: [162, 96, 189, 245],
    });
    expect(predictions[0].score).toBe(0.4314181593105666);
    expect(describe(predictions[451])).toEqual({
      path: 'images/2007_001585.jpg',
      name: 'sofa',
      box: [66, 183, 289, 69],
    });
    // instances_v2.json annotations[0] (image 20180000001) and [272] (image 20180000100, category 10).
    expect(describe(dataset.groundTruth[0])).toEqual({
      path: 'images/2007_000027.jpg',
      name: 'person',
      box: [174, 101, 175, 250],
    });
    expect(describe(dataset.groundTruth[272])).toEqual({
      path: 'images/2007_001585.jpg',
      name: 'bottle',
      box: [58, 158, 14, 33],
    });
    expect(dataset.groundTruth[272].sourceId).toBe(273);
    const image = dataset.images.find((candidate) => candidate.path === 'images/2007_000027.jpg')!;
    expect([image.width, image.height, image.meta.cocoImageId]).toEqual([486, 500, 20180000001]);
  });

  it('gives the same per-class counts from COCO v1, whose ids differ', async () => {
    const folder = open('gts/coco_format_v1/instances_default.json');
    const { dataset, problems } = await importFolder(folder.reader());

    expect(problems).toEqual([]);
    expect(dataset.groundTruth).toHaveLength(273);
    expect(countPerClass(dataset)).toEqual(expected());
    expect(dataset.runs[0].predictions).toHaveLength(452);
  });

  it('agrees with the case authors’ remapping of the detections to v1 ids (a bare results list)', async () => {
    const real = (path: string) => join(folder, path);
    const withOwnIds = new VirtualFolder({
      ...layoutOf(real('images'), 'images'),
      'gt.json': real('gts/coco_format_v1/instances_default.json'),
      'dets.json': real('dets/coco_format/coco_dets.json'),
    });
    const remapped = new VirtualFolder({
      ...layoutOf(real('images'), 'images'),
      'gt.json': real('gts/coco_format_v1/instances_default.json'),
      'dets.json': real('derived/coco_dets_remapped_to_v1_ids.json'),
    });

    const a = await importFolder(withOwnIds.reader());
    const b = await importFolder(remapped.reader());
    expect(b.problems).toEqual([]);
    expect(b.dataset.runs[0].predictions).toHaveLength(452);
    expect(a.dataset.runs[0].predictions).toEqual(b.dataset.runs[0].predictions);
  });
});

const cocoVal = referenceCase('coco_val2014_100img_bbox');

describe.skipIf(!cocoVal)('coco_val2014_100img_bbox', () => {
  it('loads 830 boxes over 80 categories and 734 detections with the expected per-class counts', async () => {
    const folder = cocoVal!;
    const gt = readCaseJson<CocoJson>(folder, 'gt.json');
    const expected = readCaseJson<{
      per_class: Record<string, { num_gt_incl_crowd: number; num_dt: number }>;
    }>(folder, 'expected.json');
    // The case ships no pictures: list them so the folder looks like the one the files describe.
    const pictures = Object.fromEntries(gt.images.map((image) => [`val2014/${image.file_name}`, null]));
    const virtual = new VirtualFolder({
      ...pictures,
      'annotations/gt.json': join(folder, 'gt.json'),
      'results/detections.json': join(folder, 'detections.json'),
    });

    const { dataset, problems, plan } = await importFolder(virtual.reader());
    expect(problems).toEqual([]);
    expect(runsOf(plan)).toEqual([{ name: 'detections', file: 'results/detections.json' }]);
    expect(dataset.images).toHaveLength(100);
    expect(dataset.categories).toHaveLength(80);
    expect(dataset.groundTruth).toHaveLength(830);
    expect(dataset.runs[0].predictions).toHaveLength(734);

    const perClass: Record<string, { num_gt_incl_crowd: number; num_dt: number }> = {};
    for (const category of dataset.categories) perClass[category.id] = { num_gt_incl_crowd: 0, num_dt: 0 };
    for (const box of dataset.groundTruth) perClass[box.categoryId].num_gt_incl_crowd++;
    for (const box of dataset.runs[0].predictions) perClass[box.categoryId].num_dt++;
    const wanted = Object.fromEntries(
      Object.entries(expected.per_class).map(([id, row]) => [
        id,
        { num_gt_incl_crowd: row.num_gt_incl_crowd, num_dt: row.num_dt },
      ]),
    );
    expect(perClass).toEqual(wanted);

    // detections.json[0] by hand: image_id 42 is COCO_val2014_000000000042.jpg, category 18 is "dog".
    const first = dataset.runs[0].predictions[0];
    expect(dataset.images[first.imageIndex].path).toBe('val2014/COCO_val2014_000000000042.jpg');
    expect(categoryName(dataset, first.categoryId)).toBe('dog');
    expect([first.box, first.score]).toEqual([[258.15, 41.29, 348.26, 243.78], 0.236]);
  });
});

const torchmetrics = referenceCase('coco_torchmetrics_small');

describe.skipIf(!torchmetrics)('coco_torchmetrics_small', () => {
  async function openPair(subcase: string) {
    const folder = join(torchmetrics!, subcase);
    const gt = readCaseJson<CocoJson>(folder, 'gt.json');
    const detections = readCaseJson<CocoResult[]>(folder, 'detections.json');
    const pictures = Object.fromEntries(gt.images.map((image) => [image.file_name, null]));
    const virtual = new VirtualFolder({
      ...pictures,
      'gt.json': join(folder, 'gt.json'),
      'detections.json': join(folder, 'detections.json'),
    });
    return { gt, detections, ...(await importFolder(virtual.reader())) };
  }

  it.each(['inputs1_4images', 'inputs2_image_without_gt', 'single_box_iou_0.7755'])(
    '%s loads every box, with category id 0 as an ordinary id',
    async (subcase) => {
      const { gt, detections, dataset, problems, plan } = await openPair(subcase);

      expect(problems).toEqual([]);
      // gt.json holds annotations without scores, detections.json a bare list.
      expect(groundTruthOf(plan)).toEqual(['gt.json']);
      expect(runsOf(plan)).toEqual([{ name: 'detections', file: 'detections.json' }]);
      expect(dataset.images).toHaveLength(gt.images.length);
      expect(dataset.categories).toEqual(gt.categories.map(({ id, name }) => ({ id, name })));
      expect(dataset.groundTruth.map((box) => box.box)).toEqual(gt.annotations.map((box) => box.bbox));
      expect(dataset.runs[0].predictions.map((box) => [box.categoryId, box.score])).toEqual(
        detections.map((box) => [box.category_id, box.score]),
      );
      expect(dataset.images.every((image) => image.width === 1000 && image.height === 1000)).toBe(true);
    },
  );

  it('keeps an image that has detections but no ground truth', async () => {
    const { dataset } = await openPair('inputs2_image_without_gt');
    const withGroundTruth = new Set(dataset.groundTruth.map((box) => dataset.images[box.imageIndex].path));
    const withPredictions = new Set(
      dataset.runs[0].predictions.map((box) => dataset.images[box.imageIndex].path),
    );
    expect([...withGroundTruth]).toEqual(['1.jpg']);
    expect([...withPredictions].sort()).toEqual(['1.jpg', '2.jpg']);
  });
});

const toyCat = referenceCase('voc_toy_cat');

describe.skipIf(!toyCat)(
  'voc_toy_cat (ids 0, an upper-case .JSON extension, images without annotations)',
  () => {
    it('keeps annotation id 0, image id 0 and category id 0', async () => {
      const folder = toyCat!;
      const virtual = new VirtualFolder({
        ...layoutOf(join(folder, 'images'), 'images'),
        'gts_coco_format/toy_example_coco.JSON': join(folder, 'gts_coco_format/toy_example_coco.JSON'),
        'dets_coco_format/coco_dets.json': join(folder, 'dets_coco_format/coco_dets.json'),
      });
      const { dataset, problems, plan } = await importFolder(virtual.reader());

      expect(problems).toEqual([]);
      expect(groundTruthOf(plan)).toEqual(['gts_coco_format/toy_example_coco.JSON']);
      // 12 pictures in images/, 10 of them listed in the ground truth: all 12 are part of the dataset.
      expect(dataset.images).toHaveLength(12);
      expect(dataset.categories).toEqual([{ id: 0, name: 'cat' }]);
      expect(dataset.groundTruth).toHaveLength(12);
      expect(dataset.runs[0].predictions).toHaveLength(12);
      // annotations[0]: id 0 on image 0 (2007_000549.jpg), bbox [1, 49, 340, 450].
      expect(dataset.groundTruth[0]).toMatchObject({ sourceId: 0, categoryId: 0, box: [1, 49, 340, 450] });
      expect(dataset.images[dataset.groundTruth[0].imageIndex].path).toBe('images/2007_000549.jpg');
    });
  },
);

const edges = referenceCase('format_edge_assets');

describe.skipIf(!edges)('format_edge_assets: datumaro coco_instances', () => {
  const folder = () => join(edges!, 'datumaro/coco_instances');
  const facts = () =>
    readCaseJson<Record<string, unknown>>(edges!, 'facts.json') as {
      'datumaro/coco_instances/annotations/instances_val.json (pycocotools annToMask)': {
        id: number;
        category_id: number;
        iscrowd: number;
        bbox: number[];
      }[];
      'image pixel sizes (PIL)': Record<string, [number, number]>;
      crowd_rle_toBbox_pycocotools: number[];
    };

  it('loads the val split: non-contiguous category ids, a crowd region, image sizes', async () => {
    const virtual = new VirtualFolder({
      ...layoutOf(join(folder(), 'images'), 'images'),
      'annotations/instances_val.json': join(folder(), 'annotations/instances_val.json'),
    });
    const { dataset, problems, plan } = await importFolder(virtual.reader());
    const fact = facts()['datumaro/coco_instances/annotations/instances_val.json (pycocotools annToMask)'];

    expect(groundTruthOf(plan)).toEqual(['annotations/instances_val.json']);
    expect(dataset.categories.map((category) => category.id)).toEqual([1, 2, 4]);
    expect(dataset.images.map((image) => image.path)).toEqual(['images/train/a.jpg', 'images/val/b.jpg']);
    expect(
      dataset.groundTruth.map((box) => ({
        id: box.sourceId,
        category_id: box.categoryId,
        iscrowd: box.crowd ? 1 : 0,
        bbox: box.box,
      })),
    ).toEqual(fact.map(({ id, category_id, iscrowd, bbox }) => ({ id, category_id, iscrowd, bbox })));

    // PIL reports (width, height); b.jpg is 5 wide and 10 high.
    const [width, height] = facts()['image pixel sizes (PIL)']['datumaro/coco_instances/images/val/b.jpg'];
    const b = dataset.images[1];
    expect([b.width, b.height]).toEqual([width, height]);

    // The stored crowd bbox [0,0,1,9] is kept (COCO evaluation uses it) but disagrees with its mask.
    expect(problems).toHaveLength(1);
    expect(problems[0].severity).toBe('warning');
    expect(problems[0].field).toBe('annotations[1].bbox');
    expect(problems[0].value).toEqual({ bbox: [0, 0, 1, 9], mask: facts().crowd_rle_toBbox_pycocotools });
  });

  it('loads the train and val splits together, train first', async () => {
    const virtual = new VirtualFolder(layoutOf(folder(), ''));
    const { dataset, problems, plan } = await importFolder(virtual.reader());
    const fact = facts()['datumaro/coco_instances/annotations/instances_val.json (pycocotools annToMask)'];

    // Two files of one dataset, one per split: one ground truth, both on.
    expect(groundTruthOf(plan)).toEqual([
      'annotations/instances_train.json',
      'annotations/instances_val.json',
    ]);
    expect(plan.sources.filter((source) => !source.enabled)).toEqual([]);
    // Only the val split's crowd bbox that disagrees with its mask (see the test above).
    expect(problems.map((problem) => [problem.file, problem.field, problem.severity])).toEqual([
      ['annotations/instances_val.json', 'annotations[1].bbox', 'warning'],
    ]);
    // instances_train.json: one box, category 2 ("b"), bbox [2, 2, 3, 1] on a.jpg (10 x 5); then val's.
    const b = dataset.images.findIndex((image) => image.path === 'images/val/b.jpg');
    expect(dataset.groundTruth).toEqual([
      { index: 0, imageIndex: 0, categoryId: 2, box: [2, 2, 3, 1], crowd: false, sourceId: 1 },
      ...fact.map(({ id, category_id, iscrowd, bbox }, i) => ({
        index: i + 1,
        imageIndex: b,
        categoryId: category_id,
        box: bbox,
        crowd: iscrowd === 1,
        sourceId: id,
      })),
    ]);
    expect([dataset.images[0].width, dataset.images[0].height]).toEqual([10, 5]);
  });
});
