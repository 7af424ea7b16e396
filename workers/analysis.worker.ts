/**
 * Analysis off the main thread: similarity rankings over the embedding matrix, and matching plus the
 * confusion matrix for a prediction run. The dataset and the matrix are sent once and kept here.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../src/lib/core/dataset';
import { detectionConfusion, type ConfusionMatrix } from '../src/lib/core/confusion';
import { matchDetections, type MatchOptions } from '../src/lib/core/matching';
import { meanDirection, selectRows, topK } from '../src/lib/core/knn';

let dataset: Dataset | null = null;
let embeddings: { dim: number; vectors: Float32Array; rowOfImage: Int32Array } | null = null;
let objects: { dim: number; vectors: Float32Array; runs: Int32Array; indices: Int32Array } | null = null;

/** Cosine score of every row of a matrix against a unit query, in row order. */
function scoresPerRow(vectors: Float32Array, dim: number, query: Float32Array): Float32Array {
  const rowCount = vectors.length / dim;
  const ranked = topK(vectors, dim, query, rowCount);
  const scoreOfRow = new Float32Array(rowCount);
  ranked.indices.forEach((row, i) => (scoreOfRow[row] = ranked.scores[i]));
  return scoreOfRow;
}

/** Cosine score of every image against a unit query, laid out by image index (NaN: no vector). */
function scoresPerImage(query: Float32Array): Float32Array {
  const { dim, vectors, rowOfImage } = embeddings!;
  const scoreOfRow = scoresPerRow(vectors, dim, query);
  const scores = new Float32Array(rowOfImage.length).fill(NaN);
  rowOfImage.forEach((row, image) => {
    if (row >= 0) scores[image] = scoreOfRow[row];
  });
  return Comlink.transfer(scores, [scores.buffer]);
}

const api = {
  setDataset(next: Dataset): void {
    dataset = next;
    embeddings = null;
    objects = null;
  },

  /** Takes ownership of the matrix (transferred): row `rowOfImage[i]` holds image i, or -1. */
  setEmbeddings(dim: number, vectors: Float32Array, rowOfImage: Int32Array): void {
    embeddings = { dim, vectors, rowOfImage };
  },

  /** Cosine similarity of every image to the mean of the given images' vectors; NaN where unknown. */
  rankBySimilarity(images: number[]): Float32Array {
    if (!embeddings) throw new Error('no embeddings yet: embed the images first');
    const { dim, vectors, rowOfImage } = embeddings;
    const rows = images.map((image) => rowOfImage[image]).filter((row) => row >= 0);
    if (rows.length === 0) throw new Error('none of the query images has an embedding');
    return scoresPerImage(meanDirection(selectRows(vectors, dim, rows)));
  },

  /** Cosine similarity of every image to an L2-normalised vector (e.g. a text embedding). */
  rankByVector(query: Float32Array): Float32Array {
    if (!embeddings) throw new Error('no embeddings yet: embed the images first');
    return scoresPerImage(query);
  },

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

export type AnalysisWorkerApi = typeof api;
Comlink.expose(api);
