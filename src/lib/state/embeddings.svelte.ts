import { DEFAULT_CROP_MARGIN } from '../core/embedPlan';
import { AbortError, isAbort } from '../core/errors';
import { RateMeter } from '../core/pipeline';
import type { ClipDtype } from '../models/clip';
import { CLIP_VIT_B32_SOURCE, TINY_CLIP_SOURCE, type ModelSource } from '../models/modelSource';
import { sourceSpec } from '../storage/browserSources';
import { lastModelFolder, regainReadAccess, rememberModelFolder } from '../storage/folders';
import { EmbeddingStore, StorageQuotaError } from '../storage/embeddingStore';
import { describeQuotaShortfall } from '../storage/quota';
import { datasetState } from './dataset.svelte';
import {
  planImageJob,
  planObjectJob,
  type JobPlan,
  type ObjectRows,
  type PlanContext,
} from './embeddingJobs';
import { notices } from './notices.svelte';
import { analysis, Comlink, embedder } from './workers';
import type { DeviceChoice, EmbedBatchResult, ModelInfo } from '../../../workers/embed.worker';

export interface ModelChoice {
  id: string;
  label: string;
  note: string;
  source: ModelSource;
}

/**
 * Models the user can pick. The bundled test model is the default because it needs no network; its
 * vectors only encode colour, brightness, fog and blur (fine for trying the app and for tests, useless
 * for real search), and the UI says so.
 */
export const MODEL_CHOICES: ModelChoice[] = [
  {
    id: 'test',
    label: 'Longtail tiny test model (bundled)',
    note: 'Offline and small; its 32 dimensions respond to colour, brightness, fog and blur: for trying the app and for tests, not for real search.',
    source: TINY_CLIP_SOURCE,
  },
  {
    id: 'clip-vit-b32',
    label: 'CLIP ViT-B/32 (Xenova/clip-vit-base-patch32)',
    note: 'Real CLIP weights from the Hugging Face hub, downloaded once (the browser keeps them); the size is shown beside the menu. No image ever leaves this machine.',
    source: CLIP_VIT_B32_SOURCE,
  },
  {
    id: 'same-origin',
    label: 'Model folder on this server…',
    note: 'A transformers.js CLIP folder served by this site under /models/<name>/ (self-hosted, offline).',
    source: { kind: 'local-path', root: '/models/', name: '' },
  },
  {
    id: 'folder',
    label: 'Model folder on this computer…',
    note: 'A transformers.js CLIP folder (config.json, tokenizer, onnx/) picked from disk: for offline and air-gapped machines. Nothing is downloaded; its files are hashed to tell its cached vectors apart.',
    source: { kind: 'local-path', root: '/models/', name: '' },
  },
];

/** The model folder could not be used: none picked yet, or the browser refused to read it. */
export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

export type EmbedStatus = 'idle' | 'loading-model' | 'embedding' | 'paused' | 'ready';

/** Which matrix a job fills: one row per image, or one row per box crop. */
export type EmbedJobKind = 'images' | 'objects';

/**
 * Embeddings of the current dataset under the chosen model, per image and per box crop: loads what
 * IndexedDB has, embeds the rest in the worker (progress, pause, resume, cancel), stores every batch
 * before the worker runs the next, and hands the matrices to the analysis worker for search.
 */
