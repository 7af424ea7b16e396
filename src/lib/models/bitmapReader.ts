/**
 * Reads images for embedding in a browser worker: `createImageBitmap` decodes (EXIF orientation
 * applied, so boxes in displayed coordinates line up), crops and, for large images, shrinks; a
 * scratch `OffscreenCanvas` hands the pixels over as RGBA bytes.
 *
 * The trade-off of shrinking: a photo much larger than the model's input is first scaled by the
 * browser (`resizeQuality: 'high'`) to twice the input size, and only the last factor of two is
 * Pillow's exact bicubic. Skipping the browser step would resample a 12-megapixel photo in JavaScript
 * (about 400 ms each on a busy 2-core machine); with it, the exact step costs what a 448-pixel image
 * does (about 20 ms there), and the browser's shrink runs in native code. The vectors then differ slightly
 * from Python's CLIP on the same file (the browser's filter is not Pillow's, though both are
 * antialiased); images up to twice the input size (448 px short side for CLIP) are exact.
 */
import type { PixelRect } from '../core/embedPlan';
import type { PixelImage } from '../core/preprocess';
import type { DatasetSource } from '../storage/source';
import type { ImageReader, OpenedImage } from './embedJob';

export class BitmapImageReader implements ImageReader {
  #canvas: OffscreenCanvas | null = null;
  #context: OffscreenCanvasRenderingContext2D | null = null;

  constructor(private readonly source: DatasetSource) {}

  async open(path: string): Promise<OpenedImage> {
    const blob = await this.source.readBlob(path);
    const bitmap = await createImageBitmap(blob, {
      imageOrientation: 'from-image',
      premultiplyAlpha: 'none',
    });
    return {
      width: bitmap.width,
      height: bitmap.height,
      read: (region, size) => this.read(bitmap, region, size),
      close: () => bitmap.close(),
    };
  }

  private async read(
    bitmap: ImageBitmap,
    region: PixelRect,
    size: { width: number; height: number },
  ): Promise<PixelImage> {
    const shrink = size.width !== region.width || size.height !== region.height;
    const scaled = shrink
      ? await createImageBitmap(bitmap, region.x, region.y, region.width, region.height, {
          resizeWidth: size.width,
          resizeHeight: size.height,
          resizeQuality: 'high',
        })
      : null;

    // Drawn 1:1 with smoothing off: the canvas only copies pixels, it never resamples.
    // Known shortcoming: the canvas stores premultiplied alpha, so fully transparent pixels of a PNG
    // read as black where Pillow's RGB conversion keeps their stored colour.
    const context = this.scratch(size.width, size.height);
    context.clearRect(0, 0, size.width, size.height);
    if (scaled) context.drawImage(scaled, 0, 0);
    else
      context.drawImage(
        bitmap,
        region.x,
        region.y,
        region.width,
        region.height,
        0,
        0,
        size.width,
        size.height,
      );
    scaled?.close();
    const { data } = context.getImageData(0, 0, size.width, size.height);
    return { data, width: size.width, height: size.height, channels: 4 };
  }

  /** One canvas for every read: drawing and reading back happen with no await between them. */
  private scratch(width: number, height: number): OffscreenCanvasRenderingContext2D {
    if (!this.#canvas || !this.#context) {
      this.#canvas = new OffscreenCanvas(width, height);
      this.#context = this.#canvas.getContext('2d', { willReadFrequently: true });
      if (!this.#context) throw new Error('cannot read pixels: no 2D context on OffscreenCanvas');
    }
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    this.#context.imageSmoothingEnabled = false;
    return this.#context;
  }
}
