/**
 * How much a hub model downloads, said before anything is downloaded. The default model's sizes are
 * kept in a table (no request at all); any other hub model or precision is asked for with one HEAD
 * request per file, which returns the size and nothing else.
 */
import type { ClipDtype } from './clip';
import type { HubModelSource } from './modelSource';

/** The files transformers.js reads for a CLIP model at a precision (tokenizer files aside, see below). */
export function clipModelFiles(dtype: ClipDtype): string[] {
  const suffix = { fp32: '', fp16: '_fp16', q8: '_quantized' }[dtype];
  return [
    'config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    `onnx/vision_model${suffix}.onnx`,
    `onnx/text_model${suffix}.onnx`,
  ];
}

/**
 * Bytes of the weight files of `Xenova/clip-vit-base-patch32`, from CLIP ViT-B/32's parameter
 * counts: vision tower 87,849,216 and text tower 63,428,096 parameters (projections included), at 4
 * bytes (fp32) or 2 (fp16) each, plus about 0.1 MB of graph per file. The fp32 vision figure agrees
 * within 0.02% with the random-weight export of the same architecture that `npm run bench:embed`
 * writes (351,459,202 bytes).
 * Known shortcoming: these are not the hub's byte counts (no network here to read them), so the UI
 * says "about"; the JSON files (the tokenizer is about 2 MB) are not counted, and q8 is not in the
 * table, so it is asked for with HEAD requests.
 */
export const KNOWN_SIZES: Readonly<Record<string, Partial<Record<ClipDtype, Record<string, number>>>>> = {
  'Xenova/clip-vit-base-patch32@main': {
    fp32: { 'onnx/vision_model.onnx': 351_500_000, 'onnx/text_model.onnx': 253_800_000 },
    fp16: { 'onnx/vision_model_fp16.onnx': 175_800_000, 'onnx/text_model_fp16.onnx': 127_000_000 },
  },
};

export interface DownloadSize {
  bytes: number;
  /** True when every file's size came from the server; false for the table's estimates. */
  exact: boolean;
  /** Files whose size the server did not say (counted as 0). */
  unknown: string[];
}

/** The size of a hub source's download at a precision: from the table, else by HEAD requests. */
export async function downloadSize(
  source: HubModelSource,
  dtype: ClipDtype,
  fetchImpl: typeof fetch = fetch,
  host = 'https://huggingface.co',
): Promise<DownloadSize> {
  const revision = source.revision ?? 'main';
  const known = KNOWN_SIZES[`${source.id}@${revision}`]?.[dtype];
  if (known)
    return { bytes: Object.values(known).reduce((sum, bytes) => sum + bytes, 0), exact: false, unknown: [] };

  const files = clipModelFiles(dtype);
  const sizes = await Promise.all(
    files.map((file) =>
      headSize(`${host}/${source.id}/resolve/${encodeURIComponent(revision)}/${file}`, fetchImpl),
    ),
  );
  return {
    bytes: sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0),
    exact: sizes.every((size) => size !== null),
    unknown: files.filter((_, i) => sizes[i] === null),
  };
}

/**
 * The size a HEAD request reports, or null when it fails or says nothing. The hub answers a weight
 * file with a redirect to its storage; `x-linked-size` carries the size where the redirect is seen,
 * `content-length` where fetch followed it.
 */
async function headSize(url: string, fetchImpl: typeof fetch): Promise<number | null> {
  try {
    const response = await fetchImpl(url, { method: 'HEAD', credentials: 'omit' });
    if (!response.ok) return null;
    for (const header of ['x-linked-size', 'content-length']) {
      const value = Number(response.headers.get(header) ?? NaN);
      if (Number.isInteger(value) && value >= 0) return value;
    }
    return null;
  } catch {
    return null;
  }
}

/** Bytes in decimal units, as the hub shows them: `950 B`, `12.3 kB`, `605 MB`, `1.2 GB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0)
    throw new RangeError(`invalid byte count ${bytes}: expected >= 0`);
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The sentence the model menu shows before a hub model is loaded. */
export function describeDownload(size: DownloadSize): string {
  const amount =
    size.bytes === 0 ? 'an unknown amount' : `${size.exact ? '' : 'about '}${formatBytes(size.bytes)}`;
  const missing =
    size.unknown.length > 0 && size.bytes > 0 ? ` (not counting ${size.unknown.join(', ')})` : '';
  return `Downloads ${amount}${missing} of model files from the Hugging Face hub once; the browser keeps them. No image or other data of yours leaves this machine.`;
}
