/**
 * Pillow's convolution resampling (`Image.resize` with `reducing_gap=None`) for 8-bit RGB, byte for
 * byte: its filters, its kernel support stretched when downscaling (antialiasing), its fixed-point
 * weights, and its two passes (horizontal, then vertical), each rounded and clipped to a byte.
 */

/** Pillow's resampling filters by their constants: LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING. */
export type ResampleFilter = 1 | 2 | 3 | 4 | 5;

/** Interleaved 8-bit pixels, rows top to bottom. Alpha (4 channels) is dropped; grey (1, 2) is spread to RGB. */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Bits after the point of Pillow's fixed-point weights for 8-bit images. */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
/** Added before the sum so that dropping the fraction bits rounds half up. */
const HALF = ONE / 2;

/** Pillow's filters (`Resample.c`): support radius at scale 1, and the kernel. */
export const FILTERS: Record<ResampleFilter, { support: number; kernel: (x: number) => number }> = {
  1: { support: 3, kernel: (x) => (-3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  2: { support: 1, kernel: (x) => Math.max(0, 1 - Math.abs(x)) },
  3: { support: 2, kernel: bicubic },
  4: { support: 0.5, kernel: (x) => (-0.5 < x && x <= 0.5 ? 1 : 0) },
  // Pillow writes these two constants as C floats.
  5: {
    support: 1,
    kernel: (x) =>
      x === 0
        ? 1
        : -1 < x && x < 1
          ? sinc(x) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(Math.PI * x))
          : 0,
  },
};

/** Keys's cubic convolution with a = -0.5, as Pillow's BICUBIC. */
function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/**
 * Resizes a whole image to `width` x `height` as Pillow's `Image.resize` does for an RGB image
 * (`reducing_gap=None`): horizontal pass, then vertical, each rounded and clipped to 8 bits.
 * @returns interleaved RGB bytes
 */
export function resizeImage(
  image: PixelImage,
  width: number,
  height: number,
  filter: ResampleFilter = 3,
): Uint8Array {
  checkImage(image);
  return resampleRegion(image, width, height, { start: 0, end: width }, { start: 0, end: height }, filter);
}

/**
 * Pillow's normalised weights (as doubles, before fixed point) for resampling `inSize` samples to
 * `outSize`: per output sample, the first input sample it reads and a weight per input sample.
 */
export function resampleWeights(
  inSize: number,
  outSize: number,
  filter: ResampleFilter = 3,
): { first: number; weights: number[] }[] {
  const { support: baseSupport, kernel } = FILTERS[filter];
  const scale = inSize / outSize;
  // Downscaling widens the kernel by the scale (antialiasing); upscaling keeps it as is.
  const filterScale = Math.max(1, scale);
  const support = baseSupport * filterScale;
  // Multiplying by the reciprocal, as Pillow does, keeps the weights identical to the last bit.
  const reciprocal = 1 / filterScale;
  const result: { first: number; weights: number[] }[] = [];

  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale;
    const first = Math.max(0, Math.trunc(center - support + 0.5));
    const last = Math.min(inSize, Math.trunc(center + support + 0.5));
    const weights: number[] = [];
    let total = 0;
    for (let x = first; x < last; x++) {
      const w = kernel((x - center + 0.5) * reciprocal);
      weights.push(w);
      total += w;
    }
    result.push({ first, weights: total === 0 ? weights : weights.map((w) => w / total) });
  }
  return result;
}

/** A half-open range of samples, `[start, end)`. */
export interface Span {
  start: number;
  end: number;
}

interface FixedWeights {
  /** Per output sample: first input sample and number of taps. */
  first: Int32Array;
  count: Int32Array;
  /** `taps` fixed-point weights per output sample. */
  weights: Int32Array;
  taps: number;
}

/** Fixed-point weights for the output samples in `range`, rounded as Pillow's `normalize_coeffs_8bpc`. */
function fixedWeights(inSize: number, outSize: number, range: Span, filter: ResampleFilter): FixedWeights {
  const all = resampleWeights(inSize, outSize, filter);
  const picked = all.slice(range.start, range.end);
  const taps = Math.max(1, ...picked.map((entry) => entry.weights.length));
  const fixed: FixedWeights = {
    first: new Int32Array(picked.length),
    count: new Int32Array(picked.length),
    weights: new Int32Array(picked.length * taps),
    taps,
  };
  picked.forEach((entry, i) => {
    fixed.first[i] = entry.first;
    fixed.count[i] = entry.weights.length;
    entry.weights.forEach((w, k) => {
      fixed.weights[i * taps + k] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    });
  });
  return fixed;
}

