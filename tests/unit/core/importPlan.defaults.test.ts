/**
 * What the import plan turns on by default when a reference case folder is opened exactly as it lies
 * on disk (every file, `derived/` included), and what the default import then measures. Expectations
 * come from each case's README line and `expected.json` (its `source` note says which files the
 * reference numbers were computed from): a default that picked another file would not reproduce them.
 */

import { describe, expect, it } from 'vitest';
import { importFolder, type ImportPlan } from '../../../src/lib/core/importPlan';
import { evaluateCoco, COCO_STAT_NAMES } from '../../../src/lib/core/metrics/cocoEval';
import { detectionColumns } from '../../../src/lib/core/metrics/columns';
import { evaluateVoc } from '../../../src/lib/core/metrics/vocAp';
import { layoutOf, readCaseJson, referenceCase, VirtualFolder } from './referenceCases';

/** The folder as a user opens it: every file of the case, at its own relative path. */
function openAsIs(folder: string) {
  return new VirtualFolder(layoutOf(folder, '')).reader();
}

/** Folders (or the file, for one-file sources) of the enabled sources of a role. */
function enabledOf(plan: ImportPlan, role: 'groundTruth' | 'predictions'): string[] {
  return plan.sources
    .filter((source) => source.enabled && source.role === role)
    .map((source) => (source.files.length === 1 ? source.files[0] : source.files[0].replace(/[^/]*$/, '')));
}

function offOf(plan: ImportPlan, role: 'groundTruth' | 'predictions'): string[] {
  return plan.sources
    .filter((source) => !source.enabled && source.role === role)
    .map((source) => (source.files.length === 1 ? source.files[0] : source.files[0].replace(/[^/]*$/, '')));
}

const cartucho = referenceCase('cartucho_voc_sample');

