import { seededRandom } from '../../../src/lib/core/random';
import { describe, expect, it } from 'vitest';
import type { BoxXYWH, Dataset, PredictionRun } from '../../../src/lib/core/dataset';
import {
  groupByImage,
  imageMatchCounts,
  matchDetections,
  MatchStatus,
  withScoreThreshold,
  type MatchOptions,
} from '../../../src/lib/core/matching';

type GtSpec = { image?: number; category?: number; box?: BoxXYWH; crowd?: boolean };
type PredSpec = { image?: number; category?: number; box?: BoxXYWH; score: number };

/** A dataset of `imageCount` images and categories 1 and 2, with one run. */
function makeDataset(
  gts: GtSpec[],
  preds: PredSpec[],
  imageCount = 1,
): { dataset: Dataset; run: PredictionRun } {
  const run: PredictionRun = {
    name: 'run',
    file: 'run.json',
    predictions: preds.map((spec, index) => ({
      index,
      imageIndex: spec.image ?? 0,
      categoryId: spec.category ?? 1,
      score: spec.score,
      box: spec.box,
    })),
  };
  const dataset: Dataset = {
    images: Array.from({ length: imageCount }, (_, index) => ({
      index,
      path: `${index}.jpg`,
      width: 100,
      height: 100,
      meta: {},
    })),
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    groundTruth: gts.map((spec, index) => ({
      index,
      imageIndex: spec.image ?? 0,
      categoryId: spec.category ?? 1,
      box: spec.box,
      crowd: spec.crowd,
    })),
    runs: [run],
  };
  return { dataset, run };
}

function match(gts: GtSpec[], preds: PredSpec[], options?: MatchOptions, imageCount = 1) {
  const { dataset, run } = makeDataset(gts, preds, imageCount);
  return matchDetections(dataset, run, options);
}

