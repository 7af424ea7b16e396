/**
 * Corrected ground truth as a COCO instances JSON document. Pure: returns the text; where it is
 * written (File System Access or a download) is the UI's business.
 *
 * File names: an image imported from COCO keeps its `file_name` as written; others get their path
 * relative to the opened folder.
 *
 * Ids: categories keep their own ids; images keep the COCO id they were imported with
 * (`meta.cocoImageId`) when it is a unique integer, else are numbered from 1; annotations keep the id
 * of their source (`sourceId`) when it is a unique integer, else (added boxes, other formats) get the
 * next free one.
 *
 * Known shortcomings: COCO has no image-level class and no VOC `difficult`/`truncated` flags; image
 * labels without a box are left out (counted in `leftOut`), and the flags are written as
 * non-standard `difficult`/`truncated` annotation fields that pycocotools ignores. The importer keeps
 * boxes only, so an imported annotation's `segmentation`, `ignore` and other extra fields are not
 * written back, and `area` is the box's (COCO's own is the mask's).
 */

import type { Dataset, GroundTruth } from '../dataset';

export interface CocoExport {
  /** The JSON document, one image, annotation or category a line (diffable, and a third of the indented size). */
  text: string;
  /** Ground-truth labels not written: image-level classes (no box). */
  leftOut: number;
}

export interface ExportOptions {
  /**
   * Images to write (indices into `dataset.images`): a slice or a filter result. All images when
   * absent. Written in dataset order whatever the order given.
   */
  images?: Iterable<number>;
}

/**
 * Writes `dataset`'s ground truth (typically `applyEdits(...).dataset`) as COCO instances JSON: the
 * chosen images, every category (so ids stay meaningful for a slice), and each box in displayed
 * pixels `[x, y, width, height]` with `area = width × height` (pixels²).
 */
export function writeCocoJson(dataset: Dataset, options: ExportOptions = {}): CocoExport {
  const chosen = chosenImages(dataset, options.images);
  const imageIds = assignIds(chosen.map((index) => dataset.images[index].meta.cocoImageId));

  const images = chosen.map((index, position) => {
    const image = dataset.images[index];
    // An image imported from COCO keeps its file_name as written (relative to the images folder).
    const fileName = typeof image.meta.cocoFileName === 'string' ? image.meta.cocoFileName : image.path;
    return `{"id":${imageIds[position]},"file_name":${JSON.stringify(fileName)},"width":${number(image.width)},"height":${number(image.height)}}`;
  });

  const idOfImage = new Map(chosen.map((index, position) => [index, imageIds[position]]));
  const boxes = dataset.groundTruth.filter((box) => idOfImage.has(box.imageIndex));
  const written = boxes.filter((box) => box.box);
  const annotationIds = assignIds(written.map((box) => box.sourceId));
  const annotations = written.map((box, position) => annotation(box, annotationIds[position], idOfImage));

  const categories = dataset.categories.map((c) => `{"id":${number(c.id)},"name":${JSON.stringify(c.name)}}`);
  const text = `{${[jsonList('images', images), jsonList('annotations', annotations), jsonList('categories', categories)].join(',\n')}\n}\n`;
  return { text, leftOut: boxes.length - written.length };
}

/**
 * One annotation as compact JSON, written by hand: a template per box is several times faster than
 * building an object and `JSON.stringify`-ing it, which dominated a 1M-box export.
 */
function annotation(box: GroundTruth, id: number, idOfImage: Map<number, number>): string {
  const [x, y, width, height] = box.box!;
  const bbox = `[${number(x)},${number(y)},${number(width)},${number(height)}]`;
  let text = `{"id":${id},"image_id":${idOfImage.get(box.imageIndex)},"category_id":${number(box.categoryId)},"bbox":${bbox},"area":${number(width * height)},"iscrowd":${box.crowd ? 1 : 0}`;
  if (box.difficult) text += ',"difficult":1';
  if (box.truncated) text += ',"truncated":1';
  return `${text}}`;
}

/** A number as JSON writes it (`String` for finite numbers, `null` otherwise). */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** `"key": [` then one compact JSON value (already written) a line. */
function jsonList(key: string, values: readonly string[]): string {
  return `\n"${key}": [${values.map((value) => `\n  ${value}`).join(',')}\n]`;
}

/** Sorted, de-duplicated image indices; all of them when `images` is absent. */
export function chosenImages(dataset: Dataset, images: Iterable<number> | undefined): number[] {
  if (!images) return dataset.images.map((image) => image.index);
  const chosen = [...new Set(images)].sort((a, b) => a - b);
  for (const index of chosen) {
    if (!Number.isInteger(index) || index < 0 || index >= dataset.images.length) {
      throw new RangeError(
        `export of image index ${index}: expected an integer in [0, ${dataset.images.length})`,
      );
    }
  }
  return chosen;
}

/**
 * Keeps each given id that is a positive integer and unique among them; the others get the next ids
 * above the largest kept one, in order.
 */
function assignIds(given: readonly unknown[]): number[] {
  const counts = new Map<unknown, number>();
  for (const id of given) counts.set(id, (counts.get(id) ?? 0) + 1);
  const keep = (id: unknown): id is number =>
    typeof id === 'number' && Number.isInteger(id) && id > 0 && counts.get(id) === 1;
  // A loop, not Math.max(...ids): spreading 300k arguments overflows the call stack.
  let largest = 0;
  for (const id of given) if (keep(id) && id > largest) largest = id;
  let next = largest + 1;
  return given.map((id) => (keep(id) ? id : next++));
}
