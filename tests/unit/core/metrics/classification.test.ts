import { describe, expect, it } from 'vitest';
import { classificationInput, classificationMetrics } from '../../../../src/lib/core/metrics/classification';
import { compareRuns } from '../../../../src/lib/core/metrics/compareRuns';
import { evaluateCoco } from '../../../../src/lib/core/metrics/cocoEval';
import { describeReferenceCase } from '../detectionCases';
import { cocoColumns } from './metricCases';

describe('classificationMetrics', () => {
  // 3 classes, 8 samples (the last unlabelled). Worked by hand:
  // truth:     0 0 0 1 1 2 2 -
  // predicted: 0 0 1 1 2 2 -1 0
  const input = {
    classCount: 3,
    labels: Int32Array.of(0, 0, 0, 1, 1, 2, 2, -1),
    predicted: Int32Array.of(0, 0, 1, 1, 2, 2, -1, 0),
    scores: Float32Array.of(
      ...[0.8, 0.1, 0.1],
      ...[0.6, 0.3, 0.1],
      ...[0.3, 0.6, 0.1],
      ...[0.2, 0.7, 0.1],
      ...[0.1, 0.3, 0.6],
      ...[0.1, 0.1, 0.8],
      ...[0.5, 0.5, 0.0],
      ...[0.9, 0.05, 0.05],
    ),
  };

  it('counts the matrix and per-class precision, recall and F1', () => {
    const metrics = classificationMetrics(input, [1, 2]);
    expect(Array.from(metrics.matrix)).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 1]);
    // class 0: 2 of 2 predictions right, 2 of 3 found; class 1: 1/2, 1/2; class 2: 1/2, 1/2.
    expect(metrics.perClass[0].precision).toBeCloseTo(1, 12);
    expect(metrics.perClass[0].recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(metrics.perClass[1]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(metrics.accuracy).toBeCloseTo(4 / 7, 12);
    expect(metrics.macroF1).toBeCloseTo((0.8 + 0.5 + 0.5) / 3, 12);
    // top-1 from scores: samples 0, 1, 3 and 5 rank their truth first → 4/7 (sample 4's best is class 2);
    // sample 6 ties 0.5/0.5 between classes 0 and 1 and its truth is 2 → miss at k = 1 and k = 2.
    expect(metrics.topK.get(1)).toBeCloseTo(4 / 7, 12);
    // top-2 adds samples 2 (0 second) and 4 (1 second) → 6/7.
    expect(metrics.topK.get(2)).toBeCloseTo(6 / 7, 12);
  });

  it('rejects a class outside the range', () => {
    expect(() =>
      classificationMetrics({ classCount: 2, labels: Int32Array.of(0), predicted: Int32Array.of(2) }),
    ).toThrow(/invalid predicted\[0\]: 2 \(expected -1 or a class in \[0, 2\)\)/);
  });
});

describeReferenceCase('coco_val2014_100img_bbox', (dir) => {
  it('compares two runs class by class (a run against a copy without its person detections)', () => {
    const full = cocoColumns(`${dir}/gt.json`, `${dir}/detections.json`);
    const a = evaluateCoco(full);
    // Run B: the same detections with every class-1 (person) detection dropped.
    const keep = Array.from(full.predClass, (k) => k !== 0);
    const pick = <T extends Float64Array | Int32Array>(column: T, width = 1) =>
      column.filter((_, i) => keep[Math.floor(i / width)]) as T;
    const b = evaluateCoco({
      ...full,
      predImage: pick(full.predImage),
      predClass: pick(full.predClass),
      predBoxes: pick(full.predBoxes, 4),
      predScore: pick(full.predScore),
    });
    const comparison = compareRuns(a, b);
    const person = comparison.rows[0];
    expect(person.apB).toBe(0);
    expect(person.apDelta).toBeCloseTo(-a.perClass[0].ap, 12);
    expect(person.predCountDelta).toBe(-a.perClass[0].predCount);
    // Every other class is untouched.
    expect(comparison.rows.slice(1).every((row) => Number.isNaN(row.apDelta) || row.apDelta === 0)).toBe(
      true,
    );
  });
});

describe('classificationInput', () => {
  it('takes each image’s first label, its top prediction and per-class best scores', () => {
    const input = classificationInput(
      {
        images: [{}, {}, {}],
        categories: [{ id: 10 }, { id: 20 }],
        groundTruth: [
          { imageIndex: 0, categoryId: 20 },
          { imageIndex: 0, categoryId: 10 },
          { imageIndex: 1, categoryId: 10, box: [0, 0, 1, 1] },
        ],
      },
      [
        { imageIndex: 0, categoryId: 10, score: 0.6 },
        { imageIndex: 0, categoryId: 20, score: 0.6 },
        { imageIndex: 2, categoryId: 20, score: 0.9, box: [0, 0, 1, 1] },
      ],
    );
    expect(Array.from(input.labels)).toEqual([1, -1, -1]);
    // Equal scores: the earlier prediction (class 10 → position 0) is the top one.
    expect(Array.from(input.predicted)).toEqual([0, -1, -1]);
    expect(Array.from(input.scores!)).toEqual([0.6, 0.6, 0, 0, 0, 0]);
  });
});
