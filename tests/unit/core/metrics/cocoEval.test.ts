import { describe, expect, it } from 'vitest';
import { COCO_STAT_NAMES, evaluateCoco, prCurve } from '../../../../src/lib/core/metrics/cocoEval';
import { linspace } from '../../../../src/lib/core/metrics/cocoParams';
import { detectionColumns } from '../../../../src/lib/core/metrics/columns';
import { describeReferenceCase, readCocoCase } from '../detectionCases';
import { cocoColumns, readJson } from './metricCases';

interface PycocotoolsResult {
  stats: Record<string, number>;
  per_class: Record<
    string,
    {
      name: string;
      AP: number;
      AP50: number;
      AP75: number;
      AR100: number;
      num_gt: number;
      num_gt_incl_crowd: number;
      num_dt: number;
    }
  >;
}

const TOLERANCE = 1e-6;

/** Compares the 12 stats and every class's AP/AR/counts with a pycocotools run. */
function expectPycocotools(gtFile: string, detectionsFile: string, expected: PycocotoolsResult) {
  const columns = cocoColumns(gtFile, detectionsFile);
  const evaluation = evaluateCoco(columns);

  COCO_STAT_NAMES.forEach((name, i) => {
    expect(evaluation.stats[i], name).toBeCloseTo(expected.stats[name], 6);
  });
  const entries = Object.entries(expected.per_class);
  expect(evaluation.perClass.length).toBe(entries.length);
  for (const [id, reference] of entries) {
    const result = evaluation.perClass.find((c) => c.categoryId === Number(id))!;
    const label = `class ${id} ${reference.name}`;
    expect(Math.abs(result.ap - reference.AP), `${label} AP`).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.ap50 - reference.AP50), `${label} AP50`).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.ap75 - reference.AP75), `${label} AP75`).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.ar - reference.AR100), `${label} AR100`).toBeLessThan(TOLERANCE);
    expect(result.gtCount, `${label} num_gt`).toBe(reference.num_gt);
    expect(result.gtCountWithCrowd, `${label} num_gt_incl_crowd`).toBe(reference.num_gt_incl_crowd);
    expect(result.predCount, `${label} num_dt`).toBe(reference.num_dt);
  }
  return evaluation;
}

describeReferenceCase('coco_val2014_100img_bbox', (dir) => {
  it('reproduces pycocotools’ 12 stats and per-class AP, AP50, AP75, AR100 and counts', () => {
    const expected = readJson<PycocotoolsResult>(`${dir}/expected.json`);
    const evaluation = expectPycocotools(`${dir}/gt.json`, `${dir}/detections.json`, expected);
    // Classes with detections but no ground truth: pycocotools reports -1, and so does Longtail.
    const undefinedClasses = Object.values(expected.per_class).filter((c) => c.AP === -1 && c.num_dt > 0);
    expect(undefinedClasses.length).toBeGreaterThan(0);
    expect(evaluation.perClass.filter((c) => c.ap === -1 && c.predCount > 0).length).toBe(
      undefinedClasses.length,
    );
  });
});

describeReferenceCase('coco_torchmetrics_small', (dir) => {
  for (const sub of ['inputs1_4images', 'inputs2_image_without_gt', 'single_box_iou_0.7755']) {
    it(`reproduces pycocotools on ${sub}`, () => {
      const expected = readJson<PycocotoolsResult>(`${dir}/${sub}/expected.json`);
      expectPycocotools(`${dir}/${sub}/gt.json`, `${dir}/${sub}/detections.json`, expected);
    });
  }

  it('breaks a score tie across images by image id, as pycocotools’ stable sort does', () => {
    // Two detections score 0.536: the TP (image 1) ranks before the FP (image 2), so AP50 is 1, not 0.5.
    const evaluation = evaluateCoco(
      cocoColumns(
        `${dir}/inputs2_image_without_gt/gt.json`,
        `${dir}/inputs2_image_without_gt/detections.json`,
      ),
    );
    expect(evaluation.stats[1]).toBeCloseTo(1, 12);
  });
});

