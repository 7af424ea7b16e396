/**
 * Analysis off the main thread: matching plus the confusion matrix for a prediction run, and object
 * rankings for the embeddings state. Image similarity, text search and Autotag run in the search
 * worker (`search.worker.ts`, loaded by the search state). The dataset is sent once and kept here.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../src/lib/core/dataset';
import { classificationConfusion, detectionConfusion, type ConfusionMatrix } from '../src/lib/core/confusion';
import {
  fillColumn,
  matchDetections,
  withScoreThreshold,
  type DetectionMatches,
  type MatchOptions,
} from '../src/lib/core/matching';
import { evaluateCoco, type CocoClassResult, type CocoEvaluation } from '../src/lib/core/metrics/cocoEval';
import {
  classificationInput,
  classificationMetrics,
  type ClassificationMetrics,
} from '../src/lib/core/metrics/classification';
import { detectionColumns } from '../src/lib/core/metrics/columns';
import { compareRuns, type RunComparison } from '../src/lib/core/metrics/compareRuns';
import { curvesFromMatches, type ClassCurve } from '../src/lib/core/metrics/liveCurves';
import { sampleColumns, type SampleColumns } from '../src/lib/core/metrics/sampleResults';
import { meanDirection, selectRows, topK } from '../src/lib/core/search/knn';
import { exportGroundTruth, type GroundTruthFormat } from '../src/lib/core/export/groundTruth';
import type { Edit } from '../src/lib/core/review/edits';

let dataset: Dataset | null = null;
let objects: { dim: number; vectors: Float32Array; runs: Int32Array; indices: Int32Array } | null = null;

/** COCO evaluations per run: they depend on no slider, so each run is evaluated once per dataset. */
const cocoByRun = new Map<number, CocoEvaluation>();
/** Matchings of every prediction at one IoU threshold; the score slider only narrows them. */
let live: { runIndex: number; iou: number; classAware: DetectionMatches; agnostic: DetectionMatches } | null =
  null;

function runOf(runIndex: number) {
  if (!dataset) throw new Error('no dataset loaded');
  const run = dataset.runs[runIndex];
  if (!run) throw new Error(`invalid run index ${runIndex}: the dataset has ${dataset.runs.length} runs`);
  return { dataset, run };
}

function cocoOf(runIndex: number): CocoEvaluation {
  const cached = cocoByRun.get(runIndex);
  if (cached) return cached;
  const { dataset: current, run } = runOf(runIndex);
  const evaluation = evaluateCoco(detectionColumns(current, run));
  cocoByRun.set(runIndex, evaluation);
  return evaluation;
}

/** The base matchings at this IoU threshold, reusing the last ones when nothing they depend on changed. */
function liveOf(runIndex: number, iou: number) {
  if (live && live.runIndex === runIndex && live.iou === iou) return live;
  const { dataset: current, run } = runOf(runIndex);
  const options = { iouThreshold: iou, scoreThreshold: -Infinity };
  live = {
    runIndex,
    iou,
    classAware: matchDetections(current, run, { ...options, classAware: true }),
    agnostic: matchDetections(current, run, { ...options, classAware: false }),
  };
  return live;
}

function scoresOf(runIndex: number): Float64Array {
  const { run } = runOf(runIndex);
  return fillColumn(new Float64Array(run.predictions.length), run.predictions, (p) => p.score);
}

function buffersOf(value: object): ArrayBuffer[] {
  return Object.values(value)
    .filter((v): v is Float64Array | Int32Array | Uint8Array => ArrayBuffer.isView(v))
    .map((v) => v.buffer as ArrayBuffer);
}

/** Cosine score of every row of a matrix against a unit query, in row order. */
function scoresPerRow(vectors: Float32Array, dim: number, query: Float32Array): Float32Array {
  const rowCount = vectors.length / dim;
  const ranked = topK(vectors, dim, query, rowCount);
  const scoreOfRow = new Float32Array(rowCount);
  ranked.indices.forEach((row, i) => (scoreOfRow[row] = ranked.scores[i]));
  return scoreOfRow;
}