export class EmbeddingState {
  choiceId = $state(MODEL_CHOICES[0].id);
  /** Folder name under `/models/` for the same-origin choice. */
  folderName = $state('');
  /** The model folder picked on disk for the 'folder' choice (or remembered from an earlier visit). */
  modelFolder = $state.raw<FileSystemDirectoryHandle | null>(null);
  /** `auto` lets the worker pick (WebGPU only with a hardware adapter); the others force a backend. */
  device = $state<DeviceChoice>('auto');
  /** Weight precision: fp16 and q8 files are smaller downloads; q8 runs faster on WASM, a little less exact. */
  dtype = $state<ClipDtype>('fp32');
  status = $state<EmbedStatus>('idle');
  /** The kind of the job under way (or last run). */
  job = $state<EmbedJobKind>('images');
  model = $state.raw<ModelInfo | null>(null);
  /** Items of the current job done (from the cache or computed) out of `total`. */
  done = $state(0);
  total = $state(0);
  /** Items that could not be embedded (undecodable image, box outside its image) in the current job. */
  failed = $state(0);
  /** Items computed per second of running time (pauses left out). */
  imagesPerSecond = $state(0);
  /** Images whose vectors came from IndexedDB in the last image job instead of the model. */
  cached = $state(0);
  /** Rows of the image matrix in the analysis worker. */
  embeddedCount = $state(0);
  /** Box crops whose vectors came from IndexedDB in the last object job. */
  objectCached = $state(0);
  /** Rows of the object matrix in the analysis worker, and which box each is. */
  objectCount = $state(0);
  objectRows = $state.raw<ObjectRows | null>(null);
  /**
   * Told the box-crop vectors (rows as `objectRows`) each time a job publishes them; label issues
   * use the ground-truth crops as second evidence. A hook rather than an import keeps this module
   * free of the states that read embeddings.
   */
  onObjectsPublished: ((dim: number, vectors: Float32Array, rows: ObjectRows) => void) | null = null;

  private controller: AbortController | null = null;
  /** Bumped by every job and by `reset`: a job whose number is stale must not publish. */
  private generation = 0;
  private meter = new RateMeter();
  private resumeJob: (() => void) | null = null;

  choice = $derived(MODEL_CHOICES.find((c) => c.id === this.choiceId) ?? MODEL_CHOICES[0]);
  source = $derived<ModelSource>(
    this.choice.id === 'same-origin'
      ? { kind: 'local-path', root: '/models/', name: this.folderName.trim() }
      : this.choice.source,
  );
  busy = $derived(this.status === 'loading-model' || this.status === 'embedding' || this.status === 'paused');
  secondsLeft = $derived(this.imagesPerSecond > 0 ? (this.total - this.done) / this.imagesPerSecond : NaN);

  /**
   * Forgets the vectors of the previous dataset (the analysis worker dropped them too), then brings
   * back what IndexedDB holds for the new one (`restoreCached`).
   */
  reset(): void {
    this.generation++;
    this.cancel();
    this.status = 'idle';
    this.embeddedCount = this.objectCount = 0;
    this.objectRows = null;
    this.done = this.total = this.failed = 0;
    // In a microtask: the caller's effect must not come to depend on what the restore reads.
    queueMicrotask(() => void this.restoreCached());
  }

  /**
   * When IndexedDB holds image vectors of the open folder under the chosen model, loads the model
   * and publishes them (counted as from the cache) without embedding anything, so search works
   * right after a reload; Embed then computes only what is missing. The stored identity is matched
   * by the model's name and precision (`identifyModel`), before anything is loaded.
   * Known shortcoming: only the bundled and same-origin models are loaded unasked; for the hub model
   * (which could mean a 605 MB download if the browser evicted it) and a model folder on disk (whose
   * permission prompt needs a click) the vectors wait for Embed, which then takes them all from the
   * cache. Box-crop vectors wait for Embed objects the same way.
   */
  async restoreCached(): Promise<void> {
    const folder = datasetState.source?.name;
    const source = this.source;
    if (!datasetState.dataset || folder === undefined || source.kind !== 'local-path' || this.busy) return;
    if (this.choiceId === 'folder') return;
    const prefix = `local:${source.name}@`;
    const suffix = `/${this.dtype}`;
    try {
      const stored = await (await EmbeddingStore.open()).models(folder);
      if (!stored.some((identity) => identity.startsWith(prefix) && identity.endsWith(suffix))) return;
    } catch (error) {
      notices.report(error, 'Reading the stored embeddings');
      return;
    }
    // The usual job, with nothing left to embed: it loads the model, takes the cache, publishes.
    await this.run('images', async (context) => {
      const plan = await planImageJob(context);
      return { ...plan, job: { ...plan.job, paths: [] } };
    });
  }