describe.skipIf(!cartucho)('cartucho_voc_sample as it lies on disk', () => {
  // README: "85 VOC images (in images/), 686 GT boxes, 494 detections, class [conf] left top right
  // bottom text"; expected.json: derived/ is "COCO conversion for these cases".
  it('imports ground-truth/ and detection-results/, not their COCO conversions under derived/', async () => {
    const { plan, dataset, problems } = await importFolder(openAsIs(cartucho!));

    expect(enabledOf(plan, 'groundTruth')).toEqual(['ground-truth/']);
    expect(enabledOf(plan, 'predictions')).toEqual(['detection-results/']);
    expect(offOf(plan, 'groundTruth')).toEqual(['derived/coco_gt.json']);
    expect(offOf(plan, 'predictions')).toEqual(['derived/coco_detections.json']);
    // Originals are listed first.
    expect(plan.sources.map((source) => source.files[0].startsWith('derived/'))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(plan.notes).toEqual([
      'Also found 1 other ground truth: derived/coco_gt.json. Not imported: enable it in the plan to add it.',
      'Also found 1 more prediction run: derived/coco_detections.json. Not imported: enable it in the plan to compare it.',
    ]);
    expect(problems.filter((problem) => problem.severity === 'error')).toEqual([]);

    expect(dataset.images).toHaveLength(85);
    expect(dataset.groundTruth).toHaveLength(686);
    expect(dataset.runs.map((run) => [run.name, run.predictions.length])).toEqual([
      ['detection-results', 494],
    ]);
  });

  it('gives Cartucho/mAP’s VOC mAP from the default import', async () => {
    const expected = readCaseJson<{ voc_cartucho: { mAP: number }; voc_cartucho_no_plus1: { mAP: number } }>(
      cartucho!,
      'expected.json',
    );
    const { dataset } = await importFolder(openAsIs(cartucho!));
    const columns = detectionColumns(dataset, dataset.runs[0]);

    const plusOne = evaluateVoc(columns, { iouThreshold: 0.5, plusOnePixel: true });
    expect(Math.abs(plusOne.map - expected.voc_cartucho.mAP)).toBeLessThan(1e-6);
    const continuous = evaluateVoc(columns, { iouThreshold: 0.5 });
    expect(Math.abs(continuous.map - expected.voc_cartucho_no_plus1.mAP)).toBeLessThan(1e-6);
  });
});

const toyCat = referenceCase('voc_toy_cat');

describe.skipIf(!toyCat)('voc_toy_cat as it lies on disk', () => {
  // README: "10 images (in images/), VOC XML, COCO, six text detection layouts"; derived/ holds the
  // case authors' conversions (expected.json `source`). Eight runs in all: seven originals.
  it('prefers the original COCO ground truth, and turns on one of the eight runs', async () => {
    const { plan, problems } = await importFolder(openAsIs(toyCat!));

    expect(enabledOf(plan, 'groundTruth')).toEqual(['gts_coco_format/toy_example_coco.JSON']);
    expect(offOf(plan, 'groundTruth').sort()).toEqual([
      'derived/cartucho/ground-truth/',
      'derived/odm_gt_xywh/',
      'derived/toy_example_coco_annids_plus1.json',
      'gts_vocpascal_format/',
    ]);
    expect(enabledOf(plan, 'predictions')).toEqual(['dets_coco_format/coco_dets.json']);
    expect(offOf(plan, 'predictions').sort()).toEqual([
      'derived/cartucho/detection-results/',
      'dets_classid_abs_xywh/',
      'dets_classid_abs_xyx2y2/',
      'dets_classid_rel_xcycwh/',
      'dets_classname_abs_xywh/',
      'dets_classname_abs_xyx2y2/',
      'dets_classname_rel_xcycwh/',
    ]);
    // Alternatives are information, never problems.
    expect(problems).toEqual([]);
    expect(plan.notes).toHaveLength(2);
    expect(plan.notes![0]).toMatch(/^Also found 4 other ground truths: gts_vocpascal_format\/ \(10 files\)/);
    expect(plan.notes![1]).toMatch(/^Also found 7 more prediction runs: .* and 2 more\. Not imported/);
  });

  it('reproduces the reference VOC AP (Cartucho/mAP and review_object_detection_metrics) from the default import', async () => {
    const expected = readCaseJson<Record<string, { mAP: number }>>(toyCat!, 'expected.json');
    const { dataset } = await importFolder(openAsIs(toyCat!));
    expect(dataset.groundTruth).toHaveLength(12);
    expect(dataset.runs).toHaveLength(1);
    const columns = detectionColumns(dataset, dataset.runs[0]);

    for (const iou of ['0.5', '0.75']) {
      const plusOne = evaluateVoc(columns, { iouThreshold: Number(iou), plusOnePixel: true });
      expect(Math.abs(plusOne.map - expected[`voc_cartucho_iou${iou}`].mAP), iou).toBeLessThan(1e-6);
    }
  });
});

const cocoVal = referenceCase('coco_val2014_100img_bbox');

describe.skipIf(!cocoVal)('coco_val2014_100img_bbox: annotations without their images', () => {
  // README: "100 COCO val2014 images' GT, 734 detections (COCO results format)"; the folder holds
  // gt.json and detections.json only.
  it('plans ground truth and the run although the folder has no image', async () => {
    const { plan } = await importFolder(openAsIs(cocoVal!));
    expect(plan.images).toBe(0);
    expect(enabledOf(plan, 'groundTruth')).toEqual(['gt.json']);
    expect(enabledOf(plan, 'predictions')).toEqual(['detections.json']);
  });

  it('imports the 100 named images as missing, with one warning naming how many and the first', async () => {
    const gt = readCaseJson<{ images: { file_name: string }[] }>(cocoVal!, 'gt.json');
    const names = gt.images.map((image) => image.file_name).sort();
    const { dataset, problems } = await importFolder(openAsIs(cocoVal!));

    expect(dataset.images.map((image) => image.path)).toEqual(names);
    expect(dataset.images.every((image) => image.width > 0 && image.height > 0)).toBe(true);
    expect(dataset.groundTruth).toHaveLength(830);
    expect(dataset.runs[0].predictions).toHaveLength(734);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'gt.json', severity: 'warning' });
    expect(problems[0].message).toContain('100 images named, none in the folder');
    expect(problems[0].message).toContain(names[0]);
  });

  it('gives pycocotools’ 12 stats from the imported dataset', async () => {
    const expected = readCaseJson<{ stats_list: number[] }>(cocoVal!, 'expected.json');
    const { dataset } = await importFolder(openAsIs(cocoVal!));
    const evaluation = evaluateCoco(detectionColumns(dataset, dataset.runs[0]));

    COCO_STAT_NAMES.forEach((name, i) => {
      expect(Math.abs(evaluation.stats[i] - expected.stats_list[i]), name).toBeLessThan(1e-6);
    });
  });
});

