import { thumbnailer } from './workers';
import type { DatasetSource } from '../storage/source';
import type { Thumbnail } from '../../../workers/thumbnails.worker';

/** Longer side of gallery thumbnails, in device pixels. */
export const THUMBNAIL_SIDE = 256;
/** Bitmaps kept decoded; beyond this the least recently used are closed (GPU memory is finite). */
const CACHE_LIMIT = 800;

/**
 * Decoded thumbnails by image path, loaded through the worker pool on demand and cached with LRU
 * eviction, so scrolling back is instant and scrolling far does not exhaust memory.
 */
export class ThumbnailCache {
  private readonly cache = new Map<string, Promise<Thumbnail>>();

  constructor(
    private readonly source: DatasetSource,
    private readonly onFailure: (path: string, error: unknown) => void,
  ) {}

  /** The thumbnail of `path`; rejects when the image does not decode (reported once through `onFailure`). */
  load(path: string, side = THUMBNAIL_SIDE): Promise<Thumbnail> {
    const key = `${side}:${path}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }

    const pending = this.source
      .readBlob(path)
      .then((blob) => thumbnailer().thumbnail(blob, side))
      .catch((error: unknown) => {
        this.onFailure(path, error);
        throw error;
      });
    this.cache.set(key, pending);
    this.evict();
    return pending;
  }

  /** Closes every bitmap (the dataset is being replaced). */
  dispose(): void {
    for (const pending of this.cache.values()) pending.then((t) => t.bitmap.close()).catch(() => {});
    this.cache.clear();
  }

  private evict(): void {
    while (this.cache.size > CACHE_LIMIT) {
      const [oldest, pending] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      pending.then((t) => t.bitmap.close()).catch(() => {});
    }
  }
}
