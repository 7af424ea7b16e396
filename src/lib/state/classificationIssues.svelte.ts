/**
 * Classification label issues (confident learning, core/labelQuality) of the open dataset, for the
 * Label issues page, the gallery's `sort:quality` and `issue:label`. The probabilities come from the
 * current prediction run when there is one, and otherwise from 5-fold cross-validated logistic
 * regression on the stored image embeddings (out-of-sample by construction), computed in the
 * label-quality worker with progress; the result says which.
 */
import type { Dataset } from '../core/dataset';
import type { TagBound } from '../core/filter';
import { compare } from '../core/query/evaluate';
import {
  classificationSamples,
  isClassificationDataset,
  runProbabilities,
  type ClassificationSamples,
} from '../core/labelQuality/classificationInput';
import type { FilterBy } from '../core/labelQuality/confidentLearning';
import type { ClassProbabilities } from '../core/labelQuality/probabilities';
import { EmbeddingStore } from '../storage/embeddingStore';
import type { ClassificationIssues } from '../../../workers/labelQuality.worker';
import { datasetState } from './dataset.svelte';
import { evaluationState } from './evaluation.svelte';
import { notices } from './notices.svelte';
import { modelIdentity } from './searchTables';
import type { FlaggedBoxes } from './labelIssues.svelte';
import { Comlink, labelQuality } from './workers';

/** Where the probabilities came from, in words the page shows. */
export type ProbabilitySource =
  | { kind: 'run'; run: string; full: boolean }
  | { kind: 'crossValidated'; model: string; folds: number; withoutVector: number };

/** Folds of the cross-validation when no run exists. */
export const CROSS_VALIDATION_FOLDS = 5;

export interface ClassificationResult {
  dataset: Dataset;
  source: ProbabilitySource;
  samples: ClassificationSamples;
  probabilities: ClassProbabilities;
  /** Argmax class position per sample: the label the evidence suggests. */
  suggested: Int32Array;
  issues: ClassificationIssues;
  filterBy: FilterBy;
}

export class ClassificationIssuesState {
  /** cleanlab's `filter_by`; prune by noise rate is its default. */
  filterBy = $state<FilterBy>('prune_by_noise_rate');
  result = $state.raw<ClassificationResult | null>(null);
  /** Cross-validation progress in [0, 1] while it runs; null otherwise. */
  progress = $state<number | null>(null);
  computing = $state(false);

  /** Whether the open dataset is a single-label classification dataset. */
  applies = $derived(datasetState.dataset ? isClassificationDataset(datasetState.dataset) : false);
  /** Label-quality score per image (NaN for images that are not samples), worst lowest. */
  imageScores = $derived.by(() => {
    const result = this.current();
    if (!result) return null;
    const scores = new Float64Array(result.dataset.images.length).fill(NaN);
    result.samples.images.forEach((image, row) => (scores[image] = result.issues.scores[row]));
    return scores;
  });
  /** Cross-entropy of the given label per image, −ln p(given), NaN for images that are not samples. */
  imageLoss = $derived.by(() => {
    const result = this.current();
    if (!result) return null;
    const { values, classes } = result.probabilities;
    const loss = new Float64Array(result.dataset.images.length).fill(NaN);
    result.samples.images.forEach((image, row) => {
      loss[image] = -Math.log(Math.max(values[row * classes + result.samples.labels[row]], 1e-12));
    });
    return loss;
  });
  /** Images whose given label confident learning flags. */
  flaggedImages = $derived.by((): ReadonlySet<number> => {
    const result = this.current();
    const flagged = new Set<number>();
    result?.issues.mask.forEach((bit, row) => bit && flagged.add(result.samples.images[row]));
    return flagged;
  });

  /**
   * The images an `issue:label` term selects: without a bound, the flagged labels; with one, labels
   * whose issue score (1 − label quality) passes it. Null until computed.
   */
  select(bound: TagBound | null): FlaggedBoxes | null {
    const result = this.current();
    if (!result) return null;
    const images = new Set<number>();
    result.samples.images.forEach((image, row) => {
      const issue = 1 - result.issues.scores[row];
      if (bound ? compare(issue, bound.op, bound.value) : result.issues.mask[row]) images.add(image);
    });
    return { images, groundTruth: new Set(), predictions: new Set() };
  }

