/**
 * Decodes images and scales them to thumbnails off the main thread. Browsers apply EXIF orientation
 * in `createImageBitmap`, so the reported size is the displayed size that boxes refer to.
 */
import * as Comlink from 'comlink';

export interface Thumbnail {
  bitmap: ImageBitmap;
  /** Displayed size of the full image, in pixels. */
  width: number;
  height: number;
}

const api = {
  /** A thumbnail whose longer side is at most `maxSide` pixels. Rejects when the image does not decode. */
  async thumbnail(blob: Blob, maxSide: number): Promise<Thumbnail> {
    const full = await createImageBitmap(blob);
    const { width, height } = full;
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const bitmap = await createImageBitmap(full, {
      resizeWidth: Math.max(1, Math.round(width * scale)),
      resizeHeight: Math.max(1, Math.round(height * scale)),
      resizeQuality: 'medium',
    });
    full.close();
    return Comlink.transfer({ bitmap, width, height }, [bitmap]);
  },
};

export type ThumbnailWorkerApi = typeof api;
Comlink.expose(api);
