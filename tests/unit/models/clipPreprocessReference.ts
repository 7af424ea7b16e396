/**
 * CLIP preprocessing restated in plain TypeScript, as OpenAI's CLIP and Hugging Face's
 * CLIPImageProcessor do it in Python: resize the shortest edge to 224 with Pillow's bicubic filter,
 * crop the centre 224 x 224, scale bytes to [0, 1], subtract the mean and divide by the std per channel.
 *
 * `resizeBicubicPillow` follows Pillow's libImaging/Resample.c (9.x) step for step, so its bytes equal
 * Pillow's: the cubic kernel with a = -0.5 and support 2, widened by the scale when downscaling (that
 * is Pillow's antialiasing), pixel centres at (x + 0.5) * scale, taps outside the image dropped and the
 * rest renormalised, weights in 22-bit fixed point, a horizontal pass then a vertical pass, each
 * rounded and clipped to bytes.
 */
import type { PlainImage } from './tinyClipReference';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
export const CROP = 224;

const PRECISION_BITS = 32 - 8 - 2;
const CUBIC_SUPPORT = 2;

/** An RGB image, 3 bytes per pixel, rows top to bottom. */
export interface RgbImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Keys the cubic convolution kernel with a = -0.5 (Catmull-Rom), the one Pillow calls BICUBIC. */
export function cubic(distance: number): number {
  const a = -0.5;
  const x = Math.abs(distance);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Drops alpha, keeping the first three channels. */
export function toRgb(image: PlainImage): RgbImage {
  if (image.channels === 3) return { data: image.data, width: image.width, height: image.height };
  const data = new Uint8ClampedArray(image.width * image.height * 3);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    for (let c = 0; c < 3; c++) data[pixel * 3 + c] = image.data[pixel * image.channels + c];
  }
  return { data, width: image.width, height: image.height };
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`: per output pixel, first tap and int weights. */
function pillowCoefficients(inSize: number, outSize: number): { first: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = CUBIC_SUPPORT * filterScale;

  return Array.from({ length: outSize }, (_, out) => {
    const center = (out + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const last = Math.min(Math.trunc(center + support + 0.5), inSize);
    const raw = Array.from({ length: last - first }, (_, i) =>
      cubic((i + first - center + 0.5) / filterScale),
    );
    const total = raw.reduce((sum, weight) => sum + weight, 0);
    const weights = raw.map((weight) => {
      const normalised = total === 0 ? weight : weight / total;
      return Math.trunc(normalised * (1 << PRECISION_BITS) + (normalised < 0 ? -0.5 : 0.5));
    });
    return { first, weights };
  });
}

function clip8(accumulator: number): number {
  if (accumulator >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (accumulator <= 0) return 0;
  return Math.floor(accumulator / 2 ** PRECISION_BITS);
}

/** One separable pass along x (`horizontal`) or y, bytes in, bytes out. */
function pillowPass(image: RgbImage, outWidth: number, outHeight: number, horizontal: boolean): RgbImage {
  const coefficients = horizontal
    ? pillowCoefficients(image.width, outWidth)
    : pillowCoefficients(image.height, outHeight);
  const data = new Uint8ClampedArray(outWidth * outHeight * 3);

  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const { first, weights } = coefficients[horizontal ? x : y];
      for (let c = 0; c < 3; c++) {
        let accumulator = 1 << (PRECISION_BITS - 1);
        weights.forEach((weight, i) => {
          const source = horizontal ? y * image.width + first + i : (first + i) * image.width + x;
          accumulator += image.data[source * 3 + c] * weight;
        });
        data[(y * outWidth + x) * 3 + c] = clip8(accumulator);
      }
    }
  }
  return { data, width: outWidth, height: outHeight };
}

/** `Image.resize((width, height), Image.BICUBIC)` on an RGB image, byte for byte. */
export function resizeBicubicPillow(image: RgbImage, width: number, height: number): RgbImage {
  let result = image;
  // Pillow skips a pass whose size does not change, and runs the horizontal pass first.
  if (width !== image.width) result = pillowPass(result, width, result.height, true);
  if (height !== image.height) result = pillowPass(result, width, height, false);
  return result;
}

/** Size after resizing the shortest edge to 224, as CLIPImageProcessor rounds it (down). */
export function clipResizeTarget(width: number, height: number): { width: number; height: number } {
  const scale = CROP / Math.min(width, height);
  return {
    width: width <= height ? CROP : Math.floor(width * scale),
    height: height < width ? CROP : Math.floor(height * scale),
  };
}

/** Centre crop to 224 x 224, rescale and normalise: CHW floats, 3 x 224 x 224. */
export function cropAndNormalise(image: RgbImage): Float64Array {
  const left = Math.floor((image.width - CROP) / 2);
  const top = Math.floor((image.height - CROP) / 2);
  const chw = new Float64Array(3 * CROP * CROP);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < CROP; y++) {
      for (let x = 0; x < CROP; x++) {
        const byte = image.data[((y + top) * image.width + (x + left)) * 3 + c];
        chw[(c * CROP + y) * CROP + x] = (byte / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
      }
    }
  }
  return chw;
}

/** CLIP preprocessing of any image, with Pillow's resize: CHW floats, 3 x 224 x 224. */
export function preprocessLikePillow(image: PlainImage): Float64Array {
  const rgb = toRgb(image);
  const target = clipResizeTarget(rgb.width, rgb.height);
  return cropAndNormalise(resizeBicubicPillow(rgb, target.width, target.height));
}

/**
 * A model of how transformers.js 4.x resizes in Node, where `RawImage.resize` calls sharp's `affine`
 * with the bicubic interpolator: output pixel (x, y) samples the input at (x · w / W, y · h / H) (pixel
 * corners aligned, not centres), the same cubic kernel is never widened (no antialiasing when
 * downscaling), and pixels beyond the image read as black. Bytes out, rounded.
 */
export function resizeLikeSharpAffine(image: RgbImage, width: number, height: number): RgbImage {
  const scaleX = image.width / width;
  const scaleY = image.height / height;
  const data = new Uint8ClampedArray(width * height * 3);
  const read = (x: number, y: number, c: number) =>
    x >= 0 && x < image.width && y >= 0 && y < image.height ? image.data[(y * image.width + x) * 3 + c] : 0;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sourceX = x * scaleX;
      const sourceY = y * scaleY;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let j = Math.floor(sourceY) - 1; j <= Math.floor(sourceY) + 2; j++) {
          for (let i = Math.floor(sourceX) - 1; i <= Math.floor(sourceX) + 2; i++) {
            sum += cubic(sourceX - i) * cubic(sourceY - j) * read(i, j, c);
          }
        }
        data[(y * width + x) * 3 + c] = Math.round(sum);
      }
    }
  }
  return { data, width, height };
}

/** Bytes back from CLIP-normalised CHW floats (3 x 224 x 224), rounded: compares inputs in byte levels. */
export function denormaliseToBytes(chw: ArrayLike<number>): Uint8ClampedArray {
  return Uint8ClampedArray.from({ length: chw.length }, (_, i) => {
    const c = Math.floor(i / (CROP * CROP));
    return Math.round((chw[i] * CLIP_STD[c] + CLIP_MEAN[c]) * 255);
  });
}

/** The centre 224 x 224 crop of an image as CHW bytes, for comparison with `denormaliseToBytes`. */
export function cropToChwBytes(image: RgbImage): Uint8ClampedArray {
  const left = Math.floor((image.width - CROP) / 2);
  const top = Math.floor((image.height - CROP) / 2);
  return Uint8ClampedArray.from({ length: 3 * CROP * CROP }, (_, i) => {
    const c = Math.floor(i / (CROP * CROP));
    const y = Math.floor(i / CROP) % CROP;
    const x = i % CROP;
    return image.data[((y + top) * image.width + (x + left)) * 3 + c];
  });
}
