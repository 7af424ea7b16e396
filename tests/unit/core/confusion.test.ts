import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/lib/core/dataset';
import {
  cellCount,
  cellMembers,
  classificationConfusion,
  countRows,
  detectionConfusion,
  NO_GROUND_TRUTH,
  NO_PREDICTION,
  rowNormalized,
} from '../../../src/lib/core/confusion';
import { imageMatchCounts, matchDetections, type MatchOptions } from '../../../src/lib/core/matching';
import { describeReferenceCase, readCaseJson, readCocoCase } from './detectionCases';

interface SupervisionRun {
  conf_threshold: number;
  iou_threshold: number;
  labels: string[];
  matrix: number[][];
}

/**
 * supervision's `ConfusionMatrix.from_tensors` keeps predictions with `confidence > conf_threshold` and
 * pairs with `IoU > iou_threshold`, whatever the classes: in Longtail's terms a class-agnostic, strict
 * matching with the confidence as score threshold. Its "background" row and column are our
 * "no ground truth" row and "no prediction" column.
 */
function supervisionOptions(run: SupervisionRun): MatchOptions {
  return {
    iouThreshold: run.iou_threshold,
    scoreThreshold: run.conf_threshold,
    classAware: false,
    strict: true,
  };
}

function confusionOf(dataset: Dataset, options: MatchOptions) {
  const run = dataset.runs[0];
  return detectionConfusion(dataset, run, matchDetections(dataset, run, options));
}

describeReferenceCase('confusion_matrix_small', (caseDir) => {
  const expected = readCaseJson<Record<string, Record<string, unknown>>>(caseDir, 'expected.json');

  describe('supervision test case', () => {
    const dataset = readCocoCase(`${caseDir}/supervision_test_case`, 'gt.json', 'detections.json');
    const reference = expected.supervision_test_case;

    for (const key of ['supervision_run_iou0.5', 'supervision_run_iou1.0']) {
      it(`reproduces ${key}`, () => {
        const run = reference[key] as SupervisionRun;
        const matrix = confusionOf(dataset, supervisionOptions(run));
        expect(countRows(matrix)).toEqual(run.matrix);
        expect(matrix.rowLabels.slice(0, -1)).toEqual(run.labels.slice(0, -1));
      });
    }

    it('agrees with the matrices in supervision’s own test file', () => {
      const options = supervisionOptions(reference['supervision_run_iou0.5'] as SupervisionRun);
      expect(countRows(confusionOf(dataset, options))).toEqual(reference['upstream_expected_iou0.5']);
      expect(countRows(confusionOf(dataset, { ...options, iouThreshold: 1 }))).toEqual(
        reference['upstream_expected_iou1.0'],
      );
    });

    it('lists the samples of a cell', () => {
      // From the inputs by hand: ground truth 2 (class c2, box [6,1,2,2]) is found exactly by
      // prediction 2 (class c1); predictions 3 and 4 (c1) overlap no free ground truth by 0.5.
      const matrix = confusionOf(
        dataset,
        supervisionOptions(reference['supervision_run_iou0.5'] as SupervisionRun),
      );
      expect(cellMembers(matrix, 2, 1)).toEqual({ images: [0], groundTruth: [2], predictions: [2] });
      expect(cellMembers(matrix, 3, 1)).toEqual({ images: [0], groundTruth: [], predictions: [3, 4] });
      expect(cellMembers(matrix, 1, 3)).toEqual({ images: [0], groundTruth: [1], predictions: [] });
      expect(cellMembers(matrix, 2, 2)).toEqual({ images: [], groundTruth: [], predictions: [] });
    });
  });

  describe('FiftyOne test case', () => {
    const dataset = readCocoCase(`${caseDir}/fiftyone_test_case`, 'gt.json', 'detections.json');
    const reference = expected.fiftyone_test_case;
    const upstream = reference.upstream_expected_NOT_RUN_HERE as Record<
      string,
      number[][] | number[] | string[]
    >;

    for (const key of [
      'supervision_run_conf0.6_iou0.5 (class-agnostic, = fiftyone classwise=False)',
      'supervision_run_conf0.6_iou1.0',
    ]) {
      it(`reproduces ${key.split(' ')[0]}`, () => {
        const run = reference[key] as SupervisionRun;
        expect(countRows(confusionOf(dataset, supervisionOptions(run)))).toEqual(run.matrix);
      });
    }

    /*
     * FiftyOne's COCO-style evaluation (copied from its tests, not rerun here) matches by score with
     * IoU >= 0.5 and no confidence cut: `classwise=True` is `classAware: true`, `classwise=False` is
     * `classAware: false`. Its "(missing)" row and column are our last row and column.
     */
    const fiftyOneOptions = (classAware: boolean): MatchOptions => ({
      iouThreshold: 0.5,
      scoreThreshold: 0,
      classAware,
      strict: false,
    });

    it('reproduces FiftyOne’s confusion matrices with and without classwise matching', () => {
      expect(upstream.labels).toEqual(['cat', 'dog', '(missing)']);
      expect(countRows(confusionOf(dataset, fiftyOneOptions(true)))).toEqual(upstream.coco_classwise_true);
      expect(countRows(confusionOf(dataset, fiftyOneOptions(false)))).toEqual(upstream.coco_classwise_false);
    });

    it('reproduces FiftyOne’s per-image TP, FP and FN counts', () => {
      const run = dataset.runs[0];
      const counts = imageMatchCounts(dataset, run, matchDetections(dataset, run, fiftyOneOptions(true)));
      expect(Array.from(counts.truePositives)).toEqual(upstream.eval_tp_per_image);
      expect(Array.from(counts.falsePositives)).toEqual(upstream.eval_fp_per_image);
      expect(Array.from(counts.falseNegatives)).toEqual(upstream.eval_fn_per_image);
    });

    it('lists the images of each class-aware cell', () => {
      // From the case description: image2 has a cat nobody found, image5's cat was called a dog
      // (so both count as missed), image3's cat prediction has no ground truth, image4 is correct.
      const matrix = confusionOf(dataset, fiftyOneOptions(true));
      expect(cellMembers(matrix, 0, 2)).toEqual({ images: [1, 4], groundTruth: [0, 2], predictions: [] });
      expect(cellMembers(matrix, 2, 0)).toEqual({ images: [2], groundTruth: [], predictions: [0] });
      expect(cellMembers(matrix, 2, 1)).toEqual({ images: [4], groundTruth: [], predictions: [2] });
      expect(cellMembers(matrix, 0, 0)).toEqual({ images: [3], groundTruth: [1], predictions: [1] });
    });

    it('normalises rows by their totals', () => {
      // Class-agnostic counts [[1,1,1],[0,0,0],[1,0,0]]: a third each for cat, zeros for dog.
      const shares = rowNormalized(confusionOf(dataset, fiftyOneOptions(false)));
      const expectedShares = [1 / 3, 1 / 3, 1 / 3, 0, 0, 0, 1, 0, 0];
      expectedShares.forEach((share, i) => expect(shares[i]).toBeCloseTo(share, 12));
    });
  });
});

