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
  cache
    .load(path, side)
    .then((thumbnail) => {
      if (cancelled) return;
      canvas.width = thumbnail.bitmap.width;
      canvas.height = thumbnail.bitmap.height;
      canvas.getContext('2d')?.drawImage(thumbnail.bitmap, 0, 0);
      on.loaded({ width: thumbnail.width, height: thumbnail.height });
    })
    .catch(() => {
      if (!cancelled) on.failed?.();
    });
  return () => {
    cancelled = true;
  };
}
