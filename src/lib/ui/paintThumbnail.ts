import { isAbort } from '../core/errors';
import type { ThumbnailCache } from '../state/thumbnails';

/**
 * Loads an image at `side` pixels through the worker-backed cache and paints it into `canvas`.
 * Calls `loaded` with the image's displayed size, or `failed` when it does not decode. Returns a
 * function that cancels the paint (the component went away or now shows another image).
 */
export function paintThumbnail(
  canvas: HTMLCanvasElement,
  cache: ThumbnailCache,
  path: string,
  side: number | undefined,
  on: { loaded: (size: { width: number; height: number }) => void; failed?: () => void },
): () => void {
  let cancelled = false;
  const controller = new AbortController();
  cache
    .load(path, side, controller.signal)
    .then((thumbnail) => {
      if (cancelled) return;
      // A bitmap evicted from the cache in the meantime is closed: paint nothing rather than fail.
      if (thumbnail.bitmap.width === 0) return;
      canvas.width = thumbnail.bitmap.width;
      canvas.height = thumbnail.bitmap.height;
      canvas.getContext('2d')?.drawImage(thumbnail.bitmap, 0, 0);
      on.loaded({ width: thumbnail.width, height: thumbnail.height });
    })
    .catch((error: unknown) => {
      if (!cancelled && !isAbort(error)) on.failed?.();
    });
  return () => {
    cancelled = true;
    controller.abort();
  };
}
