/**
 * The matrices the search worker holds and how their rows map to the dataset: the search state loads
 * the stored vectors of the open folder from IndexedDB into the worker whenever the embeddings change.
 */
import { DEFAULT_CROP_MARGIN, listBoxes } from '../core/embedPlan';
import { EmbeddingStore, objectKey, type ObjectNow } from '../storage/embeddingStore';
import type { TagSet } from '../storage/tagStore';
import { datasetState } from './dataset.svelte';
import { embeddingState } from './embeddings.svelte';
import { vectorImportState } from './vectorImport.svelte';
import { Comlink, search } from './workers';

/**
 * How the rows of a matrix in the search worker map to the dataset: `keys[row]` is the item's key (an
 * image path, or `objectKey(source, index)` for a box), `imageOfRow[row]` its image. For objects,
 * `runOfRow` is -1 for ground truth or the run's position, `indexOfRow` the box's index in it.
 */
export interface SearchTable {
  set: TagSet;
  /** Model identity (with the crop margin for objects): what a saved tag must match to be re-run. */
  model: string;
  dim: number;
  keys: string[];
  imageOfRow: Int32Array;
  runOfRow: Int32Array;
  indexOfRow: Int32Array;
  /** Row per image (images), -1 where the image has no vector. */
  rowOfImage: Int32Array;
}

/**
 * The identity the vectors of `set` are stored under: the imported file's for imported image
 * vectors, else the loaded model's (with the crop margin for objects).
 *
 * Known shortcoming: after importing vectors and then embedding with a model, images keep using the
 * imported identity until the page reloads; the embeddings state does not say which came last.
 */
export function modelIdentity(set: TagSet): string {
  const model = embeddingState.model?.identity ?? '';
  if (set === 'objects') return `${model}#margin=${DEFAULT_CROP_MARGIN}`;
  return vectorImportState.status === 'ready' && vectorImportState.identity
    ? vectorImportState.identity
    : model;
}

/**
 * Reads the image vectors of the folder back from IndexedDB and hands them to the search worker.
 * The embedding jobs store every batch before they publish, so the store holds what they published.
 */
export async function loadImageTable(): Promise<SearchTable> {
  const { dataset, folder } = requireDataset();
  const model = modelIdentity('images');
  const store = await EmbeddingStore.open();
  const matrix = await store.load(folder, model, datasetState.fingerprints);
  if (!matrix)
    throw new Error(`no stored image embeddings for ${folder} under ${model}: embed the images first`);

  // Rows in dataset order, so results are stable whatever order the batches were stored in.
  const { dim } = matrix;
  const storedRow = new Map(matrix.paths.map((path, row) => [path, row]));
  const rowOfImage = new Int32Array(dataset.images.length).fill(-1);
  const images: number[] = [];
  dataset.images.forEach((image, index) => {
    if (storedRow.has(image.path)) rowOfImage[index] = images.push(index) - 1;
  });
  const vectors = new Float32Array(images.length * dim);
  images.forEach((image, row) => {
    const from = storedRow.get(dataset.images[image].path)!;
    vectors.set(matrix.vectors.subarray(from * dim, (from + 1) * dim), row * dim);
  });

  await search().load('images', Comlink.transfer(vectors, [vectors.buffer]), dim);
  return {
    set: 'images',
    model,
    dim,
    keys: images.map((image) => dataset.images[image].path),
    imageOfRow: Int32Array.from(images),
    runOfRow: new Int32Array(images.length).fill(-1),
    indexOfRow: new Int32Array(images.length).fill(-1),
    rowOfImage,
  };
}

/** Reads the box-crop vectors back from IndexedDB (boxes still where they were cropped from). */
export async function loadObjectTable(): Promise<SearchTable> {
  const { dataset, folder } = requireDataset();
  const model = modelIdentity('objects');
  const boxes = listBoxes(dataset);
  const keys = boxes.paths.map((_, row) => objectKey(boxes.sources[row], boxes.indices[row]));
  const now = new Map<string, ObjectNow>(
    keys.map((key, row) => [key, { path: boxes.paths[row], box: boxAt(boxes.boxes, row) }]),
  );
  const store = await EmbeddingStore.open();
  const matrix = await store.loadObjects(folder, model, datasetState.fingerprints, now);
  if (!matrix)
    throw new Error(`no stored box embeddings for ${folder} under ${model}: embed the objects first`);

  const { dim } = matrix;
  const storedRow = new Map(matrix.keys.map((key, row) => [key, row]));
  const known = keys.flatMap((key, box) => (storedRow.has(key) ? [box] : []));
  const imageOf = new Map(dataset.images.map((image) => [image.path, image.index]));
  const vectors = new Float32Array(known.length * dim);
  known.forEach((box, row) => {
    const from = storedRow.get(keys[box])!;
    vectors.set(matrix.vectors.subarray(from * dim, (from + 1) * dim), row * dim);
  });

  await search().load('objects', Comlink.transfer(vectors, [vectors.buffer]), dim);
  return {
    set: 'objects',
    model,
    dim,
    keys: known.map((box) => keys[box]),
    imageOfRow: Int32Array.from(known, (box) => imageOf.get(boxes.paths[box]) ?? -1),
    runOfRow: Int32Array.from(known, (box) => boxes.runs[box]),
    indexOfRow: Int32Array.from(known, (box) => boxes.indices[box]),
    rowOfImage: new Int32Array(0),
  };
}

function requireDataset() {
  const dataset = datasetState.dataset;
  const folder = datasetState.source?.name;
  if (!dataset || !folder) throw new Error('no dataset open');
  return { dataset, folder };
}

function boxAt(boxes: Float64Array, row: number): [number, number, number, number] {
  return [boxes[row * 4], boxes[row * 4 + 1], boxes[row * 4 + 2], boxes[row * 4 + 3]];
}
