import { describe, expect, it } from 'vitest';
import { parseFilter, printFilter, sampleQuery } from '../../../../src/lib/core/filter';
import { MatchStatus } from '../../../../src/lib/core/matching';
import { iouHistogram, scoreHistogram } from '../../../../src/lib/core/metrics/histograms';
import { curvesFromMatches, operatingPoint } from '../../../../src/lib/core/metrics/liveCurves';
import {
  disagreementConfidence,
  imageCounts,
  selectSamples,
  type SampleColumns,
} from '../../../../src/lib/core/metrics/sampleResults';
import type { DetectionMatches } from '../../../../src/lib/core/matching';

const { Matched, Unmatched, Ignored } = MatchStatus;

// Two images. Image 0: GT dog (id 1) matched by pred 0 (IoU .9), GT cat (id 2) missed; image 1: pred 1
// dog unmatched (best IoU .3), pred 2 cat below the score threshold (ignored), pred 3 cat matched GT 2 (.55).
const samples: SampleColumns = {
  gtImage: Int32Array.of(0, 0, 1),
  gtCategory: Int32Array.of(1, 2, 2),
  gtStatus: Uint8Array.of(Matched, Unmatched, Matched),
  gtMatch: Int32Array.of(0, -1, 3),
  gtIou: Float64Array.of(0.9, 0, 0.55),
  gtCell: Int32Array.of(-1, -1, -1),
  predImage: Int32Array.of(0, 1, 1, 1),
  predCategory: Int32Array.of(1, 1, 2, 2),
  predScore: Float64Array.of(0.95, 0.6, 0.1, 0.7),
  predStatus: Uint8Array.of(Matched, Unmatched, Ignored, Matched),
  predMatch: Int32Array.of(0, -1, -1, 2),
  predIou: Float64Array.of(0.9, 0.3, 0, 0.55),
  predCell: Int32Array.of(-1, -1, -1, -1),
};

function select(text: string, categoryId: number | null = null) {
  const selected = selectSamples(samples, sampleQuery(parseFilter(text))!, categoryId);
  return {
    images: [...selected.images].sort(),
    groundTruth: [...selected.groundTruth].sort(),
    predictions: [...selected.predictions].sort(),
  };
}

describe('selectSamples', () => {
  it('selects boxes by status on both sides', () => {
    expect(select('match:tp')).toEqual({ images: [0, 1], groundTruth: [0, 2], predictions: [0, 3] });
    expect(select('match:fp')).toEqual({ images: [1], groundTruth: [], predictions: [1] });
    expect(select('match:fn')).toEqual({ images: [0], groundTruth: [1], predictions: [] });
  });

  it('combines with the class term box by box', () => {
    // A dog FP exists (image 1) but no cat FP anywhere: the class applies to the FP box itself.
    expect(select('match:fp pred:dog', 1).predictions).toEqual([1]);
    expect(select('match:fp pred:cat', 2).images).toEqual([]);
    expect(select('match:tp gt:cat', 2)).toEqual({ images: [1], groundTruth: [2], predictions: [] });
    // A class name the dataset does not have selects nothing.
    expect(select('match:tp class:nothing', null).images).toEqual([]);
  });

  it('bounds IoU on both sides and scores on predictions only, never picking ignored ones', () => {
    expect(select('iou<0.5')).toEqual({ images: [0, 1], groundTruth: [1], predictions: [1] });
    expect(select('iou>=0.5 iou<0.6')).toEqual({ images: [1], groundTruth: [2], predictions: [3] });
    expect(select('score<0.65')).toEqual({ images: [1], groundTruth: [], predictions: [1] });
  });

  it('counts TP, FP and FN per image', () => {
    const counts = imageCounts(samples, 2);
    expect(Array.from(counts.truePositives)).toEqual([1, 1]);
    expect(Array.from(counts.falsePositives)).toEqual([0, 1]);
    expect(Array.from(counts.falseNegatives)).toEqual([1, 0]);
  });
});

describe('curvesFromMatches and histograms', () => {
  // One class, 2 GT; predictions by score: .9 TP, .8 FP, .7 TP, .6 crowd-absorbed (left out).
  const matches = {
    gtStatus: Uint8Array.of(Matched, Matched),
    predStatus: Uint8Array.of(Matched, Unmatched, Matched, MatchStatus.Crowd),
  } as unknown as DetectionMatches;
  const [curve] = curvesFromMatches(
    [5],
    Int32Array.of(5, 5),
    Int32Array.of(5, 5, 5, 5),
    Float64Array.of(0.9, 0.8, 0.7, 0.6),
    matches,
  );

  it('walks predictions by score with cumulative precision and recall', () => {
    expect(Array.from(curve.recall)).toEqual([0.5, 0.5, 1]);
    expect(Array.from(curve.precision)).toEqual([1, 0.5, 2 / 3]);
    // Envelope: 1 up to recall .5, then 2/3 up to 1.
    expect(curve.ap).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(operatingPoint(curve, 0.75)).toBe(1);
    expect(operatingPoint(curve, 0.95)).toBe(-1);
    expect(operatingPoint(curve, 0)).toBe(2);
  });

  it('bins scores into TP and FP and matched IoUs, edges included where the filter puts them', () => {
    const scores = scoreHistogram([curve], 10);
    expect(scores[9].counts).toEqual({ tp: 1, fp: 0 });
    expect(scores[8].counts).toEqual({ tp: 0, fp: 1 });
    expect(scores[7].counts).toEqual({ tp: 1, fp: 0 });
    const ious = iouHistogram(samples, 0.5, 10);
    // .55 sits exactly on an edge (0.5 + 0.05): it belongs to the bin starting there.
    const edge = ious.findIndex((bin) => bin.counts.tp > 0 && bin.x0 <= 0.55 && 0.55 < bin.x1);
    expect(edge).toBeGreaterThanOrEqual(0);
    expect(ious.reduce((sum, bin) => sum + bin.counts.tp, 0)).toBe(2);
    // .9 opens the ninth bin, [0.9, 0.95).
    expect(ious[8].x0).toBeCloseTo(0.9, 12);
    expect(ious[8].counts.tp).toBe(1);
  });
});

describe('disagreementConfidence', () => {
  it('takes, per image, the highest score of an unmatched prediction; NaN where none contradicts', () => {
    // Image 0 has only a matched prediction; image 1 has the unmatched dog at 0.6 (the ignored cat at
    // 0.1 and the matched cat at 0.7 do not count); image 2 has no prediction at all.
    const confidence = disagreementConfidence(samples, 3);
    expect(Number.isNaN(confidence[0])).toBe(true);
    expect(confidence[1]).toBe(0.6);
    expect(Number.isNaN(confidence[2])).toBe(true);
  });
});

describe('sort:disagree', () => {
  it('parses and prints back', () => {
    const filter = parseFilter('gt:car sort:disagree');
    expect(filter.terms[1]).toEqual({ kind: 'sort', key: 'disagree' });
    expect(printFilter(filter)).toBe('gt:car sort:disagree');
  });
});
