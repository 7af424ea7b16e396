/**
 * Label quality off the main thread: detection label issues of a prediction run (with crop evidence
 * from box embeddings when the page has sent them), confident learning
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
import { cropLabelProbabilities } from '../src/lib/core/labelQuality/cropEvidence';
import {
  findDetectionIssues,
  type DetectionEvidence,
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

/** Ground-truth box-crop embeddings: `vectors` rows × dim, row i embedding box `groundTruthOfRow[i]`. */
export interface CropEmbeddings {
  dim: number;
  vectors: Float32Array;
  groundTruthOfRow: Int32Array;
}

let dataset: Dataset | null = null;
let controller = new AbortController();
let crops: CropEmbeddings | null = null;
/** Crop evidence of `crops` for `dataset`, fitted on first use (seconds at 100k boxes) and kept. */
let evidence: Promise<DetectionEvidence> | null = null;

const api = {
  setDataset(next: Dataset): void {
    dataset = next;
    crops = evidence = null;
  },

  /** Crop embeddings of the current dataset's ground truth for `detectionIssues`; null forgets them. */
  setCropEmbeddings(next: CropEmbeddings | null): void {
    crops = next;
    evidence = null;
  },

  /**
   * Detection label-issue scores of the named run (see core/labelQuality/detection.ts), with crop
   * evidence when crop embeddings were set.
   */
  async detectionIssues(runName: string, options: DetectionIssueOptions = {}): Promise<DetectionIssues> {
    if (!dataset) throw new Error('no dataset yet: open a folder first');
    const run = dataset.runs.find((candidate) => candidate.name === runName);
    if (!run) throw new Error(`no prediction run named ${JSON.stringify(runName)}`);
    const issues = findDetectionIssues(dataset, run, options, await cropEvidence(dataset));
    const { overlooked, swapped, swappedBy, badlyLocated, badlyLocatedBy, unsupported, cropSupport } = issues;
    return Comlink.transfer(
      issues,
      [
        overlooked,
        swapped,
        swappedBy,
        badlyLocated,
        badlyLocatedBy,
        unsupported,
        cropSupport,
        issues.imageQuality,
      ].map((column) => column.buffer),
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

/** The crop evidence of the current crops, computed once per dataset and crop set; {} without crops. */
function cropEvidence(current: Dataset): Promise<DetectionEvidence> {
  if (!crops) return Promise.resolve({});
  const { dim, vectors, groundTruthOfRow } = crops;
  evidence ??= cropLabelProbabilities(current, dim, vectors, groundTruthOfRow).then((probabilities) => ({
    groundTruthProbabilities: probabilities,
  }));
  // A failed fit is not kept: the next call tries again, and the error reaches the page meanwhile.
  evidence.catch(() => (evidence = null));
  return evidence;
}

export type LabelQualityWorkerApi = typeof api;
Comlink.expose(api);
