import { cellMembers, type CellMembers, type ConfusionMatrix } from '../core/confusion';
import { groupByImage } from '../core/matching';
import { datasetState } from './dataset.svelte';
import { notices } from './notices.svelte';
import { analysis } from './workers';

/**
 * Where model and labels disagree: the chosen run's confusion matrix under the IoU and score
 * thresholds, recomputed in the analysis worker whenever one of them changes.
 */
export class EvaluationState {
  runIndex = $state(0);
  iouThreshold = $state(0.5);
  /** Predictions below this score are hidden everywhere and left out of the matrix. */
  scoreThreshold = $state(0.3);
  normalized = $state(false);
  matrix = $state.raw<ConfusionMatrix | null>(null);
  computing = $state(false);
  private generation = 0;

  run = $derived(datasetState.dataset?.runs[this.runIndex] ?? null);
  /** The run's predictions grouped by image (CSR). */
  predictionsByImage = $derived(
    this.run && datasetState.dataset
      ? groupByImage(this.run.predictions, datasetState.dataset.images.length)
      : null,
  );

  /** Recomputes the matrix for the current dataset, run and thresholds; a newer call wins. */
  async refresh(): Promise<void> {
    const dataset = datasetState.dataset;
    const generation = ++this.generation;
    if (!dataset || !dataset.runs[this.runIndex]) {
      this.matrix = null;
      return;
    }

    this.computing = true;
    try {
      const matrix = await analysis().confusion(this.runIndex, {
        iouThreshold: this.iouThreshold,
        scoreThreshold: this.scoreThreshold,
      });
      if (generation === this.generation) this.matrix = matrix;
    } catch (error) {
      notices.report(error, 'Computing the confusion matrix');
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
}

export const evaluationState = new EvaluationState();
