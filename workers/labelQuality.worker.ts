/**
 * Label quality off the main thread: detection label issues of a prediction run, confident learning
 * on classification probabilities, and out-of-sample probabilities by cross-validated logistic
 * regression on embeddings (with progress and cancel). Bulk results come back as transferred typed
 * arrays; the dataset is sent once and kept here.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../src/lib/core/dataset';
import { findLabelIssues, type FindLabelIssuesOptions } from '../src/lib/core/labelQuality/confidentLearning';
import { numLabelIssues } from '../src/lib/core/labelQuality/confidentJoint';
import {
  checkInSample,
  crossValidatedProbabilities,
  type CrossValidationOptions,
  type InSampleCheck,
} from '../src/lib/core/labelQuality/crossValidation';
import {
  findDetectionIssues,
  type DetectionIssueOptions,
  type DetectionIssues,
} from '../src/lib/core/labelQuality/detection';
import { estimateNoiseMatrices, type NoiseEstimates } from '../src/lib/core/labelQuality/noiseMatrix';
import type { ClassProbabilities } from '../src/lib/core/labelQuality/probabilities';
import { labelQualityScores, orderLabelIssues, type RankingMethod } from '../src/lib/core/labelQuality/rank';

/** What `classificationIssues` returns: the flagged samples, ranked, with the evidence behind them. */
export interface ClassificationIssues {
  /** 1 = label issue, per sample. */
  mask: Uint8Array;
  /** Flagged samples, worst first by `rankBy`. */
  ranked: Int32Array;
  /** Label-quality score of every sample by `rankBy`, in [0, 1]. */
  scores: Float64Array;
  /** Estimated number of label issues (cleanlab's off_diagonal count). */
  estimatedIssues: number;
  noise: NoiseEstimates;
  inSample: InSampleCheck;
}

let dataset: Dataset | null = null;
let controller = new AbortController();

const api = {
  setDataset(next: Dataset): void {
    dataset = next;
  },

  /** Detection label-issue scores of the named run (see core/labelQuality/detection.ts). */
  detectionIssues(runName: string, options: DetectionIssueOptions = {}): DetectionIssues {
    if (!dataset) throw new Error('no dataset yet: open a folder first');
    const run = dataset.runs.find((candidate) => candidate.name === runName);
    if (!run) throw new Error(`no prediction run named ${JSON.stringify(runName)}`);
    const issues = findDetectionIssues(dataset, run, options);
    const { overlooked, swapped, swappedBy, badlyLocated, badlyLocatedBy, imageQuality } = issues;
    return Comlink.transfer(
      issues,
      [overlooked, swapped, swappedBy, badlyLocated, badlyLocatedBy, imageQuality].map(
        (column) => column.buffer,
      ),
    );
  },

  /** Confident learning on classification probabilities (row-major n × classes). */
  classificationIssues(
    labels: Int32Array,
    probabilities: ClassProbabilities,
    options: FindLabelIssuesOptions & { rankBy?: RankingMethod } = {},
  ): ClassificationIssues {
    const method = options.rankBy ?? 'self_confidence';
    const mask = findLabelIssues(labels, probabilities, options);
    const ranked = orderLabelIssues(mask, labels, probabilities, { method });
    const scores = labelQualityScores(labels, probabilities, { method });
    const result = {
      mask,
      ranked,
      scores,
      estimatedIssues: numLabelIssues(labels, probabilities),
      noise: estimateNoiseMatrices(labels, probabilities),
      inSample: checkInSample(labels, probabilities),
    };
    return Comlink.transfer(result, [mask.buffer, ranked.buffer, scores.buffer]);
  },

  /** Out-of-sample probabilities from embeddings (n × dim); `cancel()` stops it with an AbortError. */
  async crossValidate(
    features: Float32Array,
    dim: number,
    labels: Int32Array,
    classes: number,
    options: Omit<CrossValidationOptions, 'signal' | 'onProgress'>,
    onProgress: (progress: { fold: number; folds: number; done: number }) => void,
  ): Promise<ClassProbabilities> {
    controller = new AbortController();
    const probabilities = await crossValidatedProbabilities(features, dim, labels, classes, {
      ...options,
      signal: controller.signal,
      onProgress,
    });
    return Comlink.transfer(probabilities, [probabilities.values.buffer]);
  },

  /** Stops the cross-validation under way. */
  cancel(): void {
    controller.abort();
  },
};

export type LabelQualityWorkerApi = typeof api;
Comlink.expose(api);
