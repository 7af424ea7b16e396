import { cellMembers, type CellMembers, type ConfusionMatrix } from '../core/confusion';
import type { SampleQuery } from '../core/filter';
import { groupByImage, MatchStatus } from '../core/matching';
import type { ClassificationMetrics } from '../core/metrics/classification';
import type { CocoClassResult } from '../core/metrics/cocoEval';
import type { RunComparison } from '../core/metrics/compareRuns';
import type { ClassCurve } from '../core/metrics/liveCurves';
import {
  disagreementConfidence,
  selectSamples,
  type SampleColumns,
  type SelectedSamples,
} from '../core/metrics/sampleResults';
import { datasetState } from './dataset.svelte';
import { notices } from './notices.svelte';
import { analysis } from './workers';

/** Status a box is drawn with when the view colours by match status. */
export type BoxMatch = 'tp' | 'fp' | 'fn' | null;

/**
 * How the chosen run compares with the labels. All computing happens in the analysis worker, in three
 * layers that each recompute only when what they depend on changes:
 * - COCO metrics (12 stats, per-class AP): the run only.
 * - PR curves: run and IoU threshold (a matching of every prediction, cached in the worker).
 * - Confusion matrix and per-sample results: also the score threshold, derived from that cached matching.
 *
 * An image-level classification run gets its confusion matrix (labels against top predictions) and
 * `classification` (accuracy, top-k, per-class P/R/F1); the detection charts stay empty for it.
 */
export class EvaluationState {
  runIndex = $state(0);
  /** Second run of the comparison table; -1 for none. */
  compareIndex = $state(-1);
  iouThreshold = $state(0.5);
  /** Predictions below this score are hidden everywhere and left out of the matrix. */
  scoreThreshold = $state(0.3);
  normalized = $state(false);
  matrix = $state.raw<ConfusionMatrix | null>(null);
  samples = $state.raw<SampleColumns | null>(null);
  /** Per image, the highest score of a prediction contradicting the ground truth (`sort:disagree`). */
  disagreement = $derived(
    this.samples && datasetState.dataset
      ? disagreementConfidence(this.samples, datasetState.dataset.images.length)
      : null,
  );
  curves = $state.raw<ClassCurve[] | null>(null);
  coco = $state.raw<{ stats: number[]; perClass: CocoClassResult[]; timings: Record<string, number> } | null>(
    null,
  );
  comparison = $state.raw<RunComparison | null>(null);
  /** Image-level metrics of a run without boxes; null for a detection run. */
  classification = $state.raw<ClassificationMetrics | null>(null);
  computing = $state(false);
  private generation = 0;
  private done = { dataset: null as unknown, run: -1, iou: NaN, compare: -2 };

  run = $derived(datasetState.dataset?.runs[this.runIndex] ?? null);
  /** The run's predictions grouped by image (CSR). */
  predictionsByImage = $derived(
    this.run && datasetState.dataset
      ? groupByImage(this.run.predictions, datasetState.dataset.images.length)
      : null,
  );

  /** Recomputes what the dataset, run and thresholds changed since last time; a newer call wins. */
  async refresh(): Promise<void> {
    const dataset = datasetState.dataset;
    const generation = ++this.generation;
    if (!dataset || !dataset.runs[this.runIndex]) {
      this.matrix = this.samples = this.curves = this.coco = this.comparison = this.classification = null;
      this.done = { dataset: null, run: -1, iou: NaN, compare: -2 };
      return;
    }
    const [run, iou, score, compare] = [
      this.runIndex,
      this.iouThreshold,
      this.scoreThreshold,
      this.compareIndex,
    ];
    const sameRun = this.done.dataset === dataset && this.done.run === run;

    this.computing = true;
    try {
      // The score slider alone only narrows the cached matching: the cheapest call, made first.
      const current = await analysis().atThresholds(run, iou, score);
      if (generation !== this.generation) return;
      this.matrix = current.matrix;
      this.samples = current.samples;

      if (!sameRun || this.done.iou !== iou) {
        const curves = await analysis().curves(run, iou);
        if (generation !== this.generation) return;
        this.curves = curves;
      }
      if (!sameRun) {
        const [coco, classification] = await Promise.all([
          analysis().cocoSummary(run),
          analysis().classificationSummary(run),
        ]);
        if (generation !== this.generation) return;
        this.coco = coco;
        this.classification = classification;
      }
      if (!sameRun || this.done.compare !== compare) {
        const comparison =
          compare >= 0 && compare !== run && dataset.runs[compare]
            ? await analysis().compare(run, compare)
            : null;
        if (generation !== this.generation) return;
        this.comparison = comparison;
      }
      this.done = { dataset, run, iou, compare };
    } catch (error) {
      notices.report(error, 'Evaluating the predictions');
    } finally {
      if (generation === this.generation) this.computing = false;
    }
  }

  /** Samples behind a cell given by labels (`null` = the "no ground truth" row / "no prediction" column). */
  members(groundTruth: string | null, prediction: string | null): CellMembers | null {
    const matrix = this.matrix;
    if (!matrix) return null;
    const k = matrix.size - 1;
    const row = groundTruth === null ? k : matrix.rowLabels.slice(0, k).indexOf(groundTruth);
    const col = prediction === null ? k : matrix.columnLabels.slice(0, k).indexOf(prediction);
    if (row < 0 || col < 0) return { images: [], groundTruth: [], predictions: [] };
    return cellMembers(matrix, row, col);
  }

  /** Boxes (and their images) passing a box query of the filter, under the current settings. */
  select(query: SampleQuery): SelectedSamples {
    const samples = this.samples;
    const dataset = datasetState.dataset;
    if (!samples || !dataset) return { images: new Set(), groundTruth: new Set(), predictions: new Set() };
    const name = query.classTerm?.name;
    const categoryId =
      name === undefined ? null : (dataset.categories.find((c) => c.name === name)?.id ?? null);
    if (name !== undefined && categoryId === null) {
      return { images: new Set(), groundTruth: new Set(), predictions: new Set() };
    }
    return selectSamples(samples, query, categoryId);
  }

  /** Match status of a ground truth (`tp` or `fn`) or prediction (`tp` or `fp`); null when not evaluated. */
  boxMatch(kind: 'gt' | 'pred', index: number): BoxMatch {
    const samples = this.samples;
    if (!samples) return null;
    const status = kind === 'gt' ? samples.gtStatus[index] : samples.predStatus[index];
    if (status === MatchStatus.Matched) return 'tp';
    if (status === MatchStatus.Unmatched) return kind === 'gt' ? 'fn' : 'fp';
    return null;
  }
}

export const evaluationState = new EvaluationState();
