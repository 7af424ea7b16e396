import { AbortError } from '../core/errors';
import { thumbnailer } from './workers';
import type { DatasetSource } from '../storage/source';
import type { Thumbnail } from '../../../workers/thumbnails.worker';

/** Longer side of gallery thumbnails, in device pixels. */
export const THUMBNAIL_SIDE = 256;
/** Decoded pixels kept in memory: 192 MiB of RGBA, about 1,000 gallery thumbnails. */
const CACHE_BYTES = 192 * 2 ** 20;
/** Decodes sent to the workers at once; the rest wait, so a fast scroll can drop what it passed. */
const IN_FLIGHT = 8;

interface Entry {
  promise: Promise<Thumbnail>;
  bytes: number;
}

interface Waiting {
  path: string;
  side: number;
  signal?: AbortSignal;
  resolve: (thumbnail: Thumbnail) => void;
  reject: (error: unknown) => void;
}

/**
 * Decoded thumbnails by image path, loaded through the worker pool on demand and cached under a
 * memory budget with least-recently-used eviction. Requests queue with a small number in flight,
 * and a request whose view went away before its turn (aborted signal) is dropped unstarted: only
 * what is on screen gets decoded, however fast the user scrolls through 100k images.
 */
export class ThumbnailCache {
  private readonly cache = new Map<string, Entry>();
  private readonly queue: Waiting[] = [];
  private bytes = 0;
  private running = 0;

  constructor(
    private readonly source: DatasetSource,
    private readonly onFailure: (path: string, error: unknown) => void,
  ) {}

  /** The thumbnail of `path`; rejects when the image does not decode (reported once through `onFailure`). */
  load(path: string, side = THUMBNAIL_SIDE, signal?: AbortSignal): Promise<Thumbnail> {
    const key = `${side}:${path}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.promise;
    }

    const entry: Entry = { promise: Promise.resolve(null as unknown as Thumbnail), bytes: 0 };
    entry.promise = new Promise<Thumbnail>((resolve, reject) => {
      this.queue.push({ path, side, signal, resolve, reject });
      this.pump();
    }).then(
      (thumbnail) => {
        entry.bytes = thumbnail.bitmap.width * thumbnail.bitmap.height * 4;
        this.bytes += entry.bytes;
        this.evict();
        return thumbnail;
      },
      (error: unknown) => {
        // An aborted request is forgotten so that the next view of the image asks again.
        if (error instanceof AbortError) this.cache.delete(key);
        else this.onFailure(path, error);
        throw error;
      },
    );
    this.cache.set(key, entry);
    return entry.promise;
  }

  /** Closes every bitmap (the dataset is being replaced). */
  dispose(): void {
    for (const entry of this.cache.values()) entry.promise.then((t) => t.bitmap.close()).catch(() => {});
    this.cache.clear();
    this.queue.length = 0;
    this.bytes = 0;
  }

  /** Starts queued decodes, newest first (the rows the user just scrolled to), skipping abandoned ones. */
  private pump(): void {
    while (this.running < IN_FLIGHT && this.queue.length > 0) {
      const job = this.queue.pop()!;
      if (job.signal?.aborted) {
        job.reject(new AbortError());
        continue;
      }
      this.running++;
      this.source
        .readBlob(job.path)
        .then((blob) => thumbnailer().thumbnail(blob, job.side))
        .then(job.resolve, job.reject)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private evict(): void {
    for (const [key, entry] of this.cache) {
      if (this.bytes <= CACHE_BYTES) break;
      if (entry.bytes === 0) continue; // still decoding: its size is not known yet
      this.cache.delete(key);
      this.bytes -= entry.bytes;
      void entry.promise.then((t) => t.bitmap.close());
    }
  }
}