describeReferenceCase('voc_toy_cat', (dir) => {
  const expected = readJson<Record<string, PycocotoolsResult>>(`${dir}/expected.json`);

  it('matches pycocotools on the file with annotation ids + 1 (where its id-0 quirk cannot bite)', () => {
    expectPycocotools(
      `${dir}/derived/toy_example_coco_annids_plus1.json`,
      `${dir}/dets_coco_format/coco_dets.json`,
      expected.coco_pycocotools_ann_ids_plus1,
    );
  });

  it('treats the annotation with id 0 as ordinary: same numbers on the original file', () => {
    // pycocotools turns the detection matched to annotation id 0 into a false positive (it stores the
    // matched id and tests it for truth), and gets lower numbers on the original file. Longtail does not
    // copy that bug, so the original file scores exactly like the renumbered one.
    const original = evaluateCoco(
      cocoColumns(`${dir}/gts_coco_format/toy_example_coco.JSON`, `${dir}/dets_coco_format/coco_dets.json`),
    );
    const plusOne = expected.coco_pycocotools_ann_ids_plus1.stats;
    const buggy = expected.coco_pycocotools_original_files.stats;
    COCO_STAT_NAMES.forEach((name, i) => expect(original.stats[i], name).toBeCloseTo(plusOne[name], 6));
    expect(original.stats[0]).toBeGreaterThan(buggy.AP + 0.05);
  });
});

describe('evaluateCoco', () => {
  it('uses numpy linspace thresholds and samples PR curves at 101 recall points', () => {
    expect(linspace(0.5, 0.95, 10)[8]).toBe(0.8999999999999999);
    const columns = {
      imageCount: 1,
      imageOrder: Int32Array.of(0),
      categoryIds: [7],
      gtImage: Int32Array.of(0, 0),
      gtClass: Int32Array.of(0, 0),
      gtBoxes: Float64Array.of(0, 0, 100, 100, 200, 200, 100, 100),
      gtArea: Float64Array.of(10000, 10000),
      gtCrowd: Uint8Array.of(0, 0),
      gtDifficult: Uint8Array.of(0, 0),
      predImage: Int32Array.of(0, 0),
      predClass: Int32Array.of(0, 0),
      // One exact hit (score .9), one miss (score .8): recall reaches 0.5 at precision 1.
      predBoxes: Float64Array.of(0, 0, 100, 100, 500, 500, 10, 10),
      predScore: Float64Array.of(0.9, 0.8),
    };
    const curve = prCurve(evaluateCoco(columns), 0, 0);
    expect(curve.recall.length).toBe(101);
    // Hand computation: precision 1 up to recall 0.5 (less pycocotools' 1e-16 epsilon), 0 beyond.
    expect(curve.precision.slice(0, 51).every((p) => Math.abs(p - 1) < 1e-12)).toBe(true);
    expect(curve.precision.slice(51).every((p) => p === 0)).toBe(true);
    expect(curve.scores[50]).toBe(0.9);
  });

  it('rejects inconsistent columns', () => {
    const bad = {
      imageCount: 1,
      imageOrder: Int32Array.of(0),
      categoryIds: [1],
      gtImage: Int32Array.of(3),
      gtClass: Int32Array.of(0),
      gtBoxes: new Float64Array(4),
      gtArea: new Float64Array(1),
      gtCrowd: new Uint8Array(1),
      gtDifficult: new Uint8Array(1),
      predImage: new Int32Array(0),
      predClass: new Int32Array(0),
      predBoxes: new Float64Array(0),
      predScore: new Float64Array(0),
    };
    expect(() => evaluateCoco(bad)).toThrow(
      /invalid gtImage\[0\]: 3 \(expected an image index in \[0, 1\)\)/,
    );
  });
});

describeReferenceCase('coco_val2014_100img_bbox', (dir) => {
  it('gives pycocotools’ area-independent numbers from a Dataset (detectionColumns)', () => {
    // The dataset model keeps no COCO `area`, so only the six numbers over area "all" are comparable.
    const dataset = readCocoCase(dir, 'gt.json', 'detections.json');
    const expected = readJson<PycocotoolsResult>(`${dir}/expected.json`);
    const evaluation = evaluateCoco(detectionColumns(dataset, dataset.runs[0]));
    for (const name of ['AP', 'AP50', 'AP75', 'AR1', 'AR10', 'AR100'] as const) {
      expect(evaluation.stats[COCO_STAT_NAMES.indexOf(name)], name).toBeCloseTo(expected.stats[name], 6);
    }
  });
});