describe('detectionConfusion', () => {
  const dataset: Dataset = {
    images: [{ index: 0, path: 'a.jpg', width: 10, height: 10, meta: {} }],
    categories: [
      { id: 5, name: 'cat' },
      { id: 9, name: 'dog' },
    ],
    groundTruth: [
      { index: 0, imageIndex: 0, categoryId: 5, box: [0, 0, 4, 4] },
      { index: 1, imageIndex: 0, categoryId: 9, box: [0, 0, 10, 10], crowd: true },
    ],
    runs: [],
  };
  const run = {
    name: 'r',
    file: 'r.json',
    predictions: [
      {
        index: 0,
        imageIndex: 0,
        categoryId: 9,
        score: 0.9,
        box: [0, 0, 4, 4] as [number, number, number, number],
      },
      {
        index: 1,
        imageIndex: 0,
        categoryId: 9,
        score: 0.8,
        box: [6, 6, 2, 2] as [number, number, number, number],
      },
    ],
  };

  it('labels the extra row and column and leaves crowd samples out', () => {
    const matrix = detectionConfusion(dataset, run, matchDetections(dataset, run, { classAware: false }));
    expect(matrix.rowLabels).toEqual(['cat', 'dog', NO_GROUND_TRUTH]);
    expect(matrix.columnLabels).toEqual(['cat', 'dog', NO_PREDICTION]);
    // The cat called a dog counts once; the second dog lies inside the crowd region and counts nowhere.
    expect(countRows(matrix)).toEqual([
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(cellCount(matrix, 0, 1)).toBe(1);
    expect(Array.from(matrix.gtCell)).toEqual([1, -1]);
    expect(Array.from(matrix.predCell)).toEqual([1, -1]);
  });

  it('rejects matches of another run and unknown cells or categories', () => {
    const matches = matchDetections(dataset, run);
    expect(() => detectionConfusion(dataset, { ...run, name: 'other', predictions: [] }, matches)).toThrow(
      /computed for run 'r'/,
    );
    const matrix = detectionConfusion(dataset, run, matches);
    expect(() => cellMembers(matrix, 3, 0)).toThrow(/invalid cell: \(3, 0\)/);

    const stray = {
      ...dataset,
      groundTruth: [{ index: 0, imageIndex: 0, categoryId: 7, box: [0, 0, 1, 1] }],
    };
    expect(() =>
      detectionConfusion(
        stray as Dataset,
        run,
        matchDetections(stray as Dataset, run, { classAware: false }),
      ),
    ).toThrow(/invalid category id of ground truth 0: 7/);
  });
});

describe('classificationConfusion', () => {
  it('pairs each image’s first label with its top prediction', () => {
    const dataset: Dataset = {
      images: [0, 1, 2, 3].map((index) => ({ index, path: `${index}.jpg`, width: 1, height: 1, meta: {} })),
      categories: [
        { id: 1, name: 'cat' },
        { id: 2, name: 'dog' },
      ],
      groundTruth: [
        { index: 0, imageIndex: 0, categoryId: 1 },
        { index: 1, imageIndex: 1, categoryId: 2 },
        { index: 2, imageIndex: 2, categoryId: 1 },
        { index: 3, imageIndex: 0, categoryId: 2, box: [0, 0, 1, 1] },
      ],
      runs: [],
    };
    const run = {
      name: 'r',
      file: 'r.csv',
      predictions: [
        { index: 0, imageIndex: 0, categoryId: 2, score: 0.4 },
        { index: 1, imageIndex: 0, categoryId: 1, score: 0.6 },
        { index: 2, imageIndex: 1, categoryId: 1, score: 0.5 },
        { index: 3, imageIndex: 1, categoryId: 2, score: 0.5 },
        { index: 4, imageIndex: 3, categoryId: 2, score: 0.9 },
      ],
    };
    // Image 0: cat → cat (0.6 beats 0.4). Image 1: dog → cat (the tie goes to the earlier prediction).
    // Image 2: cat with no prediction. Image 3: a dog prediction without a label.
    const matrix = classificationConfusion(dataset, run);
    expect(matrix.kind).toBe('classification');
    expect(countRows(matrix)).toEqual([
      [1, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(cellMembers(matrix, 1, 0)).toEqual({ images: [1], groundTruth: [1], predictions: [2] });
    expect(Array.from(matrix.predCell)).toEqual([-1, 0, 3, -1, 7]);
  });
});