  /**
   * Takes vectors imported from a file (see `vectorImport.svelte.ts`) as the searchable image matrix:
   * they are in the analysis worker already, so similarity search works on them. Text search needs
   * vectors from the chosen model; the import's message says so.
   */
  adoptImported(rows: number): void {
    this.embeddedCount = rows;
    this.status = rows > 0 ? 'ready' : this.status;
  }

  /**
   * Lets the user pick a model folder on disk and remembers it for the next visit. A dismissed
   * picker changes nothing.
   */
  async pickModelFolder(): Promise<void> {
    const picker = (
      window as Window & { showDirectoryPicker?: (options?: object) => Promise<FileSystemDirectoryHandle> }
    ).showDirectoryPicker;
    if (!picker) {
      notices.report(
        new ModelFolderError(
          'this browser cannot open folders from disk (no File System Access API): use a Chromium-based browser, or serve the model under /models/',
        ),
        'Choosing a model folder',
      );
      return;
    }
    try {
      const handle = await picker({ id: 'longtail-model', mode: 'read' });
      this.modelFolder = handle;
      this.choiceId = 'folder';
      await rememberModelFolder(handle);
    } catch (error) {
      if (!isAbort(error)) notices.report(error, 'Choosing a model folder');
    }
  }

  /** Offers the model folder picked on an earlier visit, if the browser kept its handle. */
  async restoreModelFolder(): Promise<void> {
    if (this.modelFolder) return;
    this.modelFolder = await lastModelFolder().catch(() => null);
  }

  /** Stops the job after the batch in flight (which is still stored). */
  cancel(): void {
    if (!this.controller) return;
    this.controller.abort();
    void embedder().cancel();
    this.resumeJob?.();
  }

  /** Holds the job after the batch in flight is stored; `resume` continues it. */
  pause(): void {
    if (this.status !== 'embedding') return;
    this.status = 'paused';
    this.meter.stop();
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.status = 'embedding';
    this.meter.start();
    this.resumeJob?.();
  }

  /** Embeds every image of the dataset not already stored for this model. */
  async embedAll(): Promise<void> {
    await this.run('images', (context) => planImageJob(context));
  }

  /**
   * Embeds a crop of every box (ground truth and predictions) not already stored for this model,
   * with `margin` of context per side.
   */
  async embedObjects(margin = DEFAULT_CROP_MARGIN): Promise<void> {
    await this.run('objects', (context) => planObjectJob(context, margin));
  }

  /** Embeds a text query with the loaded model (loading it first if needed). */
  async embedText(text: string): Promise<Float32Array> {
    if (!this.model) this.model = await this.loadModel();
    return embedder().embedText(text);
  }

  /** Cosine similarity of every object row (see `objectRows`) to a text. */
  async rankObjectsByText(text: string): Promise<Float32Array> {
    return analysis().rankObjectsByVector(await this.embedText(text));
  }

  /** Cosine similarity of every object row to the mean of the given rows. */
  async rankObjectsLike(rows: number[]): Promise<Float32Array> {
    return analysis().rankObjectsBySimilarity(rows);
  }

  /**
   * The life of one job: load the model, plan (cache first), embed the rest batch by batch with each
   * batch stored before the next runs, then publish whatever is there, also after a cancel or failure.
   */
  private async run(kind: EmbedJobKind, makePlan: (context: PlanContext) => Promise<JobPlan>): Promise<void> {
    const dataset = datasetState.dataset;
    const source = datasetState.source;
    if (!dataset || !source) return;
    this.cancel();
    const generation = ++this.generation;
    const controller = (this.controller = new AbortController());
    let plan: JobPlan | null = null;
    let quotaError: StorageQuotaError | null = null;

    try {
      this.status = 'loading-model';
      this.job = kind;
      const model = (this.model = await this.loadModel());
      const store = await EmbeddingStore.open();
      plan = await makePlan({
        dataset,
        folder: source.name,
        fingerprints: datasetState.fingerprints,
        model,
        store,
      });
      if (controller.signal.aborted) throw new AbortError();

      this.total = plan.total;
      this.done = plan.cached;
      this.failed = 0;
      this.meter = new RateMeter();
      this.meter.start();
      this.status = 'embedding';
      if (kind === 'images') this.cached = plan.cached;
      else this.objectCached = plan.cached;
      if (plan.job.paths.length === 0) return;

      const accept = plan.accept;
      const onBatch = async (result: EmbedBatchResult) => {
        try {
          await accept(result);
        } catch (error) {
          if (error instanceof StorageQuotaError) quotaError = error;
          throw error;
        }
        this.progress(result, plan!);
        await this.holdWhilePaused(controller.signal);
      };
      await embedder().embed(sourceSpec(source), plan.job, Comlink.proxy(onBatch));
    } catch (error) {
      if (quotaError && plan) await this.explainQuota(quotaError, plan, source.name, kind);
      else if (!isAbort(error))
        notices.report(error, kind === 'images' ? 'Embedding the images' : 'Embedding the objects');
    } finally {
      this.meter.stop();
      if (generation === this.generation) await this.finish(plan);
    }
  }