describe('matchDetections', () => {
  it('lets the higher-scoring prediction take a contested ground truth', () => {
    const result = match(
      [{ box: [0, 0, 10, 10] }],
      [
        { box: [0, 0, 10, 10], score: 0.3 },
        { box: [1, 1, 10, 10], score: 0.9 },
      ],
    );
    expect(Array.from(result.gtMatch)).toEqual([1]);
    expect(Array.from(result.predMatch)).toEqual([-1, 0]);
    expect(Array.from(result.predStatus)).toEqual([MatchStatus.Unmatched, MatchStatus.Matched]);
    // [1,11]² against [0,10]²: 81 / (100 + 100 - 81).
    expect(result.gtIou[0]).toBeCloseTo(81 / 119, 12);
  });

  it('breaks equal scores by prediction index', () => {
    const result = match(
      [{ box: [0, 0, 10, 10] }],
      [
        { box: [1, 1, 10, 10], score: 0.5 },
        { box: [0, 0, 10, 10], score: 0.5 },
      ],
    );
    expect(Array.from(result.gtMatch)).toEqual([0]);
  });

  it('takes the unmatched ground truth with the highest IoU, lower index on ties', () => {
    const best = match(
      [{ box: [0, 0, 10, 10] }, { box: [2, 0, 10, 10] }],
      [{ box: [2, 0, 10, 10], score: 1 }],
    );
    expect(Array.from(best.predMatch)).toEqual([1]);

    // The prediction sits midway between two ground-truth boxes: IoU 80/120 with each.
    const tie = match(
      [{ box: [0, 0, 10, 10] }, { box: [4, 0, 10, 10] }],
      [{ box: [2, 0, 10, 10], score: 1 }],
    );
    expect(Array.from(tie.predMatch)).toEqual([0]);
  });

  it('moves on to the next ground truth when the best one is taken', () => {
    const result = match(
      [{ box: [0, 0, 10, 10] }, { box: [3, 0, 10, 10] }],
      [
        { box: [0, 0, 10, 10], score: 0.9 },
        { box: [0, 0, 10, 10], score: 0.8 },
      ],
    );
    expect(Array.from(result.predMatch)).toEqual([0, 1]);
    // [3,10]×[0,10] = 70 over 130.
    expect(result.predIou[1]).toBeCloseTo(70 / 130, 12);
  });

  it('compares both thresholds with >= by default and > when strict', () => {
    // [0,4]×[0,2] against [0,2]×[0,2]: IoU exactly 4 / 8.
    const gts: GtSpec[] = [{ box: [0, 0, 2, 2] }];
    const preds: PredSpec[] = [{ box: [0, 0, 4, 2], score: 0.5 }];
    expect(match(gts, preds, { iouThreshold: 0.5 }).gtStatus[0]).toBe(MatchStatus.Matched);
    expect(match(gts, preds, { iouThreshold: 0.5, strict: true }).gtStatus[0]).toBe(MatchStatus.Unmatched);

    expect(match(gts, preds, { iouThreshold: 0.1, scoreThreshold: 0.5 }).predStatus[0]).toBe(
      MatchStatus.Matched,
    );
    const strictScore = match(gts, preds, { iouThreshold: 0.1, scoreThreshold: 0.5, strict: true });
    expect(strictScore.predStatus[0]).toBe(MatchStatus.Ignored);
    expect(strictScore.gtStatus[0]).toBe(MatchStatus.Unmatched);
  });

  it('never passes an IoU threshold of 1 strictly, even for identical boxes', () => {
    const result = match([{ box: [0, 0, 3, 3] }], [{ box: [0, 0, 3, 3], score: 1 }], {
      iouThreshold: 1,
      strict: true,
    });
    expect(result.predStatus[0]).toBe(MatchStatus.Unmatched);
    expect(
      match([{ box: [0, 0, 3, 3] }], [{ box: [0, 0, 3, 3], score: 1 }], { iouThreshold: 1 }).predStatus[0],
    ).toBe(MatchStatus.Matched);
  });

  it('matches across categories only when class-agnostic', () => {
    const gts: GtSpec[] = [{ box: [0, 0, 10, 10], category: 1 }];
    const preds: PredSpec[] = [{ box: [0, 0, 10, 10], category: 2, score: 0.9 }];
    expect(match(gts, preds).predStatus[0]).toBe(MatchStatus.Unmatched);
    const agnostic = match(gts, preds, { classAware: false });
    expect(agnostic.predStatus[0]).toBe(MatchStatus.Matched);
    expect(agnostic.gtMatch[0]).toBe(0);
  });

  it('records the closest ground truth of any class and status', () => {
    const result = match(
      [
        { box: [0, 0, 10, 10], category: 2 },
        { box: [50, 50, 10, 10], category: 1 },
      ],
      [
        { box: [0, 0, 10, 5], category: 1, score: 0.9 },
        { box: [90, 90, 5, 5], category: 1, score: 0.8 },
      ],
    );
    expect(Array.from(result.predStatus)).toEqual([MatchStatus.Unmatched, MatchStatus.Unmatched]);
    expect(result.predBestIou[0]).toBe(0.5);
    expect(Array.from(result.predBestGt)).toEqual([0, -1]);
    expect(result.predBestIou[1]).toBe(0);
  });

  it('lets crowd regions absorb predictions without counting them', () => {
    const result = match(
      [{ box: [0, 0, 100, 100], crowd: true }, { box: [10, 10, 10, 10] }],
      [
        { box: [10, 10, 10, 10], score: 0.9 },
        { box: [50, 50, 10, 10], score: 0.8 },
        { box: [60, 60, 10, 10], score: 0.7 },
        { box: [95, 95, 10, 10], score: 0.6 },
      ],
    );
    // A regular box is preferred; then two boxes fully inside the crowd are absorbed; the last is
    // a quarter inside ([95,100]² of [95,105]²), below 0.5.
    expect(Array.from(result.predStatus)).toEqual([
      MatchStatus.Matched,
      MatchStatus.Crowd,
      MatchStatus.Crowd,
      MatchStatus.Unmatched,
    ]);
    expect(Array.from(result.predMatch)).toEqual([1, -1, -1, -1]);
    expect(Array.from(result.gtStatus)).toEqual([MatchStatus.Ignored, MatchStatus.Matched]);
  });

  it('ignores image-level labels and keeps images apart', () => {
    const result = match(
      [{ image: 0 }, { image: 1, box: [0, 0, 10, 10] }, { image: 0, box: [0, 0, 10, 10] }],
      [
        { image: 1, score: 0.9 },
        { image: 0, box: [0, 0, 10, 10], score: 0.9 },
        { image: 1, box: [0, 0, 10, 10], score: 0.5 },
      ],
      {},
      2,
    );
    expect(Array.from(result.gtStatus)).toEqual([
      MatchStatus.Ignored,
      MatchStatus.Matched,
      MatchStatus.Matched,
    ]);
    expect(Array.from(result.gtMatch)).toEqual([-1, 2, 1]);
    expect(Array.from(result.predStatus)).toEqual([
      MatchStatus.Ignored,
      MatchStatus.Matched,
      MatchStatus.Matched,
    ]);
  });

  it('rejects bad options and image indices', () => {
    expect(() => match([], [], { iouThreshold: 1.5 })).toThrow(/invalid iouThreshold: 1.5/);
    expect(() => match([], [], { scoreThreshold: Number.NaN })).toThrow(/invalid scoreThreshold/);
    expect(() => match([{ image: 3, box: [0, 0, 1, 1] }], [])).toThrow(/invalid imageIndex of item 0: 3/);
  });

  // 15 images give ~27 predictions each; 3 give ~130, so both sorting paths (short and long groups) run.
  it.each([15, 3])(
    'agrees with a naive per-image implementation on random data (%i images)',
    (imageCount) => {
      const random = seededRandom(7);
      const box = (): BoxXYWH => [random() * 80, random() * 80, 5 + random() * 30, 5 + random() * 30];
      const gts: GtSpec[] = Array.from({ length: 300 }, () => ({
        image: Math.floor(random() * imageCount),
        category: 1 + Math.floor(random() * 2),
        box: box(),
      }));
      // Coarse scores make many ties, which the rule must break by index.
      const preds: PredSpec[] = Array.from({ length: 400 }, () => ({
        image: Math.floor(random() * imageCount),
        category: 1 + Math.floor(random() * 2),
        box: box(),
        score: Math.round(random() * 10) / 10,
      }));

      for (const options of [
        { iouThreshold: 0.3, classAware: true, strict: false, scoreThreshold: 0.2 },
        { iouThreshold: 0.1, classAware: false, strict: true, scoreThreshold: 0.5 },
      ]) {
        const result = match(gts, preds, options, imageCount);
        const expected = naiveMatch(gts, preds, options);
        // Guard against a vacuous comparison: the data must produce plenty of matches and misses.
        expect(expected.filter((g) => g >= 0).length).toBeGreaterThan(30);
        expect(expected.filter((g) => g < 0).length).toBeGreaterThan(30);
        expect(Array.from(result.predMatch)).toEqual(expected);
      }
    },
  );
});

