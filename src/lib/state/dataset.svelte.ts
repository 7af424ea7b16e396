import { categoryIndex, type Dataset } from '../core/dataset';
import { groupByImage } from '../core/matching';
import { isAbort } from '../core/errors';
import { DirectoryHandleSource, FileListSource } from '../storage/browserSources';
import { lastFolder, regainReadAccess, rememberFolder } from '../storage/folders';
import type { DatasetSource, SourceFile } from '../storage/source';
import { notices } from './notices.svelte';
import { ThumbnailCache } from './thumbnails';
import { analysis, importer } from './workers';
import type { ImportResult } from '../../../workers/import.worker';

/** Where an open is: idle, listing the folder, importing annotations, or done. */
export type LoadPhase = 'idle' | 'listing' | 'importing' | 'ready';

/**
 * The opened folder and what was imported from it. Owns the `DatasetSource`; everything else reads
 * files only through `source` and the thumbnail cache.
 */
export class DatasetState {
  phase = $state<LoadPhase>('idle');
  source = $state.raw<DatasetSource | null>(null);
  files = $state.raw<SourceFile[]>([]);
  dataset = $state.raw<Dataset | null>(null);
  plan = $state.raw<ImportResult['plan'] | null>(null);
  thumbnails = $state.raw<ThumbnailCache | null>(null);
  /** A folder from an earlier visit that can be reopened with one permission click. */
  remembered = $state.raw<FileSystemDirectoryHandle | null>(null);
  /** Ground truth grouped by image (CSR), for drawing boxes without scanning every annotation. */
  groundTruthByImage = $derived(
    this.dataset ? groupByImage(this.dataset.groundTruth, this.dataset.images.length) : null,
  );
  /** Category id → position in `dataset.categories` (colours, matrix rows). */
  categoryPositions = $derived(categoryIndex(this.dataset?.categories ?? []));
  /** Fingerprint (`size:lastModified`) per path, the key of every cached per-image result. */
  fingerprints = $derived(new Map(this.files.map((f) => [f.path, `${f.size}:${f.lastModified}`])));

  /** Looks for the folder opened last time. */
  async restore(): Promise<void> {
    try {
      this.remembered = await lastFolder();
    } catch (error) {
      notices.report(error, 'Reading the remembered folder');
    }
  }

  /** Opens a folder with the File System Access API; returns false where the API is missing. */
  async pickFolder(): Promise<boolean> {
    const picker = (
      window as unknown as { showDirectoryPicker?: (o: object) => Promise<FileSystemDirectoryHandle> }
    ).showDirectoryPicker;
    if (!picker) return false;
    try {
      const handle = await picker({ mode: 'read', id: 'longtail-dataset' });
      await this.openHandle(handle);
    } catch (error) {
      // Closing the picker is a choice, not an error.
      if (!(error instanceof DOMException && error.name === 'AbortError'))
        notices.report(error, 'Opening the folder');
    }
    return true;
  }

  async reopenRemembered(): Promise<void> {
    const handle = this.remembered;
    if (!handle) return;
    if (!(await regainReadAccess(handle))) {
      notices.info(`No permission to read ${handle.name}; pick the folder again.`);
      return;
    }
    await this.openHandle(handle);
  }

  /** Opens the files of an `<input webkitdirectory>` (no handle: cannot be reopened after reload). */
  async openFileList(files: FileList | File[]): Promise<void> {
    await this.open(new FileListSource(files));
  }

  private async openHandle(handle: FileSystemDirectoryHandle): Promise<void> {
    await this.open(new DirectoryHandleSource(handle));
    try {
      await rememberFolder(handle);
      this.remembered = handle;
    } catch (error) {
      notices.report(error, 'Remembering the folder');
    }
  }

  /** Lists the folder, imports its annotations in the worker, and makes it the current dataset. */
  async open(source: DatasetSource): Promise<void> {
    this.thumbnails?.dispose();
    this.dataset = null;
    notices.setProblems([]);

    try {
      this.phase = 'listing';
      const files = await source.list();

      this.phase = 'importing';
      const wanted = await importer().wantedFiles(files);
      const blobs = new Map(
        await Promise.all(wanted.map(async (path) => [path, await source.readBlob(path)] as const)),
      );
      const result = await importer().importFolder(files, blobs);

      this.source = source;
      this.files = files;
      this.plan = result.plan;
      this.thumbnails = new ThumbnailCache(source, (path, error) => notices.reportUndecodable(path, error));
      await analysis().setDataset(result.dataset);
      this.dataset = result.dataset;
      notices.setProblems(result.problems);
      this.phase = 'ready';
    } catch (error) {
      this.phase = this.dataset ? 'ready' : 'idle';
      if (!isAbort(error)) notices.report(error, `Opening ${source.name}`);
    }
  }
}

export const datasetState = new DatasetState();
