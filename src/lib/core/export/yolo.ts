/**
 * Corrected ground truth as YOLO labels: one `.txt` per image, `class cx cy w h` normalised by the
 * image's displayed width and height, class = position in `Dataset.categories`, plus the class names
 * as an Ultralytics `data.yaml` or a `classes.txt`. Pure: returns the files' paths and texts.
 *
 * Label paths follow Ultralytics: the last `images` folder of the image's path becomes `labels`
 * (`images/train/a.jpg` → `labels/train/a.txt`); a path without one goes under `labels/`
 * (`a/b.jpg` → `labels/a/b.txt`). Every chosen image gets a file, empty when it has no box, so a
 * reviewed "no objects" image is not mistaken for an unlabelled one.
 *
 * Numbers are written with full double precision (`String(number)`), so a re-import gives the boxes
 * back to ~1e-12 pixels. Known shortcoming: YOLO holds no category ids, crowd, difficult or
 * truncated flags and no image-level classes; those are lost (image labels are counted in `leftOut`).
 */

import type { Dataset } from '../dataset';
import { chosenImages, type ExportOptions } from './coco';

export interface ExportFile {
  /** Relative path inside the folder the user chose, forward slashes. */
  path: string;
  text: string;
}

export interface YoloExport {
  files: ExportFile[];
  /** Ground-truth labels not written: image-level classes (no box). */
  leftOut: number;
}

export interface YoloExportOptions extends ExportOptions {
  /** Where class names go: `data.yaml` (Ultralytics, default) or `classes.txt` (Darknet, CVAT). */
  names?: 'data.yaml' | 'classes.txt';
}

/** An image cannot be written: it has boxes and no known size to normalise them by. */
export class ExportError extends Error {
  constructor(
    readonly image: string,
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`cannot export ${image}: ${field} is ${JSON.stringify(value)}, expected ${expected}`);
    this.name = 'ExportError';
  }
}

/**
 * Writes the ground truth of the chosen images (all by default) as YOLO files.
 * @throws ExportError for an image with boxes whose width or height is not positive.
 */
export function writeYolo(dataset: Dataset, options: YoloExportOptions = {}): YoloExport {
  const classOf = new Map(dataset.categories.map((category, position) => [category.id, position]));
  const chosen = chosenImages(dataset, options.images);
  const lines = new Map<number, string[]>(chosen.map((index) => [index, []]));
  let leftOut = 0;

  for (const label of dataset.groundTruth) {
    const imageLines = lines.get(label.imageIndex);
    if (!imageLines) continue;
    if (!label.box) {
      leftOut++;
      continue;
    }
    const image = dataset.images[label.imageIndex];
    if (!(image.width > 0))
      throw new ExportError(image.path, 'width', image.width, 'a size in pixels above 0');
    if (!(image.height > 0))
      throw new ExportError(image.path, 'height', image.height, 'a size in pixels above 0');
    const [x, y, width, height] = label.box;
    const normalised = [
      (x + width / 2) / image.width,
      (y + height / 2) / image.height,
      width / image.width,
      height / image.height,
    ];
    imageLines.push([classOf.get(label.categoryId), ...normalised].join(' '));
  }

  const files: ExportFile[] = chosen.map((index) => ({
    path: labelPath(dataset.images[index].path),
    text: lines
      .get(index)!
      .map((line) => `${line}\n`)
      .join(''),
  }));
  const names = dataset.categories.map((category) => category.name);
  const underImages = chosen.every((index) => dataset.images[index].path.startsWith('images/'));
  files.push(options.names === 'classes.txt' ? classesTxt(names) : dataYaml(names, underImages));
  return { files, leftOut };
}

/** The label file of an image path, as Ultralytics looks for it. */
export function labelPath(imagePath: string): string {
  const stem = imagePath.replace(/\.[^./]*$/, '');
  const parts = stem.split('/');
  const images = parts.lastIndexOf('images');
  if (images >= 0 && images < parts.length - 1) parts[images] = 'labels';
  else parts.unshift('labels');
  return `${parts.join('/')}.txt`;
}

function classesTxt(names: string[]): ExportFile {
  for (const name of names) {
    if (/[\r\n]/.test(name))
      throw new ExportError('classes.txt', 'class name', name, 'a name without line breaks');
  }
  return { path: 'classes.txt', text: names.map((name) => `${name}\n`).join('') };
}

/**
 * `names` as a YAML map from class index to name; each name a JSON string, which YAML reads as such.
 * Splits are named only when every image is under `images/`: a split naming a folder that does not
 * hold the images would send Ultralytics looking in the wrong place.
 */
function dataYaml(names: string[], underImages: boolean): ExportFile {
  const lines = ['path: .', ...(underImages ? ['train: images', 'val: images'] : []), 'names:'];
  names.forEach((name, index) => lines.push(`  ${index}: ${JSON.stringify(name)}`));
  return { path: 'data.yaml', text: `${lines.join('\n')}\n` };
}