describe('withScoreThreshold', () => {
  it('equals matching again at the higher threshold, on random data with ties and crowd regions', () => {
    const random = seededRandom(11);
    const box = (): BoxXYWH => [random() * 60, random() * 60, 5 + random() * 30, 5 + random() * 30];
    const gts: GtSpec[] = Array.from({ length: 200 }, () => ({
      image: Math.floor(random() * 8),
      category: 1 + Math.floor(random() * 2),
      box: box(),
      crowd: random() < 0.05,
    }));
    const preds: PredSpec[] = Array.from({ length: 300 }, () => ({
      image: Math.floor(random() * 8),
      category: 1 + Math.floor(random() * 2),
      box: box(),
      score: Math.round(random() * 10) / 10,
    }));
    const scores = preds.map((p) => p.score);
    for (const strict of [false, true]) {
      const base = match(gts, preds, { scoreThreshold: -Infinity, iouThreshold: 0.3, strict }, 8);
      for (const threshold of [0, 0.3, 0.5, 0.9]) {
        const direct = match(gts, preds, { scoreThreshold: threshold, iouThreshold: 0.3, strict }, 8);
        const derived = withScoreThreshold(base, scores, threshold);
        expect(derived.options).toEqual(direct.options);
        for (const column of [
          'gtMatch',
          'gtIou',
          'gtStatus',
          'predMatch',
          'predIou',
          'predBestIou',
          'predStatus',
        ] as const) {
          expect(Array.from(derived[column]), `${column} at ${threshold}`).toEqual(
            Array.from(direct[column]),
          );
        }
      }
      expect(base.predStatus.filter((s) => s === MatchStatus.Matched).length).toBeGreaterThan(20);
    }
  });
});

describe('groupByImage', () => {
  it('lists each image’s items in index order, leaving out rejected ones', () => {
    const items = [{ imageIndex: 2 }, { imageIndex: 0 }, { imageIndex: 2 }, { imageIndex: 0 }];
    const groups = groupByImage(items, 3, (i) => i !== 3);
    expect(Array.from(groups.offsets)).toEqual([0, 1, 1, 3]);
    expect(Array.from(groups.members)).toEqual([1, 0, 2]);
  });
});

describe('imageMatchCounts', () => {
  it('counts matched, unmatched predictions and missed ground truth per image', () => {
    const { dataset, run } = makeDataset(
      [
        { image: 0, box: [0, 0, 10, 10] },
        { image: 1, box: [0, 0, 10, 10] },
      ],
      [
        { image: 0, box: [0, 0, 10, 10], score: 1 },
        { image: 0, box: [50, 50, 10, 10], score: 1 },
      ],
      2,
    );
    const counts = imageMatchCounts(dataset, run, matchDetections(dataset, run));
    expect(Array.from(counts.truePositives)).toEqual([1, 0]);
    expect(Array.from(counts.falsePositives)).toEqual([1, 0]);
    expect(Array.from(counts.falseNegatives)).toEqual([0, 1]);
  });
});

/** The matching rule written as plainly as possible, over objects, as a cross-check. */
function naiveMatch(gts: GtSpec[], preds: PredSpec[], options: Required<MatchOptions>): number[] {
  const passes = (value: number, threshold: number) =>
    options.strict ? value > threshold : value >= threshold;
  const taken = new Set<number>();
  const result = preds.map(() => -1);
  const order = preds
    .map((pred, index) => ({ pred, index }))
    .filter(({ pred }) => passes(pred.score, options.scoreThreshold))
    .sort((a, b) => b.pred.score - a.pred.score || a.index - b.index);

  for (const { pred, index } of order) {
    let best = -1;
    let bestIou = -1;
    gts.forEach((gt, g) => {
      if (gt.image !== pred.image || taken.has(g)) return;
      if (options.classAware && gt.category !== pred.category) return;
      const overlap = plainIou(gt.box!, pred.box!);
      if (passes(overlap, options.iouThreshold) && overlap > bestIou) {
        best = g;
        bestIou = overlap;
      }
    });
    if (best >= 0) {
      taken.add(best);
      result[index] = best;
    }
  }
  return result;
}

function plainIou(a: BoxXYWH, b: BoxXYWH): number {
  const width = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const height = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const intersection = width * height;
  return intersection / (a[2] * a[3] + b[2] * b[3] - intersection);
}
