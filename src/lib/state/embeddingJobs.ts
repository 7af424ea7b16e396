/**
 * The two kinds of embedding job, planned against what IndexedDB already holds: which items still
 * need the model, how each finished batch is stored (and kept for the matrix), and how the finished
 * matrix is published to the analysis worker in dataset order.
 */
import type { Dataset } from '../core/dataset';
import { listBoxes } from '../core/embedPlan';
import { objectKey, type EmbeddingStore, type ObjectNow } from '../storage/embeddingStore';
import { analysis } from './workers';
import type { EmbedBatchResult, EmbedJob, ModelInfo } from '../../../workers/embed.worker';

/** What a plan is made from. */
export interface PlanContext {
  dataset: Dataset;
  /** The folder's name: the first part of every stored key. */
  folder: string;
  /** `size:lastModified` per path. */
  fingerprints: Map<string, string>;
  model: ModelInfo;
  store: EmbeddingStore;
}

/** Which box each row of the object matrix embeds: `runs[i]` is -1 for ground truth, else a run's position. */
export interface ObjectRows {
  runs: Int32Array;
  indices: Int32Array;
}

export type Published =
  | { kind: 'images'; rows: number }
  | { kind: 'objects'; rows: number; objectRows: ObjectRows; dim: number; vectors: Float32Array };

export interface JobPlan {
  /** What the worker must still embed. */
  job: EmbedJob;
  /** Items in all, and how many of them came from the cache. */
  total: number;
  cached: number;
  /** The model part of the storage key. */
  modelKey: string;
  /** About how many bytes one stored item takes. */
  bytesPerItem: number;
  /** Stores a finished batch (one transaction) and keeps its vectors for the matrix. */
  accept(result: EmbedBatchResult): Promise<void>;
  /** Sends the matrix of every vector known now to the analysis worker. */
  publish(): Promise<Published>;
}

/** Whole images: keyed by (folder, model, path, fingerprint). */
export async function planImageJob({
  dataset,
  folder,
  fingerprints,
  model,
  store,
}: PlanContext): Promise<JobPlan> {
  const { identity, dim } = model;

  // Reuse what an earlier visit computed, if the files have not changed since.
  const cached = await store.load(folder, identity, fingerprints);
  const vectorOf = new Map<string, Float32Array>();
  cached?.paths.forEach((path, row) =>
    vectorOf.set(path, cached.vectors.subarray(row * dim, (row + 1) * dim)),
  );
  const missing = dataset.images.filter((image) => !vectorOf.has(image.path)).map((image) => image.path);

  return {
    job: { paths: missing, boxes: null, margin: 0, batchSize: model.batchSize },
    total: dataset.images.length,
    cached: dataset.images.length - missing.length,
    modelKey: identity,
    bytesPerItem: dim * 4 + 2 * (averageLength(missing) + 24),

    async accept(result) {
      const paths: string[] = [];
      for (let item = result.start; item < result.end; item++) {
        const row = result.rows[item - result.start];
        if (row < 0) continue;
        paths.push(missing[item]);
        vectorOf.set(missing[item], result.vectors.subarray(row * dim, (row + 1) * dim));
      }
      const batch = {
        dim,
        paths,
        fingerprints: paths.map((path) => fingerprints.get(path) ?? ''),
        vectors: result.vectors,
      };
      await store.append(folder, identity, batch);
    },

    async publish() {
      const rowOfImage = new Int32Array(dataset.images.length).fill(-1);
      const vectors = new Float32Array(vectorOf.size * dim);
      let rows = 0;
      dataset.images.forEach((image, index) => {
        const vector = vectorOf.get(image.path);
        if (!vector) return;
        vectors.set(vector, rows * dim);
        rowOfImage[index] = rows++;
      });
      await analysis().setEmbeddings(dim, vectors, rowOfImage);
      return { kind: 'images', rows };
    },
  };
}

/**
 * Box crops with `margin` of context: keyed by (folder, model and margin, path, fingerprint, source,
 * box index), and a stored vector counts only while its box is where it was cropped from.
 */
export async function planObjectJob(
  { dataset, folder, fingerprints, model, store }: PlanContext,
  margin: number,
): Promise<JobPlan> {
  const { dim } = model;
  const modelKey = `${model.identity}#margin=${margin}`;
  const boxes = listBoxes(dataset);
  const keys = boxes.paths.map((_, row) => objectKey(boxes.sources[row], boxes.indices[row]));
  const now = new Map<string, ObjectNow>(
    keys.map((key, row) => [key, { path: boxes.paths[row], box: boxAt(boxes.boxes, row) }]),
  );

  const cached = await store.loadObjects(folder, modelKey, fingerprints, now);
  const vectorOf = new Map<string, Float32Array>();
  cached?.keys.forEach((key, row) => vectorOf.set(key, cached.vectors.subarray(row * dim, (row + 1) * dim)));
  const missing = keys.flatMap((key, row) => (vectorOf.has(key) ? [] : [row]));
  const missingBoxes = new Float64Array(missing.length * 4);
  missing.forEach((row, item) => missingBoxes.set(boxAt(boxes.boxes, row), item * 4));
  const missingPaths = missing.map((row) => boxes.paths[row]);

  return {
    job: { paths: missingPaths, boxes: missingBoxes, margin, batchSize: model.batchSize },
    total: keys.length,
    cached: keys.length - missing.length,
    modelKey,
    bytesPerItem: dim * 4 + 16 + 2 * (averageLength(missingPaths) + 32),

    async accept(result) {
      const rows: number[] = [];
      for (let item = result.start; item < result.end; item++) {
        const row = result.rows[item - result.start];
        if (row < 0) continue;
        rows.push(missing[item]);
        vectorOf.set(keys[missing[item]], result.vectors.subarray(row * dim, (row + 1) * dim));
      }
      const paths = rows.map((row) => boxes.paths[row]);
      const batch = {
        dim,
        paths,
        fingerprints: paths.map((path) => fingerprints.get(path) ?? ''),
        sources: rows.map((row) => boxes.sources[row]),
        boxIndices: Int32Array.from(rows, (row) => boxes.indices[row]),
        boxes: Float32Array.from(rows.flatMap((row) => boxAt(boxes.boxes, row))),
        vectors: result.vectors,
      };
      await store.appendObjects(folder, modelKey, batch);
    },

    async publish() {
      const known = keys.flatMap((key, row) => (vectorOf.has(key) ? [row] : []));
      const vectors = new Float32Array(known.length * dim);
      known.forEach((row, i) => vectors.set(vectorOf.get(keys[row])!, i * dim));
      const objectRows = {
        runs: Int32Array.from(known, (row) => boxes.runs[row]),
        indices: Int32Array.from(known, (row) => boxes.indices[row]),
      };
      // The worker gets copies of the columns; the state keeps its own to map scores back to boxes.
      await analysis().setObjectEmbeddings(dim, vectors, objectRows.runs.slice(), objectRows.indices.slice());
      return { kind: 'objects', rows: known.length, objectRows, dim, vectors };
    },
  };
}

function boxAt(boxes: Float64Array, row: number): [number, number, number, number] {
  return [boxes[row * 4], boxes[row * 4 + 1], boxes[row * 4 + 2], boxes[row * 4 + 3]];
}

function averageLength(strings: string[]): number {
  return strings.length === 0 ? 0 : strings.reduce((sum, text) => sum + text.length, 0) / strings.length;
}
