/**
 * Runs scripts/make-demo-dataset.mjs as the dev server does (a child process) and reads what it
 * wrote. The types describe the files the generator writes, so tests that check Longtail finds the
 * injected errors can share them. Helpers compute everything from the files themselves.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/make-demo-dataset.mjs', import.meta.url));

/** Large enough for the long tail and the detector's error rates to show, small enough to run in ~2 s. */
export const IMAGE_COUNT = 120;

export type Box = [number, number, number, number];

export interface Instances {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: Box;
    area: number;
    iscrowd: number;
  }[];
}

export interface Prediction {
  image_id: number;
  category_id: number;
  bbox: Box;
  score: number;
}

/** A drawn object: what the image really shows, whatever the labels say. */
export interface TrueObject {
  object_id: number;
  category_id: number;
  name: string;
  bbox: Box;
  /** The annotation boxing it in instances.json; null when its box is a missing_box error. */
  annotation_id: number | null;
}

export type LabelErrorKind = 'missing_box' | 'shifted_box' | 'swapped_class' | 'spurious_box';

export type PredictionErrorKind =
  'missed' | 'class_confusion' | 'poor_localization' | 'duplicate' | 'false_positive';

/** manifest.json; its schema is documented at the top of scripts/make-demo-dataset.mjs. */
export interface Manifest {
  generator: string;
  generator_version: number;
  seed: number;
  image_count: number;
  image_size: { width: number; height: number };
  jpeg_quality: number;
  classes: { category_id: number; name: string; share: number; similar: string[] }[];
  parameters: {
    condition_shares: Record<string, number>;
    label_error_shares: Record<LabelErrorKind, number>;
    shifted_box_iou: [number, number];
  };
  counts: {
    ground_truth_boxes: Record<string, number>;
    true_objects: Record<string, number>;
    conditions: Record<string, number>;
    label_errors: Record<LabelErrorKind, number>;
    predictions: number;
    prediction_errors: Record<PredictionErrorKind, number>;
  };
  files: { path: string; size: number }[];
  scenes: {
    image_id: number;
    file_name: string;
    conditions: ('night' | 'fog' | 'blur')[];
    setting: { horizon: number; ground: 'grass' | 'road' };
    objects: TrueObject[];
  }[];
  label_errors: {
    kind: LabelErrorKind;
    image_id: number;
    object_id: number | null;
    true_category_id: number | null;
    true_bbox: Box | null;
    annotation_ids: number[];
    labelled_category_id: number | null;
    labelled_bbox: Box | null;
    iou: number | null;
  }[];
  prediction_errors: {
    kind: PredictionErrorKind;
    image_id: number;
    /** Position in predictions/detector.json; null for a miss. */
    prediction_index: number | null;
    object_id: number | null;
    true_category_id: number | null;
    predicted_category_id: number | null;
    score: number | null;
    iou: number | null;
  }[];
}

/** Runs the generator as `npm run` would; returns its one-line report and how long it took. */
export function generate(
  outDir: string,
  { images = IMAGE_COUNT, seed = undefined as number | undefined, env = process.env } = {},
) {
  const args = [
    SCRIPT,
    outDir,
    '--images',
    `${images}`,
    ...(seed === undefined ? [] : ['--seed', `${seed}`]),
  ];
  const started = performance.now();
  const stdout = execFileSync(process.execPath, args, { encoding: 'utf8', env, stdio: 'pipe' });
  return { stdout, milliseconds: performance.now() - started };
}

export function listFiles(root: string, folder = root): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? listFiles(root, join(folder, entry.name))
        : [relative(root, join(folder, entry.name))],
    )
    .sort();
}

export function hashFolder(root: string): Map<string, string> {
  return new Map(
    listFiles(root).map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest('hex'),
    ]),
  );
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function iou(a: Box, b: Box): number {
  const width = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  const shared = width > 0 && height > 0 ? width * height : 0;
  return shared / (a[2] * a[3] + b[2] * b[3] - shared);
}

const decodedImages = new Map<string, { data: Uint8Array; width: number; height: number }>();

/** Decodes a JPEG once per test run: decoding is most of these tests' time. */
export function decode(path: string) {
  if (!decodedImages.has(path)) decodedImages.set(path, jpeg.decode(readFileSync(path), { useTArray: true }));
  return decodedImages.get(path)!;
}

/** Luminance of every pixel (Rec. 601 weights), from the JPEG as a viewer would decode it. */
export function luminance(path: string): { values: Float64Array; width: number; height: number } {
  const { data, width, height } = decode(path);
  const values = new Float64Array(width * height);
  for (let pixel = 0; pixel < values.length; pixel++) {
    values[pixel] = 0.299 * data[pixel * 4] + 0.587 * data[pixel * 4 + 1] + 0.114 * data[pixel * 4 + 2];
  }
  return { values, width, height };
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index];
  return sum / values.length;
}

export function standardDeviation(values: ArrayLike<number>): number {
  const centre = mean(values);
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += (values[index] - centre) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Mean absolute difference between horizontally adjacent pixels: falls when an image is blurred. */
export function sharpness({ values, width }: ReturnType<typeof luminance>): number {
  let sum = 0;
  for (let pixel = 1; pixel < values.length; pixel++)
    if (pixel % width) sum += Math.abs(values[pixel] - values[pixel - 1]);
  return sum / values.length;
}
