import { describe, expect, it } from 'vitest';
import { allPointAp, elevenPointAp, evaluateVoc, VocStatus } from '../../../../src/lib/core/metrics/vocAp';
import { describeReferenceCase } from '../detectionCases';
import { readJson, readTextBoxes, textColumns } from './metricCases';

interface CartuchoRun {
  mAP: number;
  ap_per_class: Record<string, number>;
  gt_count_per_class: Record<string, number>;
  tp_per_class?: Record<string, number>;
}

interface OdmEntry {
  every_point: number;
  eleven_point: number;
  TP: number;
  FP: number;
  total_positives: number;
  precision?: number[];
  recall?: number[];
}

const close = (actual: number, expected: number, label: string) =>
  expect(Math.abs(actual - expected), `${label}: ${actual} vs ${expected}`).toBeLessThan(1e-6);

/** Cartucho/mAP layout: `class left top right bottom` ground truth, `class conf ...` detections. */
function cartuchoColumns(folder: string, gt = 'ground-truth', detections = 'detection-results') {
  return textColumns(
    readTextBoxes(`${folder}/${gt}`, false, 'ltrb'),
    readTextBoxes(`${folder}/${detections}`, true, 'ltrb'),
  );
}

function expectCartucho(
  columns: ReturnType<typeof cartuchoColumns>,
  run: CartuchoRun,
  iou: number,
  plusOne: boolean,
) {
  const evaluation = evaluateVoc(columns, { iouThreshold: iou, plusOnePixel: plusOne });
  close(evaluation.map, run.mAP, 'mAP');
  for (const [name, ap] of Object.entries(run.ap_per_class)) {
    const result = evaluation.perClass[columns.names.indexOf(name)];
    close(result.ap, ap, `${name} AP`);
    expect(result.gtCount, `${name} GT count`).toBe(run.gt_count_per_class[name]);
    if (run.tp_per_class) expect(result.truePositives, `${name} TP`).toBe(run.tp_per_class[name]);
  }
}

function expectOdm(
  columns: ReturnType<typeof cartuchoColumns>,
  name: string,
  entries: Record<string, OdmEntry>,
) {
  for (const [threshold, entry] of Object.entries(entries)) {
    const evaluation = evaluateVoc(columns, { iouThreshold: Number(threshold), plusOnePixel: true });
    const result = evaluation.perClass[columns.names.indexOf(name)];
    close(result.ap, entry.every_point, `${name}@${threshold} all-point`);
    close(result.ap11, entry.eleven_point, `${name}@${threshold} 11-point`);
    expect([result.truePositives, result.falsePositives, result.gtCount]).toEqual([
      entry.TP,
      entry.FP,
      entry.total_positives,
    ]);
    entry.precision?.forEach((p, i) => close(result.precision[i], p, `precision[${i}]`));
    entry.recall?.forEach((r, i) => close(result.recall[i], r, `recall[${i}]`));
  }
}

describeReferenceCase('pascal_case1_person', (dir) => {
  const expected = readJson<Record<string, Record<string, unknown>>>(`${dir}/expected.json`);
  const cartucho = cartuchoColumns(`${dir}/derived/cartucho`);

  it('reproduces Object-Detection-Metrics (+1 pixel): AP, 11-point AP, TP/FP and the PR points at 4 IoUs', () => {
    const columns = textColumns(
      readTextBoxes(`${dir}/groundtruths`, false, 'xywh'),
      readTextBoxes(`${dir}/detections`, true, 'xywh'),
    );
    const odm = expected.voc_odm as { per_class: { person: Record<string, OdmEntry> } };
    expectOdm(columns, 'person', odm.per_class.person);
  });

  for (const threshold of ['0.1', '0.3', '0.5', '0.75']) {
    it(`reproduces Cartucho/mAP at IoU ${threshold}, with the +1 pixel convention and with continuous IoU`, () => {
      const plusOne = (expected.voc_cartucho as Record<string, CartuchoRun>)[threshold];
      const continuous = (expected.voc_cartucho_no_plus1 as Record<string, CartuchoRun>)[threshold];
      expectCartucho(cartucho, plusOne, Number(threshold), true);
      expectCartucho(cartucho, continuous, Number(threshold), false);
    });
  }

  it('gives different numbers under the two conventions where boxes are small', () => {
    const runs = expected.voc_cartucho_no_plus1 as Record<string, CartuchoRun>;
    expect(runs['0.1'].mAP).not.toBeCloseTo(
      (expected.voc_cartucho as Record<string, CartuchoRun>)['0.1'].mAP,
      3,
    );
  });
});

