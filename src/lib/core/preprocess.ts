/**
 * CLIP image preprocessing on plain typed arrays, identical in Node, in workers and in the page:
 * resize (PIL's convolution resampling, fixed-point rounding included), centre crop, rescale and
 * normalise, into float32 CHW rows ready to stack into a `pixel_values` batch.
 *
 * It follows Hugging Face's `CLIPImageProcessor` with Pillow underneath (the reference every CLIP
 * checkpoint was trained and evaluated with), not transformers.js, whose resize is a canvas in the
 * browser and a non-antialiased sharp affine in Node.
 */
import {
  checkImage,
  FILTERS,
  resampleRegion,
  type PixelImage,
  type ResampleFilter,
  type Span,
} from './resample';

export { resampleWeights, resizeImage, type PixelImage, type ResampleFilter } from './resample';

export interface PreprocessConfig {
  /** Resize step: shortest edge to a length (aspect kept), or an exact size; null skips it. */
  resize: { shortestEdge: number } | { width: number; height: number } | null;
  resample: ResampleFilter;
  /** Centre crop (zero-padded where the image is smaller); null skips it. */
  crop: { width: number; height: number } | null;
  /** Multiplies every byte first (1/255 for CLIP; 1 when `do_rescale` is false). */
  rescaleFactor: number;
  /** Per RGB channel, subtracted after rescaling (0 when `do_normalize` is false). */
  mean: [number, number, number];
  /** Per RGB channel, divides last (1 when `do_normalize` is false). */
  std: [number, number, number];
}

/** A preprocessor_config.json this module cannot follow. */
export class PreprocessConfigError extends Error {
  constructor(field: string, value: unknown, expected: string) {
    super(`preprocessor_config.json: ${field}: expected ${expected}, got ${JSON.stringify(value)}`);
    this.name = 'PreprocessConfigError';
  }
}

/** OpenAI CLIP's normalisation, Hugging Face's default when a config leaves it out. */
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/**
 * Reads a transformers.js / Hugging Face `preprocessor_config.json` of a CLIP-style model, with
 * `CLIPImageProcessor`'s defaults for what it leaves out (resize and crop to 224, bicubic, 1/255,
 * CLIP's mean and std).
 * @throws {PreprocessConfigError} naming the field, the bad value and what is accepted
 */
export function parsePreprocessConfig(json: unknown): PreprocessConfig {
  if (typeof json !== 'object' || json === null) throw new PreprocessConfigError('(root)', json, 'an object');
  const config = json as Record<string, unknown>;

  const doResize = flag(config, 'do_resize', true);
  const size = config.size ?? 224;
  let resize: PreprocessConfig['resize'] = null;
  if (doResize) {
    if (isPositiveInteger(size)) resize = { shortestEdge: size };
    else if (isObject(size) && isPositiveInteger(size.shortest_edge))
      resize = { shortestEdge: size.shortest_edge };
    else if (isObject(size) && isPositiveInteger(size.width) && isPositiveInteger(size.height))
      resize = { width: size.width, height: size.height };
    else
      throw new PreprocessConfigError(
        'size',
        size,
        'a positive integer, {shortest_edge}, or {width, height}',
      );
  }

  const resample = config.resample ?? 3;
  if (!(typeof resample === 'number' && resample in FILTERS))
    throw new PreprocessConfigError('resample', resample, 'a Pillow filter 1-5 (3 = bicubic)');

  let crop: PreprocessConfig['crop'] = null;
  if (flag(config, 'do_center_crop', true)) {
    const cropSize = config.crop_size ?? 224;
    if (isPositiveInteger(cropSize)) crop = { width: cropSize, height: cropSize };
    else if (isObject(cropSize) && isPositiveInteger(cropSize.width) && isPositiveInteger(cropSize.height))
      crop = { width: cropSize.width, height: cropSize.height };
    else throw new PreprocessConfigError('crop_size', cropSize, 'a positive integer or {width, height}');
  }
  if (!crop && !(resize && 'width' in resize))
    throw new PreprocessConfigError('do_center_crop', config.do_center_crop, 'a crop or a fixed resize size');

  const rescaleFactor = flag(config, 'do_rescale', true) ? (config.rescale_factor ?? 1 / 255) : 1;
  if (typeof rescaleFactor !== 'number' || !Number.isFinite(rescaleFactor))
    throw new PreprocessConfigError('rescale_factor', rescaleFactor, 'a finite number');

  const normalize = flag(config, 'do_normalize', true);
  const mean = normalize ? triple(config, 'image_mean', CLIP_MEAN) : ([0, 0, 0] as typeof CLIP_MEAN);
  const std = normalize ? triple(config, 'image_std', CLIP_STD) : ([1, 1, 1] as typeof CLIP_STD);
  if (std.some((value) => value === 0)) throw new PreprocessConfigError('image_std', std, 'non-zero values');

  return { resize, resample: resample as ResampleFilter, crop, rescaleFactor, mean, std };
}