  /**
   * Loads the chosen model in the worker. A picked folder goes as its handle (structured-cloned); after
   * a reload the browser asks again for read access, which needs the click that started this.
   */
  private async loadModel(): Promise<ModelInfo> {
    let source = $state.snapshot(this.source) as ModelSource;
    if (this.choiceId === 'folder') {
      const handle = this.modelFolder;
      if (!handle) throw new ModelFolderError('no model folder chosen: click "Choose folder…" first');
      if (!(await regainReadAccess(handle)))
        throw new ModelFolderError(`no permission to read the model folder ${handle.name}`);
      source = { kind: 'folder', handle, name: handle.name };
    }
    return embedder().load(source, this.device, this.dtype);
  }

  /** Publishes the job's matrix (if it got as far as a plan) and settles the status. */
  private async finish(plan: JobPlan | null): Promise<void> {
    try {
      if (plan) {
        const published = await plan.publish();
        if (published.kind === 'images') this.embeddedCount = published.rows;
        else {
          this.objectCount = published.rows;
          this.objectRows = published.objectRows;
          this.onObjectsPublished?.(published.dim, published.vectors, published.objectRows);
        }
      }
    } catch (error) {
      notices.report(error, 'Publishing the embeddings');
    }
    this.status = this.embeddedCount > 0 || this.objectCount > 0 ? 'ready' : 'idle';
  }

  private progress(result: EmbedBatchResult, plan: JobPlan): void {
    const size = result.end - result.start;
    this.done += size;
    this.failed += result.failures.length;
    this.meter.add(size);
    this.imagesPerSecond = this.meter.perSecond;
    for (const failure of result.failures) {
      const path = plan.job.paths[failure.item];
      if (failure.kind === 'decode') notices.reportUndecodable(path, failure.message);
      else
        notices.addProblem({
          file: path,
          expected: 'a box with pixels inside its image',
          message: failure.message,
          severity: 'warning',
        });
    }
  }

  /** Waits while paused; resolves at once otherwise, and rejects once the job is cancelled. */
  private async holdWhilePaused(signal: AbortSignal): Promise<void> {
    while (this.status === 'paused' && !signal.aborted) {
      await new Promise<void>((resolve) => (this.resumeJob = resolve));
      this.resumeJob = null;
    }
    if (signal.aborted) throw new AbortError();
  }

  /** Tells the user how much space the rest of the job needs and what to free. */
  private async explainQuota(error: StorageQuotaError, plan: JobPlan, folder: string, kind: EmbedJobKind) {
    const store = await EmbeddingStore.open();
    const others = (await store.summary().catch(() => [])).filter(
      (set) => !(set.folder === folder && set.model === plan.modelKey),
    );
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    const message = describeQuotaShortfall({
      what: kind,
      remaining: this.total - this.done,
      bytesPerItem: plan.bytesPerItem,
      stored: this.done,
      usage: estimate?.usage,
      quota: estimate?.quota,
      others,
    });
    notices.report(new StorageQuotaError(error.bytes, { cause: error, message }), 'Storing the embeddings');
  }
}

export const embeddingState = new EmbeddingState();