const multiformat = referenceCase('voc2007_100img_multiformat');

describe.skipIf(!multiformat)('voc2007_100img_multiformat as it lies on disk', () => {
  // README: "the same 273 GT boxes in 8 formats ... 452 detections in COCO results and text layouts";
  // two original runs (COCO results, text boxes) and two conversions under derived/.
  it('turns on one ground truth of eight formats and both original runs (no more than three)', async () => {
    const { plan, dataset, problems } = await importFolder(openAsIs(multiformat!));

    expect(enabledOf(plan, 'groundTruth')).toEqual(['gts/coco_format_v1/instances_default.json']);
    expect(offOf(plan, 'groundTruth')).toHaveLength(9);
    expect(enabledOf(plan, 'predictions').sort()).toEqual([
      'dets/abs_xyx2y2_classid/',
      'dets/coco_format/coco_dets.json',
    ]);
    expect(offOf(plan, 'predictions').sort()).toEqual([
      'derived/cartucho/dets/',
      'derived/coco_dets_remapped_to_v1_ids.json',
    ]);
    expect(problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(dataset.groundTruth).toHaveLength(273);
    expect(dataset.runs.map((run) => run.predictions.length)).toEqual([452, 452]);
  });
});

const person = referenceCase('pascal_case1_person');

describe.skipIf(!person)('pascal_case1_person as it lies on disk (text files, no images)', () => {
  // expected.json `source`: "groundtruths/ detections/ (7 images, 15 GT, 24 dets, class person; xywh
  // abs)"; gts_object_classname/ is the same boxes under another class name.
  it('imports groundtruths/ and detections/, the 7 images as missing, and gives the reference AP', async () => {
    const expected = readCaseJson<{
      voc_odm: { per_class: { person: Record<string, { every_point: number; TP: number }> } };
    }>(person!, 'expected.json');
    const { plan, dataset, problems } = await importFolder(openAsIs(person!));

    expect(enabledOf(plan, 'groundTruth')).toEqual(['groundtruths/']);
    expect(enabledOf(plan, 'predictions')).toEqual(['detections/']);
    expect(dataset.images).toHaveLength(7);
    expect(dataset.groundTruth).toHaveLength(15);
    expect(dataset.runs[0].predictions).toHaveLength(24);
    expect(problems.map((problem) => problem.severity)).toEqual(['warning']);
    expect(problems[0].message).toContain('7 images named, none in the folder');

    const columns = detectionColumns(dataset, dataset.runs[0]);
    const names = dataset.categories.map((category) => category.name);
    for (const iou of ['0.3', '0.5', '0.75']) {
      const result = evaluateVoc(columns, { iouThreshold: Number(iou), plusOnePixel: true }).perClass[
        names.indexOf('person')
      ];
      const reference = expected.voc_odm.per_class.person[iou];
      expect(Math.abs(result.ap - reference.every_point), iou).toBeLessThan(1e-6);
      expect(result.truePositives, iou).toBe(reference.TP);
    }
  });
});
