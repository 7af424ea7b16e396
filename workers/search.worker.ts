/**
 * Search off the main thread: exact k-NN, scores by vector or by examples, Autotag training and
 * scoring, uniqueness and near-duplicates, over two matrices kept here (whole images and box crops).
 * Each matrix arrives once as a transferred buffer; every typed array that goes back is transferred.
 */
import * as Comlink from 'comlink';
import {
  queryFromExamples,
  rowCount,
  scoreRows,
  topKBatch,
  type Neighbours,
} from '../src/lib/core/search/knn';
import { nearDuplicateGroups, uniqueness, type DuplicateGroups } from '../src/lib/core/search/duplicates';
import {
  scoreWithModel,
  trainLinearClassifier,
  type LinearModel,
  type TrainOptions,
} from '../src/lib/core/autotag/train';
import { seedAutotagFromQuery } from '../src/lib/core/autotag/rounds';

/** Which matrix: one row per embedded image, or one row per embedded box crop. */
export type SearchSet = 'images' | 'objects';

export type { LinearModel, Neighbours, TrainOptions, DuplicateGroups };

const matrices: Partial<Record<SearchSet, { vectors: Float32Array; dim: number }>> = {};

function matrix(set: SearchSet): { vectors: Float32Array; dim: number } {
  const loaded = matrices[set];
  if (!loaded) throw new Error(`no ${set} vectors loaded: call load('${set}', vectors, dim) first`);
  return loaded;
}

function transferred<T extends ArrayBufferView>(array: T): T {
  return Comlink.transfer(array, [array.buffer]);
}

const api = {
  /** Takes ownership of an n × dim matrix of unit rows (transfer its buffer), replacing the set's previous one. */
  load(set: SearchSet, vectors: Float32Array, dim: number): void {
    rowCount(vectors, dim);
    matrices[set] = { vectors, dim };
  },

  /** Forgets a set's matrix, e.g. when the dataset closes. */
  unload(set: SearchSet): void {
    delete matrices[set];
  },

  /** Dot product (cosine for unit vectors) of every row with `query`, in row order. */
  scoreByVector(set: SearchSet, query: Float32Array): Float32Array {
    const { vectors, dim } = matrix(set);
    return transferred(scoreRows(vectors, dim, query));
  },

  /** Cosine of every row with the Rocchio query of the examples (see `queryFromExamples`), in row order. */
  scoreByExamples(set: SearchSet, positives: Int32Array, negatives: Int32Array): Float32Array {
    const { vectors, dim } = matrix(set);
    return transferred(scoreRows(vectors, dim, queryFromExamples(vectors, dim, positives, negatives)));
  },

  /** The k best rows for each of nq queries (nq × dim), best first, leaving out `exclude`. */
  topK(set: SearchSet, queries: Float32Array, k: number, exclude?: Int32Array): Neighbours[] {
    const { vectors, dim } = matrix(set);
    const results = topKBatch(vectors, dim, queries, k, { exclude });
    return Comlink.transfer(
      results,
      results.flatMap((result) => [result.indices.buffer, result.scores.buffer]),
    );
  },

  /** Trains the Autotag classifier on judged rows and rescores every row with it. */
  trainAutotag(
    set: SearchSet,
    rows: Int32Array,
    labels: Uint8Array,
    options?: TrainOptions,
  ): { model: LinearModel; scores: Float32Array } {
    const { vectors, dim } = matrix(set);
    const model = trainLinearClassifier(vectors, dim, rows, labels, options);
    const scores = scoreWithModel(model, vectors, dim);
    return Comlink.transfer({ model, scores }, [scores.buffer, model.weights.buffer]);
  },

  /**
   * Starting scores for Autotag before any judgement, from a query vector (e.g. a text embedding):
   * see `seedAutotagFromQuery`. Use them with `nextJudgementBatch` for the first round.
   */
  seedAutotag(set: SearchSet, query: Float32Array): Float32Array {
    const { vectors, dim } = matrix(set);
    return transferred(seedAutotagFromQuery(vectors, dim, query));
  },

  /** P(yes) of every row under a saved model, e.g. after new images were embedded. */
  scoreModel(set: SearchSet, model: LinearModel): Float32Array {
    const { vectors, dim } = matrix(set);
    return transferred(scoreWithModel(model, vectors, dim));
  },

  /**
   * 1 − mean cosine to the k nearest other rows, per row. O(n²·dim): about a minute at 10k rows, see
   * `duplicates.ts`. `onProgress` (pass it through `Comlink.proxy`) gets (rows done, rows in all).
   */
  uniqueness(set: SearchSet, k: number, onProgress?: (done: number, total: number) => void): Float32Array {
    const { vectors, dim } = matrix(set);
    return transferred(uniqueness(vectors, dim, k, { onProgress }));
  },

  /** Groups of rows joined by cosine ≥ threshold (transitively). O(n²·dim), like `uniqueness`. */
  duplicates(
    set: SearchSet,
    threshold: number,
    onProgress?: (done: number, total: number) => void,
  ): DuplicateGroups {
    const { vectors, dim } = matrix(set);
    const result = nearDuplicateGroups(vectors, dim, threshold, { onProgress });
    return Comlink.transfer(result, [result.groupOf.buffer, ...result.groups.map((group) => group.buffer)]);
  },
};

export type SearchWorkerApi = typeof api;
Comlink.expose(api);