describeReferenceCase('voc_toy_cat', (dir) => {
  const expected = readJson<Record<string, unknown>>(`${dir}/expected.json`);

  it('reproduces Object-Detection-Metrics at IoU .3, .5 and .75 (all-point and 11-point)', () => {
    const columns = textColumns(
      readTextBoxes(`${dir}/derived/odm_gt_xywh`, false, 'xywh'),
      readTextBoxes(`${dir}/dets_classname_abs_xywh`, true, 'xywh'),
    );
    expectOdm(
      columns,
      'cat',
      (expected.voc_odm as { per_class: { cat: Record<string, OdmEntry> } }).per_class.cat,
    );
  });

  it('reproduces Cartucho/mAP at IoU .5 and .75 under both conventions', () => {
    const columns = cartuchoColumns(`${dir}/derived/cartucho`);
    for (const iou of ['0.5', '0.75']) {
      expectCartucho(columns, expected[`voc_cartucho_iou${iou}`] as CartuchoRun, Number(iou), true);
      expectCartucho(columns, expected[`voc_cartucho_no_plus1_iou${iou}`] as CartuchoRun, Number(iou), false);
    }
  });
});

describeReferenceCase('cartucho_voc_sample', (dir) => {
  const expected = readJson<Record<string, CartuchoRun>>(`${dir}/expected.json`);
  const columns = cartuchoColumns(dir);

  it('reproduces Cartucho/mAP per class and mAP .310477 with the +1 pixel convention', () => {
    expectCartucho(columns, expected.voc_cartucho, 0.5, true);
  });

  it('reproduces the continuous-IoU variant', () => {
    expectCartucho(columns, expected.voc_cartucho_no_plus1, 0.5, false);
  });

  it('leaves classes without ground truth out of the mean', () => {
    const evaluation = evaluateVoc(columns, { plusOnePixel: true });
    const detectionOnly = evaluation.perClass.filter((c) => c.gtCount === 0);
    expect(detectionOnly.length).toBe(8);
    expect(detectionOnly.every((c) => Number.isNaN(c.ap))).toBe(true);
  });
});

describe('evaluateVoc', () => {
  const columns = (difficult: number) => ({
    imageCount: 1,
    imageOrder: Int32Array.of(0),
    categoryIds: [1],
    gtImage: Int32Array.of(0, 0),
    gtClass: Int32Array.of(0, 0),
    gtBoxes: Float64Array.of(0, 0, 10, 10, 50, 50, 10, 10),
    gtArea: Float64Array.of(100, 100),
    gtCrowd: Uint8Array.of(0, 0),
    gtDifficult: Uint8Array.of(0, difficult),
    predImage: Int32Array.of(0, 0, 0),
    predClass: Int32Array.of(0, 0, 0),
    // A hit on GT 0, a duplicate of it, and a hit on GT 1.
    predBoxes: Float64Array.of(0, 0, 10, 10, 1, 0, 10, 10, 50, 50, 10, 10),
    predScore: Float64Array.of(0.9, 0.8, 0.7),
  });

  it('counts a duplicate as a false positive and ignores detections of difficult objects', () => {
    const plain = evaluateVoc(columns(0));
    expect(Array.from(plain.predStatus)).toEqual([
      VocStatus.TruePositive,
      VocStatus.FalsePositive,
      VocStatus.TruePositive,
    ]);
    // Hand computation: P/R = (1, .5), (.5, .5), (2/3, 1): envelope 1 to .5, then 2/3 to 1.
    expect(plain.perClass[0].ap).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);

    const difficult = evaluateVoc(columns(1));
    expect(difficult.predStatus[2]).toBe(VocStatus.Ignored);
    expect(difficult.perClass[0].gtCount).toBe(1);
    expect(evaluateVoc(columns(1), { difficult: 'count' }).perClass[0].ap).toBeCloseTo(
      plain.perClass[0].ap,
      12,
    );
  });

  it('computes all-point and 11-point AP by hand-checked examples', () => {
    expect(allPointAp([0.5, 1], [1, 0.5])).toBeCloseTo(0.75, 12);
    // 11-point: recall >= 0..0.5 (6 points) precision 1, 0.6..1 (5 points) 0.5.
    expect(elevenPointAp([0.5, 1], [1, 0.5])).toBeCloseTo((6 + 2.5) / 11, 12);
  });

  it('rejects an IoU threshold outside [0, 1]', () => {
    expect(() => evaluateVoc(columns(0), { iouThreshold: 1.5 })).toThrow(/invalid iouThreshold: 1.5/);
  });
});
