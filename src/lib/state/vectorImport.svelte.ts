import { DataError, toProblemRecord } from '../core/errors';
import { pickVectorFiles } from '../core/vectors/importVectors';
import { layoutByImage, matchVectorIds } from '../core/vectors/match';
import { EmbeddingStore } from '../storage/embeddingStore';
import { datasetState } from './dataset.svelte';
import { embeddingState } from './embeddings.svelte';
import { notices } from './notices.svelte';
import { analysis, Comlink } from './workers';
import type { VectorImportWorkerApi } from '../../../workers/vectorImport.worker';

export type VectorImportStatus = 'idle' | 'reading' | 'storing' | 'ready' | 'failed';

/** How `importedModelIdentity` (core/vectors/importVectors.ts) starts every identity it makes. */
const IMPORTED = 'imported:';

let worker: Comlink.Remote<VectorImportWorkerApi> | null = null;

/** The worker that parses vector files; started on first use and kept, like the app's other workers. */
function vectorReader(): Comlink.Remote<VectorImportWorkerApi> {
  worker ??= Comlink.wrap<VectorImportWorkerApi>(
    new Worker(new URL('../../../workers/vectorImport.worker.ts', import.meta.url), { type: 'module' }),
  );
  return worker;
}

/**
 * Embeddings computed outside the browser (a batch job for datasets too big to embed here), brought
 * in as a vector file keyed by image path. The file is parsed in a worker, its ids are matched to the
 * dataset's images, the matched rows are stored under the model identity `imported:<file>@<hash>`,
 * and the matrix goes to the analysis worker, where it replaces whatever embeddings were there.
 * A folder keeps one import at a time (a new one drops the older), and reopening the folder brings it
 * back from IndexedDB.
 */
export class VectorImportState {
  status = $state<VectorImportStatus>('idle');
  /** One line for the user: what was imported, or why not. */
  message = $state('');
  /** Images of the dataset that now have an imported vector. */
  matched = $state(0);
  /** Rows of the file that were not used (no matching image, several, or one named exactly elsewhere). */
  unmatched = $state(0);
  /** Model identity of the published vectors, or null before an import. */
  identity = $state<string | null>(null);
  dim = $state(0);
  /** Bumped by every import and reset: a slower, older import must not publish over a newer one. */
  private generation = 0;

  /**
   * Forgets the last import (the analysis worker drops the matrix itself when the dataset changes),
   * then looks for vectors imported into the newly opened folder on an earlier visit.
   */
  reset(): void {
    const generation = ++this.generation;
    this.status = 'idle';
    this.message = '';
    this.matched = this.unmatched = this.dim = 0;
    this.identity = null;
    // After the caller's synchronous work: the dataset change that called reset must settle first,
    // and nothing read while restoring may become a dependency of the caller's effect.
    queueMicrotask(() => void this.restore(generation));
  }

  /**
   * Makes vectors imported for the open folder on an earlier visit searchable again: the rows whose
   * files are unchanged, under the identity they were stored with.
   */
  async restore(generation = this.generation): Promise<void> {
    const dataset = datasetState.dataset;
    const source = datasetState.source;
    if (!dataset || !source) return;
    try {
      const store = await EmbeddingStore.open();
      const identity = (await store.models(source.name)).find((model) => model.startsWith(IMPORTED));
      if (!identity) return;
      const matrix = await store.load(source.name, identity, datasetState.fingerprints);
      const stale = generation !== this.generation || datasetState.dataset !== dataset;
      if (stale || !matrix || matrix.paths.length === 0 || this.status !== 'idle') return;

      const imagePaths = new Set(dataset.images.map((image) => image.path));
      const matched = matrix.paths.filter((path) => imagePaths.has(path)).length;
      embeddingState.adoptImported(matched);
      this.identity = identity;
      this.dim = matrix.dim;
      this.matched = matched;
      this.unmatched = 0;
      this.status = 'ready';
      const file = identity.slice(IMPORTED.length, identity.lastIndexOf('@'));
      this.message = `${matched.toLocaleString()} of ${dataset.images.length.toLocaleString()} images have ${matrix.dim}-d vectors imported from ${file} on an earlier visit.`;
    } catch (error) {
      notices.report(error, 'Loading imported embeddings');
    }
  }