const api = {
  /**
   * Corrected ground truth (the dataset held here with `edits` applied) as COCO or YOLO, for the
   * export dialog; COCO comes back as a Blob so the page never copies a 100 MB string.
   */
  exportGroundTruth(edits: Edit[], format: GroundTruthFormat, images: number[] | null) {
    if (!dataset) throw new Error('no dataset loaded');
    const { text, ...rest } = exportGroundTruth(dataset, edits, format, images ?? undefined);
    return { ...rest, blob: text === undefined ? null : new Blob([text], { type: 'application/json' }) };
  },

  setDataset(next: Dataset): void {
    dataset = next;
    objects = null;
    cocoByRun.clear();
    live = null;
  },

  /**
   * Drops the image matrix (transferred here by the embedding jobs): image search moved to the search
   * worker, which the search state loads from IndexedDB. Kept so those jobs' call still type-checks
   * until they publish to the search worker directly.
   */
  setEmbeddings(_dim: number, _vectors: Float32Array, _rowOfImage: Int32Array): void {},

  /**
   * Takes ownership of the box-crop matrix (transferred): row i embeds box `indices[i]` of ground
   * truth (`runs[i]` = -1) or of run `runs[i]`.
   */
  setObjectEmbeddings(dim: number, vectors: Float32Array, runs: Int32Array, indices: Int32Array): void {
    objects = { dim, vectors, runs, indices };
  },

  /** Cosine similarity of every object row to an L2-normalised vector (e.g. a text embedding). */
  rankObjectsByVector(query: Float32Array): Float32Array {
    if (!objects) throw new Error('no object embeddings yet: embed the objects first');
    const scores = scoresPerRow(objects.vectors, objects.dim, query);
    return Comlink.transfer(scores, [scores.buffer]);
  },

  /** Cosine similarity of every object row to the mean of the given rows' vectors. */
  rankObjectsBySimilarity(rows: number[]): Float32Array {
    if (!objects) throw new Error('no object embeddings yet: embed the objects first');
    const { dim, vectors } = objects;
    const valid = rows.filter((row) => Number.isInteger(row) && row >= 0 && row < vectors.length / dim);
    if (valid.length === 0)
      throw new Error(`invalid object rows ${JSON.stringify(rows)}: none is in the matrix`);
    const scores = scoresPerRow(vectors, dim, meanDirection(selectRows(vectors, dim, valid)));
    return Comlink.transfer(scores, [scores.buffer]);
  },

  /** Class-agnostic matching of one run, then its confusion matrix (swaps show off the diagonal). */
  confusion(runIndex: number, options: MatchOptions): ConfusionMatrix {
    if (!dataset) throw new Error('no dataset loaded');
    const run = dataset.runs[runIndex];
    if (!run) throw new Error(`invalid run index ${runIndex}: the dataset has ${dataset.runs.length} runs`);
    const matches = matchDetections(dataset, run, { ...options, classAware: false });
    const matrix = detectionConfusion(dataset, run, matches);
    return Comlink.transfer(matrix, [
      matrix.counts.buffer,
      matrix.gtCell.buffer,
      matrix.gtImage.buffer,
      matrix.predCell.buffer,
      matrix.predImage.buffer,
    ]);
  },
};

/** Evaluation entry points, merged into the worker's API below. */
const evaluation = {
  /** COCO's 12 numbers and per-class AP/AR of a run (computed once per run), with stage timings in ms. */
  cocoSummary(runIndex: number): {
    stats: number[];
    perClass: CocoClassResult[];
    timings: CocoEvaluation['timings'];
  } {
    const result = cocoOf(runIndex);
    return { stats: result.stats, perClass: result.perClass, timings: result.timings };
  },

  /** Accuracy, top-1/5, per-class P/R/F1 of an image-level run; null for a run with boxes. */
  classificationSummary(runIndex: number): ClassificationMetrics | null {
    const { dataset: current, run } = runOf(runIndex);
    if (run.predictions.some((p) => p.box) || !current.groundTruth.some((g) => !g.box)) return null;
    return classificationMetrics(classificationInput(current, run.predictions), [1, 5]);
  },

  /** Per-class AP and counts of two runs side by side. */
  compare(runA: number, runB: number): RunComparison {
    return compareRuns(cocoOf(runA), cocoOf(runB));
  },

  /** PR curves of every class at this IoU threshold (class-aware live matching of all predictions). */
  curves(runIndex: number, iou: number): ClassCurve[] {
    const { dataset: current, run } = runOf(runIndex);
    const base = liveOf(runIndex, iou);
    const curves = curvesFromMatches(
      current.categories.map((c) => c.id),
      fillColumn(new Int32Array(current.groundTruth.length), current.groundTruth, (g) => g.categoryId),
      fillColumn(new Int32Array(run.predictions.length), run.predictions, (p) => p.categoryId),
      scoresOf(runIndex),
      base.classAware,
    );
    return Comlink.transfer(curves, curves.flatMap(buffersOf));
  },

  /**
   * Everything that depends on the score threshold, derived from the cached matchings: the confusion
   * matrix (class-agnostic) and the per-sample results (class-aware statuses, partners, IoUs, cells).
   */
  atThresholds(
    runIndex: number,
    iou: number,
    score: number,
  ): { matrix: ConfusionMatrix; samples: SampleColumns } {
    const { dataset: current, run } = runOf(runIndex);
    const base = liveOf(runIndex, iou);
    const scores = scoresOf(runIndex);
    const agnostic = withScoreThreshold(base.agnostic, scores, score);
    // A run without boxes is image-level classification: its matrix pairs labels with top predictions.
    const boxes = run.predictions.some((p) => p.box) || current.groundTruth.some((g) => g.box);
    const matrix = boxes ? detectionConfusion(current, run, agnostic) : classificationConfusion(current, run);
    const samples = sampleColumns(
      {
        gtImage: fillColumn(
          new Int32Array(current.groundTruth.length),
          current.groundTruth,
          (g) => g.imageIndex,
        ),
        gtCategory: fillColumn(
          new Int32Array(current.groundTruth.length),
          current.groundTruth,
          (g) => g.categoryId,
        ),
        predImage: fillColumn(new Int32Array(run.predictions.length), run.predictions, (p) => p.imageIndex),
        predCategory: fillColumn(
          new Int32Array(run.predictions.length),
          run.predictions,
          (p) => p.categoryId,
        ),
        predScore: scores,
      },
      withScoreThreshold(base.classAware, scores, score),
      { gtCell: matrix.gtCell.slice(), predCell: matrix.predCell.slice() },
    );
    return Comlink.transfer({ matrix, samples }, [...buffersOf(matrix), ...buffersOf(samples)]);
  },
};
Object.assign(api, evaluation);

export type AnalysisWorkerApi = typeof api & typeof evaluation;
Comlink.expose(api);
