import { AbortError, isAbort } from '../core/errors';
import { CLIP_VIT_B32_SOURCE, TINY_CLIP_SOURCE, type ModelSource } from '../models/modelSource';
import { EmbeddingStore } from '../storage/embeddingStore';
import { datasetState } from './dataset.svelte';
import { notices } from './notices.svelte';
import { analysis, embedder } from './workers';
import type { ModelInfo } from '../../../workers/embed.worker';

export interface ModelChoice {
  id: string;
  label: string;
  note: string;
  source: ModelSource;
}

/**
 * Models the user can pick. The bundled test model is the default because it needs no network; its
 * vectors carry no meaning (fine for trying the app, useless for real search), and the UI says so.
 */
export const MODEL_CHOICES: ModelChoice[] = [
  {
    id: 'test',
    label: 'Longtail tiny test model (bundled)',
    note: 'Offline, instant, but its vectors carry no meaning: for trying the app only.',
    source: TINY_CLIP_SOURCE,
  },
  {
    id: 'clip-vit-b32',
    label: 'CLIP ViT-B/32 (Xenova/clip-vit-base-patch32)',
    note: 'Downloads about 350 MB of weights from the Hugging Face hub once (the browser caches them). No image ever leaves this machine.',
    source: CLIP_VIT_B32_SOURCE,
  },
  {
    id: 'same-origin',
    label: 'Model folder on this server…',
    note: 'A transformers.js CLIP folder served by this site under /models/<name>/ (self-hosted, offline).',
    source: { kind: 'local-path', root: '/models/', name: '' },
  },
];

/** Images sent to the worker per call: enough to keep the model busy, small enough to cancel quickly. */
const BATCH = 8;

/**
 * Image embeddings of the current dataset under the chosen model: loads what IndexedDB has, embeds
 * the rest in the worker batch by batch (with progress and cancel), stores every batch as it lands,
 * and hands the finished matrix to the analysis worker for search.
 */
export class EmbeddingState {
  choiceId = $state(MODEL_CHOICES[0].id);
  /** Folder name under `/models/` for the same-origin choice. */
  folderName = $state('');
  /** Images whose vectors came from IndexedDB in the last run instead of the model. */
  cached = $state(0);
  status = $state<'idle' | 'loading-model' | 'embedding' | 'ready'>('idle');
  model = $state.raw<ModelInfo | null>(null);
  done = $state(0);
  total = $state(0);
  imagesPerSecond = $state(0);
  /** Image index → row in the analysis worker's matrix, or -1; the count of rows is `embeddedCount`. */
  embeddedCount = $state(0);
  private controller: AbortController | null = null;

  choice = $derived(MODEL_CHOICES.find((c) => c.id === this.choiceId) ?? MODEL_CHOICES[0]);
  source = $derived<ModelSource>(
    this.choice.id === 'same-origin'
      ? { kind: 'local-path', root: '/models/', name: this.folderName.trim() }
      : this.choice.source,
  );
  secondsLeft = $derived(this.imagesPerSecond > 0 ? (this.total - this.done) / this.imagesPerSecond : NaN);

  /** Forgets the vectors of the previous dataset (the analysis worker dropped them too). */
  reset(): void {
    this.controller?.abort();
    this.status = 'idle';
    this.embeddedCount = 0;
    this.done = 0;
    this.total = 0;
  }

  cancel(): void {
    this.controller?.abort();
  }

  /** Embeds every image of the dataset not already cached for this model. */
  async embedAll(): Promise<void> {
    const dataset = datasetState.dataset;
    const source = datasetState.source;
    if (!dataset || !source) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());

    try {
      this.status = 'loading-model';
      this.model = await embedder().load($state.snapshot(this.source));
      const { identity, dim } = this.model;

      // Reuse what an earlier visit computed, if the files have not changed since.
      const store = await EmbeddingStore.open();
      const fingerprints = datasetState.fingerprints;
      const cached = await store.load(source.name, identity, fingerprints);
      const vectorOf = new Map<string, Float32Array>();
      cached?.paths.forEach((path, row) =>
        vectorOf.set(path, cached.vectors.subarray(row * dim, (row + 1) * dim)),
      );

      const missing = dataset.images.filter((image) => !vectorOf.has(image.path));
      this.status = 'embedding';
      this.total = dataset.images.length;
      this.done = this.cached = this.total - missing.length;
      const started = performance.now();

      for (let start = 0; start < missing.length; start += BATCH) {
        if (controller.signal.aborted) throw new AbortError();
        const batch = missing.slice(start, start + BATCH);
        const blobs = await Promise.all(batch.map((image) => source.readBlob(image.path)));
        const result = await embedder().embedImages(blobs);

        const paths: string[] = [];
        batch.forEach((image, position) => {
          const row = result.rows[position];
          if (row < 0) return;
          paths.push(image.path);
          vectorOf.set(image.path, result.vectors.subarray(row * dim, (row + 1) * dim));
        });
        for (const failure of result.failures)
          notices.reportUndecodable(batch[failure.position].path, failure.message);
        await store.append(source.name, identity, {
          dim,
          paths,
          fingerprints: paths.map((path) => fingerprints.get(path) ?? ''),
          vectors: result.vectors,
        });

        this.done += batch.length;
        this.imagesPerSecond = (start + batch.length) / ((performance.now() - started) / 1000);
      }

      await this.publish(vectorOf, dim);
      this.status = 'ready';
    } catch (error) {
      this.status = this.embeddedCount > 0 ? 'ready' : 'idle';
      if (!isAbort(error)) notices.report(error, 'Embedding the images');
    }
  }

  /** Embeds a text query with the loaded model (loading it first if needed). */
  async embedText(text: string): Promise<Float32Array> {
    if (!this.model) this.model = await embedder().load($state.snapshot(this.source));
    return embedder().embedText(text);
  }

  /** Sends the matrix, in dataset order, to the analysis worker. */
  private async publish(vectorOf: Map<string, Float32Array>, dim: number): Promise<void> {
    const images = datasetState.dataset!.images;
    const rowOfImage = new Int32Array(images.length).fill(-1);
    const vectors = new Float32Array(vectorOf.size * dim);
    let rows = 0;
    images.forEach((image, index) => {
      const vector = vectorOf.get(image.path);
      if (!vector) return;
      vectors.set(vector, rows * dim);
      rowOfImage[index] = rows++;
    });
    this.embeddedCount = rows;
    await analysis().setEmbeddings(dim, vectors, rowOfImage);
  }
}

export const embeddingState = new EmbeddingState();