  /** Imports the vector file among `files` (with its id list, for a `.npy`) for the open dataset. */
  async importFiles(files: File[]): Promise<void> {
    const dataset = datasetState.dataset;
    const source = datasetState.source;
    if (!dataset || !source) {
      notices.info('Open a dataset before importing embeddings.');
      return;
    }
    const generation = ++this.generation;
    let name = files.map((file) => file.name).join(', ');

    try {
      // Which file holds the vectors, and (for a bare matrix) which holds the ids.
      const picked = pickVectorFiles(files.map((file) => file.name));
      const file = files[picked.vectors];
      name = file.name;
      this.status = 'reading';
      this.message = `Reading ${name}…`;
      const read = await vectorReader().read(
        file,
        picked.companion === null ? null : files[picked.companion],
      );
      if (generation !== this.generation || datasetState.dataset !== dataset) return;
      if (read.kind === 'problem') {
        notices.addProblem(read.problem);
        throw new Error(read.problem.message);
      }

      // Pair rows with images; ids that fit no image are a warning, unless none fits at all.
      const paths = dataset.images.map((image) => image.path);
      const match = matchVectorIds(name, read.ids, paths);
      for (const warning of match.problems) notices.addProblem(toProblemRecord(warning));
      if (match.matched === 0)
        throw new DataError({
          file: name,
          field: 'ids',
          value: read.ids.slice(0, 3),
          expected: `image paths of ${source.name} (none of the ${read.ids.length} ids names one of its images)`,
        });

      // Store first: publishing hands the matrix to the analysis worker, which takes its buffer.
      this.status = 'storing';
      const { dim, identity } = read;
      const layout = layoutByImage(match.imageOfRow, read.vectors, dim, paths.length);
      const storedPaths = paths.filter((_, image) => layout.rowOfImage[image] >= 0);
      const fingerprints = datasetState.fingerprints;
      const store = await EmbeddingStore.open();
      // One import per folder: the one reopening the folder brings back is the latest.
      for (const model of await store.models(source.name))
        if (model.startsWith(IMPORTED)) await store.clear(source.name, model);
      await store.append(source.name, identity, {
        dim,
        paths: storedPaths,
        fingerprints: storedPaths.map((path) => fingerprints.get(path) ?? ''),
        vectors: layout.vectors,
      });
      if (generation !== this.generation || datasetState.dataset !== dataset) return;
      await analysis().setEmbeddings(
        dim,
        Comlink.transfer(layout.vectors, [layout.vectors.buffer]),
        layout.rowOfImage,
      );

      embeddingState.adoptImported(match.matched);
      this.identity = identity;
      this.dim = dim;
      this.matched = match.matched;
      this.unmatched = read.ids.length - match.matched;
      this.status = 'ready';
      this.message = describeImport(name, match.matched, paths.length, this.unmatched, dim, read.normalized);
    } catch (error) {
      if (generation !== this.generation) return;
      this.status = 'failed';
      this.message = error instanceof Error ? error.message : String(error);
      if (error instanceof DataError) notices.addProblem(toProblemRecord(error));
      notices.report(error, `Importing embeddings from ${name}`);
    }
  }
}

function describeImport(
  name: string,
  matched: number,
  images: number,
  unused: number,
  dim: number,
  normalized: boolean,
): string {
  const scaled = normalized ? '; rows were scaled to unit length' : '';
  const skipped = unused > 0 ? `; ${unused.toLocaleString()} rows matched no image` : '';
  return `${matched.toLocaleString()} of ${images.toLocaleString()} images have ${dim}-d vectors from ${name}${scaled}${skipped}.`;
}

export const vectorImportState = new VectorImportState();
