/**
 * Longtail's one data model for detection and classification datasets.
 *
 * Conventions, everywhere in the code base:
 * - An image is identified by its **relative path** inside the opened folder (forward slashes).
 *   `ImageRecord.index` is its position in `Dataset.images`, used as a dense key in columns.
 * - Boxes are **pixel xywh** in the *displayed* image (after EXIF orientation): `[x, y, width, height]`,
 *   x and y of the top-left corner, origin at the image's top-left pixel corner, continuous coordinates
 *   (no "+1" convention). A classification label has no box.
 * - Categories keep the ids their source file gave them (they need not be contiguous or start at 1) and
 *   have unique names. `Dataset.categories` is ordered as the source listed them.
 * - A ground-truth annotation or prediction is identified by (image, source, index as imported): the
 *   source is `'gt'` or a prediction run's name, and `index` is its position in that source's array.
 *
 * Known shortcoming: annotations and predictions are held as one object each. That is fine up to a few
 * hundred thousand boxes; past that, memory and structured-clone time between workers grow with the
 * object count, and these arrays should become typed-array columns (see DESIGN.md).
 */

/** Pixel box `[x, y, width, height]` in displayed-image coordinates. */
export type BoxXYWH = [number, number, number, number];

export interface ImageRecord {
  /** Position in `Dataset.images`. */
  index: number;
  /** Relative path inside the opened folder, forward slashes, e.g. `images/000005.jpg`. */
  path: string;
  /** Displayed width in pixels (after EXIF orientation); 0 until known. */
  width: number;
  /** Displayed height in pixels (after EXIF orientation); 0 until known. */
  height: number;
  /** Free metadata from the source files (e.g. COCO image id, license, capture date). */
  meta: Record<string, unknown>;
}

export interface Category {
  /** Id as given by the source file; stable across re-imports of the same file. */
  id: number;
  name: string;
}

/** A ground-truth annotation: a box with a class, or an image-level class (no `box`). */
export interface GroundTruth {
  /** Position in `Dataset.groundTruth`. */
  index: number;
  imageIndex: number;
  categoryId: number;
  box?: BoxXYWH;
  /** COCO `iscrowd`: a region that may hold many objects; matching ignores rather than counts it. */
  crowd?: boolean;
  /** Pascal VOC `difficult`: kept as ground truth, left out of VOC metrics unless asked. */
  difficult?: boolean;
  /** Pascal VOC `truncated`: the object extends beyond the image. */
  truncated?: boolean;
  /** Id the source file gave this annotation, if any (kept for export; never used as identity). */
  sourceId?: number | string;
}

/** One prediction of a run: a scored box with a class, or image-level class scores (no `box`). */
export interface Prediction {
  /** Position in `PredictionRun.predictions`. */
  index: number;
  imageIndex: number;
  categoryId: number;
  /** Confidence in [0, 1]. */
  score: number;
  box?: BoxXYWH;
  /** Optional probability per category, ordered as `Dataset.categories`. */
  probabilities?: number[];
}

/** A named set of predictions from one model (or one model configuration). */
export interface PredictionRun {
  name: string;
  /** Relative path of the file it was read from. */
  file: string;
  predictions: Prediction[];
}

export interface Dataset {
  images: ImageRecord[];
  categories: Category[];
  groundTruth: GroundTruth[];
  runs: PredictionRun[];
}

/** An empty dataset, the starting point of every import. */
export function emptyDataset(): Dataset {
  return { images: [], categories: [], groundTruth: [], runs: [] };
}

/** Map from category id to its position in `dataset.categories` (the column order of every matrix). */
export function categoryIndex(categories: readonly Category[]): Map<number, number> {
  return new Map(categories.map((category, position) => [category.id, position]));
}
