/**
 * Turning a joined entry into the Dataset's box: scaling normalised coordinates, flagging boxes
 * that look wrong, and making the one object per box the Dataset keeps.
 */

import type { BoxXYWH, Dataset, GroundTruth, ImageRecord, Prediction, PredictionRun } from '../dataset';
import type { ProblemList } from '../problems';
import { entryPlace } from './places';
import type { ParsedEntry, ParsedSource } from './types';

/**
 * The entry's box in pixels, or null (with a problem) when it cannot be placed: a normalised box on
 * an image of unknown size. A pixel box is the entry's own array, not a copy.
 *
 * A ground-truth box reaching outside the image loads with a warning: the label or the image's
 * stated size is wrong. Detectors often predict boxes a little past the border, so a prediction is
 * flagged only when it misses the image altogether (its coordinates mean something else).
 */
export function placeBox(
  image: ImageRecord,
  parsed: ParsedSource,
  entry: ParsedEntry,
  index: number,
  groundTruth: boolean,
  problems: ProblemList,
): BoxXYWH | null {
  let box = entry.box!;
  const { width, height } = image;
  if (entry.normalized) {
    if (width === 0 || height === 0) {
      const expected = 'an image whose size is known (to scale normalised coordinates)';
      problems.report({ ...entryPlace(parsed, entry, index, 'box'), value: image.path, expected });
      return null;
    }
    box = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
  }
  if (width === 0 || height === 0) return box;

  // Half a pixel of slack: exporters round, and a box ending at width + 0.5 is not a mistake.
  const slack = 0.5;
  const x = box[0];
  const y = box[1];
  const w = box[2];
  const h = box[3];
  const outside = groundTruth
    ? x < -slack || y < -slack || x + w > width + slack || y + h > height + slack
    : x >= width || y >= height || x + w <= 0 || y + h <= 0;
  if (outside) {
    // Quoted as written when the file wrote it otherwise: the user searches the file for it.
    const value = {
      box: entry.written ?? box.map((v) => Math.round(v * 100) / 100),
      image: [width, height],
    };
    const expected = groundTruth ? 'a box inside the image' : 'a box that overlaps the image';
    problems.report({ ...entryPlace(parsed, entry, index, 'box'), value, expected }, 'warning');
  }
  return box;
}

export function groundTruthOf(
  index: number,
  imageIndex: number,
  categoryId: number,
  box: BoxXYWH | undefined,
  entry: ParsedEntry,
): GroundTruth {
  const { crowd, difficult, truncated, sourceId } = entry;
  // The usual COCO box in one literal: adding properties one by one costs a second allocation per box.
  if (
    box &&
    crowd !== undefined &&
    sourceId !== undefined &&
    difficult === undefined &&
    truncated === undefined
  ) {
    return { index, imageIndex, categoryId, box, crowd, sourceId };
  }
  const annotation: GroundTruth = { index, imageIndex, categoryId };
  if (box) annotation.box = box;
  if (crowd !== undefined) annotation.crowd = crowd;
  if (difficult !== undefined) annotation.difficult = difficult;
  if (truncated !== undefined) annotation.truncated = truncated;
  if (sourceId !== undefined) annotation.sourceId = sourceId;
  return annotation;
}

export function predictionOf(
  index: number,
  imageIndex: number,
  categoryId: number,
  box: BoxXYWH | undefined,
  entry: ParsedEntry,
): Prediction {
  const score = entry.score ?? 1;
  return box ? { index, imageIndex, categoryId, score, box } : { index, imageIndex, categoryId, score };
}

/**
 * Predictions whose boxes all lie within [0, 1] on images larger than 32 pixels were almost surely
 * written in normalised coordinates by a tool that claimed pixels: warn once for the run.
 */
export function flagNormalizedLookingRun(dataset: Dataset, run: PredictionRun, problems: ProblemList): void {
  let boxed = 0;
  let largeImages = false;
  for (const { box, imageIndex } of run.predictions) {
    if (!box) continue;
    // One pixel-sized coordinate settles it; this usually returns at the first box.
    if (!box.every((v) => v >= 0 && v <= 1)) return;
    boxed++;
    const image = dataset.images[imageIndex];
    largeImages ||= Math.max(image.width, image.height) > 32;
  }
  if (boxed === 0 || !largeImages) return;
  problems.report(
    {
      file: run.file,
      value: `${boxed} boxes, all within [0, 1]`,
      expected: 'pixel coordinates (these look normalised: export them in pixels, or as YOLO)',
    },
    'warning',
  );
}