  /** Finds the issues with the run's probabilities, or cross-validated ones without a run. */
  async compute(): Promise<void> {
    const dataset = datasetState.dataset;
    if (!dataset || !this.applies || this.computing) return;
    this.computing = true;
    try {
      const samples = classificationSamples(dataset);
      const run = evaluationState.run;
      const { probabilities, source, kept } = run
        ? { ...fromRun(dataset, run.name, samples), kept: samples }
        : await this.crossValidated(dataset, samples);
      const filterBy = this.filterBy;
      const issues = await labelQuality().classificationIssues(kept.labels, probabilities, {
        filterBy,
        rankBy: 'self_confidence',
      });
      if (datasetState.dataset !== dataset) return;
      const suggested = argmaxRows(probabilities);
      this.result = { dataset, source, samples: kept, probabilities, suggested, issues, filterBy };
    } catch (error) {
      notices.report(error, 'Finding classification label issues');
    } finally {
      this.computing = false;
      this.progress = null;
    }
  }

  cancel(): void {
    void labelQuality().cancel();
  }

  /** The result for the open dataset, or null (a result of another dataset is never shown). */
  current(): ClassificationResult | null {
    return this.result && this.result.dataset === datasetState.dataset ? this.result : null;
  }

  /** Out-of-sample probabilities from the stored image embeddings; samples without a vector are left out. */
  private async crossValidated(
    dataset: Dataset,
    samples: ClassificationSamples,
  ): Promise<{ probabilities: ClassProbabilities; source: ProbabilitySource; kept: ClassificationSamples }> {
    const folder = datasetState.source?.name;
    const model = modelIdentity('images');
    const matrix =
      folder && model
        ? await (await EmbeddingStore.open()).load(folder, model, datasetState.fingerprints)
        : null;
    if (!matrix) {
      throw new Error(
        'this dataset has no prediction run: embed the images first, and Longtail will cross-validate a classifier on the embeddings',
      );
    }
    const rowOf = new Map(matrix.paths.map((path, row) => [path, row]));
    const keep: number[] = [];
    samples.images.forEach((image, row) => {
      if (rowOf.has(dataset.images[image].path)) keep.push(row);
    });
    const { dim } = matrix;
    const features = new Float32Array(keep.length * dim);
    keep.forEach((row, at) => {
      const from = rowOf.get(dataset.images[samples.images[row]].path)!;
      features.set(matrix.vectors.subarray(from * dim, (from + 1) * dim), at * dim);
    });
    const kept: ClassificationSamples = {
      ...samples,
      images: Int32Array.from(keep, (row) => samples.images[row]),
      labels: Int32Array.from(keep, (row) => samples.labels[row]),
    };

    this.progress = 0;
    const probabilities = await labelQuality().crossValidate(
      Comlink.transfer(features, [features.buffer]),
      dim,
      kept.labels,
      samples.classes,
      { folds: CROSS_VALIDATION_FOLDS },
      Comlink.proxy(({ done }: { done: number }) => (this.progress = done)),
    );
    const withoutVector = samples.images.length - keep.length;
    return {
      probabilities,
      source: { kind: 'crossValidated', model, folds: CROSS_VALIDATION_FOLDS, withoutVector },
      kept,
    };
  }
}

function fromRun(
  dataset: Dataset,
  runName: string,
  samples: ClassificationSamples,
): { probabilities: ClassProbabilities; source: ProbabilitySource } {
  const run = dataset.runs.find((candidate) => candidate.name === runName)!;
  const { probabilities, full } = runProbabilities(dataset, run, samples);
  return { probabilities, source: { kind: 'run', run: runName, full } };
}

function argmaxRows({ values, rows, classes }: ClassProbabilities): Int32Array {
  const best = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const start = row * classes;
    for (let k = 1; k < classes; k++) if (values[start + k] > values[start + best[row]]) best[row] = k;
  }
  return best;
}

export const classificationIssuesState = new ClassificationIssuesState();