/** Width and height of the tensor rows `preprocessImage` writes. */
export function outputSize(config: PreprocessConfig): { width: number; height: number } {
  if (config.crop) return config.crop;
  return config.resize as { width: number; height: number };
}

/**
 * The size Hugging Face resizes a `width` x `height` image to: the short side to `shortestEdge`, the
 * long side truncated to keep the aspect (`int(size * long / short)`), or the fixed size.
 */
export function resizedSize(
  width: number,
  height: number,
  config: PreprocessConfig,
): { width: number; height: number } {
  const resize = config.resize;
  if (!resize) return { width, height };
  if ('width' in resize) return { width: resize.width, height: resize.height };
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((resize.shortestEdge * long) / short);
  return width <= height
    ? { width: resize.shortestEdge, height: newLong }
    : { width: newLong, height: resize.shortestEdge };
}

/**
 * Preprocesses one image into `out` at `offset` (in floats): 3 planes (R, G, B) of
 * `outputSize(config)`, row-major, normalised: `(byte * rescaleFactor - mean) / std` in float32 steps
 * as NumPy does. Only the pixels the crop keeps are resampled.
 * @returns `out` (a new array of the right length when none is given)
 */
export function preprocessImage(
  image: PixelImage,
  config: PreprocessConfig,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  checkImage(image);
  const { width: outWidth, height: outHeight } = outputSize(config);
  const plane = outWidth * outHeight;
  const target = out ?? new Float32Array(3 * plane);
  if (offset < 0 || offset + 3 * plane > target.length)
    throw new RangeError(`invalid offset ${offset}: ${3 * plane} floats do not fit in ${target.length}`);

  // Which resized pixels the crop keeps: HF's centre crop offset, floored, zero padding outside.
  const resized = resizedSize(image.width, image.height, config);
  const left = Math.floor((resized.width - outWidth) / 2);
  const top = Math.floor((resized.height - outHeight) / 2);
  const columns = span(left, outWidth, resized.width);
  const rows = span(top, outHeight, resized.height);
  const rgb = resampleRegion(image, resized.width, resized.height, columns, rows, config.resample);

  // Bytes to normalised floats through a table per channel: exact, and the same for every pixel.
  const regionWidth = columns.end - columns.start;
  for (let c = 0; c < 3; c++) {
    const table = normalisationTable(config, c);
    const base = offset + c * plane;
    // Where the crop reaches past the resized image, Hugging Face pads with zero bytes.
    if (regionWidth < outWidth || rows.end - rows.start < outHeight)
      target.fill(table[0], base, base + plane);
    for (let ry = rows.start; ry < rows.end; ry++) {
      let at = base + (ry - top) * outWidth + (columns.start - left);
      let source = (ry - rows.start) * regionWidth * 3 + c;
      for (let i = 0; i < regionWidth; i++, at++, source += 3) target[at] = table[rgb[source]];
    }
  }
  return target;
}

/** The part of [offset, offset + length) inside [0, size). */
function span(offset: number, length: number, size: number): Span {
  return { start: Math.max(0, offset), end: Math.min(size, offset + length) };
}

/** `(byte * rescale - mean) / std` for every byte, each step rounded to float32 as NumPy does. */
function normalisationTable(config: PreprocessConfig, channel: number): Float32Array {
  const mean = Math.fround(config.mean[channel]);
  const std = Math.fround(config.std[channel]);
  const table = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const scaled = Math.fround(byte * config.rescaleFactor);
    table[byte] = Math.fround(Math.fround(scaled - mean) / std);
  }
  return table;
}

function flag(config: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = config[name] ?? fallback;
  if (typeof value !== 'boolean') throw new PreprocessConfigError(name, value, 'true or false');
  return value;
}

function triple(
  config: Record<string, unknown>,
  name: string,
  fallback: [number, number, number],
): [number, number, number] {
  const value = config[name] ?? fallback;
  const list = typeof value === 'number' ? [value, value, value] : value;
  if (
    !Array.isArray(list) ||
    list.length !== 3 ||
    !list.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
    throw new PreprocessConfigError(name, value, 'a number or 3 numbers (R, G, B)');
  return list as [number, number, number];
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