/** Pillow's `clip8`: drop the fraction bits (the half was added up front) and clamp to a byte. */
function clip8(sum: number): number {
  // The sums stay below 2^31, so the shift is exact (and much faster than a division).
  const value = sum >> PRECISION_BITS;
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/**
 * The resized pixels in `columns` x `rows` of a `width` x `height` resize, as interleaved RGB. Each
 * is what Pillow computes for the full resize: the passes are separable, so the rest is not needed.
 */
export function resampleRegion(
  image: PixelImage,
  width: number,
  height: number,
  columns: Span,
  rows: Span,
  filter: ResampleFilter,
): Uint8Array {
  const regionWidth = Math.max(0, columns.end - columns.start);
  const regionHeight = Math.max(0, rows.end - rows.start);
  const out = new Uint8Array(regionWidth * regionHeight * 3);
  if (regionWidth === 0 || regionHeight === 0) return out;

  // Pillow skips a pass whose size does not change; its weights would be the identity anyway.
  const horizontal = width !== image.width ? fixedWeights(image.width, width, columns, filter) : null;
  const vertical = height !== image.height ? fixedWeights(image.height, height, rows, filter) : null;

  // Input rows the vertical pass reads.
  const firstRow = vertical ? vertical.first[0] : rows.start;
  const lastRow = vertical ? vertical.first[regionHeight - 1] + vertical.count[regionHeight - 1] : rows.end;

  // Horizontal pass over those rows only, into 8-bit RGB.
  const temp = new Uint8Array((lastRow - firstRow) * regionWidth * 3);
  if (horizontal) resampleRows(image, firstRow, lastRow, horizontal, temp);
  else copyColumns(image, firstRow, lastRow, columns, temp);
  if (!vertical) {
    out.set(temp.subarray(0, out.length));
    return out;
  }

  // Vertical pass from the 8-bit intermediate, as Pillow does.
  const stride = regionWidth * 3;
  const { first, count, weights, taps } = vertical;
  for (let j = 0; j < regionHeight; j++) {
    const start = (first[j] - firstRow) * stride;
    const weightBase = j * taps;
    const taken = count[j];
    const outRow = j * stride;
    for (let i = 0; i < stride; i++) {
      let sum = HALF;
      for (let k = 0, at = start + i; k < taken; k++, at += stride) sum += temp[at] * weights[weightBase + k];
      out[outRow + i] = clip8(sum);
    }
  }
  return out;
}

/** Pillow's horizontal pass for input rows [firstRow, lastRow), into interleaved RGB. */
function resampleRows(
  image: PixelImage,
  firstRow: number,
  lastRow: number,
  { first, count, weights, taps }: FixedWeights,
  temp: Uint8Array,
): void {
  const { data, channels, width } = image;
  const green = channels >= 3 ? 1 : 0;
  const blue = channels >= 3 ? 2 : 0;
  const columns = first.length;
  let target = 0;
  for (let y = firstRow; y < lastRow; y++) {
    const rowBase = y * width;
    for (let i = 0; i < columns; i++) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      const weightBase = i * taps;
      const taken = count[i];
      for (let k = 0, source = (rowBase + first[i]) * channels; k < taken; k++, source += channels) {
        const w = weights[weightBase + k];
        r += data[source] * w;
        g += data[source + green] * w;
        b += data[source + blue] * w;
      }
      temp[target++] = clip8(r);
      temp[target++] = clip8(g);
      temp[target++] = clip8(b);
    }
  }
}

/** The columns of rows [firstRow, lastRow) unchanged, as interleaved RGB (no horizontal resize). */
function copyColumns(
  image: PixelImage,
  firstRow: number,
  lastRow: number,
  columns: Span,
  temp: Uint8Array,
): void {
  const { data, channels, width } = image;
  const green = channels >= 3 ? 1 : 0;
  const blue = channels >= 3 ? 2 : 0;
  let target = 0;
  for (let y = firstRow; y < lastRow; y++) {
    for (let x = columns.start; x < columns.end; x++) {
      const source = (y * width + x) * channels;
      temp[target++] = data[source];
      temp[target++] = data[source + green];
      temp[target++] = data[source + blue];
    }
  }
}

/** Throws a RangeError unless `image` holds `width * height * channels` bytes of a 1-4 channel image. */
export function checkImage(image: PixelImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`invalid image size ${width}x${height}: expected positive integers`);
  if (![1, 2, 3, 4].includes(channels))
    throw new RangeError(`invalid channel count ${channels}: expected 1, 2, 3 or 4`);
  if (data.length < width * height * channels)
    throw new RangeError(`invalid pixel data: ${data.length} bytes for ${width}x${height}x${channels}`);
}
