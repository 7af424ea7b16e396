/**
 * The corrected ground truth in an export format, from the imported dataset and the edits in force:
 * one call the analysis worker runs, so a 100k-image export never holds up the page (see
 * `scripts/bench/export.ts` for the timings that decided it).
 */

import type { Dataset } from '../dataset';
import { applyEdits, type Edit } from '../review/edits';
import { writeCocoJson } from './coco';
import { writeYolo, type ExportFile } from './yolo';

export type GroundTruthFormat = 'coco' | 'yolo';

export interface GroundTruthExport {
  /** COCO: the JSON document. */
  text?: string;
  /** YOLO: label files and the class names file. */
  files?: ExportFile[];
  /** Ground-truth labels the format cannot hold (image-level classes). */
  leftOut: number;
  /** Edits that name an image, box or class the dataset lacks (not applied). */
  unresolved: number;
}

/**
 * Applies `edits` to `dataset` and writes the chosen images (indices into `dataset.images`; all when
 * absent) as COCO instances JSON or YOLO files.
 * @throws ExportError (YOLO) for an image with boxes and no known size.
 */
export function exportGroundTruth(
  dataset: Dataset,
  edits: readonly Edit[],
  format: GroundTruthFormat,
  images?: readonly number[],
): GroundTruthExport {
  const view = applyEdits(dataset, edits);
  const options = images ? { images } : {};
  const unresolved = view.unresolved.length;
  if (format === 'coco') return { ...writeCocoJson(view.dataset, options), unresolved };
  return { ...writeYolo(view.dataset, options), unresolved };
}
