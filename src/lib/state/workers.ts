/**
 * Starts the app's workers and wraps them with comlink. Each worker is created on first use and
 * lives as long as the page: model sessions and embedding matrices stay warm between calls.
 */
import * as Comlink from 'comlink';
import type { ThumbnailWorkerApi } from '../../../workers/thumbnails.worker';
import type { ImportWorkerApi } from '../../../workers/import.worker';
import type { EmbedWorkerApi } from '../../../workers/embed.worker';
import type { AnalysisWorkerApi } from '../../../workers/analysis.worker';
import type { SearchWorkerApi } from '../../../workers/search.worker';
import type { LabelQualityWorkerApi } from '../../../workers/labelQuality.worker';

function start<T>(worker: Worker): Comlink.Remote<T> {
  return Comlink.wrap<T>(worker);
}

let importWorker: Comlink.Remote<ImportWorkerApi> | null = null;
let embedWorker: Comlink.Remote<EmbedWorkerApi> | null = null;
let analysisWorker: Comlink.Remote<AnalysisWorkerApi> | null = null;
let searchWorker: Comlink.Remote<SearchWorkerApi> | null = null;
let thumbnailPool: Comlink.Remote<ThumbnailWorkerApi>[] = [];
let nextThumbnailWorker = 0;

export function importer(): Comlink.Remote<ImportWorkerApi> {
  importWorker ??= start(
    new Worker(new URL('../../../workers/import.worker.ts', import.meta.url), { type: 'module' }),
  );
  return importWorker;
}

export function embedder(): Comlink.Remote<EmbedWorkerApi> {
  embedWorker ??= start(
    new Worker(new URL('../../../workers/embed.worker.ts', import.meta.url), { type: 'module' }),
  );
  return embedWorker;
}

export function analysis(): Comlink.Remote<AnalysisWorkerApi> {
  analysisWorker ??= start(
    new Worker(new URL('../../../workers/analysis.worker.ts', import.meta.url), { type: 'module' }),
  );
  return analysisWorker;
}

/** k-NN, Autotag, uniqueness and near-duplicates over the image and box-crop matrices. */
export function search(): Comlink.Remote<SearchWorkerApi> {
  searchWorker ??= start(
    new Worker(new URL('../../../workers/search.worker.ts', import.meta.url), { type: 'module' }),
  );
  return searchWorker;
}

let labelQualityWorker: Comlink.Remote<LabelQualityWorkerApi> | null = null;

/** Detection label issues, confident learning and cross-validated probabilities. */
export function labelQuality(): Comlink.Remote<LabelQualityWorkerApi> {
  labelQualityWorker ??= start(
    new Worker(new URL('../../../workers/labelQuality.worker.ts', import.meta.url), { type: 'module' }),
  );
  return labelQualityWorker;
}

/** Thumbnail workers are pooled (up to 4): decoding is the gallery's bottleneck. */
export function thumbnailer(): Comlink.Remote<ThumbnailWorkerApi> {
  if (thumbnailPool.length === 0) {
    const size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
    thumbnailPool = Array.from({ length: size }, () =>
      start<ThumbnailWorkerApi>(
        new Worker(new URL('../../../workers/thumbnails.worker.ts', import.meta.url), { type: 'module' }),
      ),
    );
  }
  nextThumbnailWorker = (nextThumbnailWorker + 1) % thumbnailPool.length;
  return thumbnailPool[nextThumbnailWorker];
}

export { Comlink };
