/**
 * A folder of annotations without their images (COCO's val2014 sample ships so): the images the
 * ground truth names become the dataset's images, shown as missing, and one warning says so, instead
 * of a problem per image. `executeImport` decides when (a folder with no image file at all).
 */

import { countOf } from './formats/plans';
import type { ParsedSource, SourcePlan } from './formats/types';
import { normalizeImageName } from './imagePaths';
import type { ProblemList } from './problems';

/** A source parsed, not yet matched to the folder's images. */
export interface ParsedPlan {
  plan: SourcePlan;
  parsed: ParsedSource;
}

/**
 * The images the ground-truth sources name (images lists, and entries that name their image),
 * normalised, without repeats, sorted by path in UTF-16 code-unit order like a folder's images.
 */
export function namedImages(parsed: readonly ParsedPlan[]): string[] {
  const names = new Set<string>();
  for (const { plan, parsed: source } of parsed) {
    if (plan.role !== 'groundTruth') continue;
    for (const image of source.images) names.add(normalizeImageName(image.name));
    for (const entry of source.entries)
      if (entry.image !== undefined) names.add(normalizeImageName(entry.image));
  }
  names.delete('');
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One warning for every image the annotations name that the folder lacks: how many, and the first few. */
export function reportMissingImages(
  missing: readonly string[],
  parsed: readonly ParsedPlan[],
  problems: ProblemList,
): void {
  const groundTruth = parsed.find(({ plan }) => plan.role === 'groundTruth')?.plan;
  const file = groundTruth?.files[0] ?? '(folder)';
  const first = missing.slice(0, 3).join(', ');
  const value = `${countOf(missing.length, 'image')} named, none in the folder (${first}${missing.length > 3 ? ', …' : ''})`;
  const expected =
    'the image files beside the annotations (imported without them: the images show as missing)';
  problems.report({ file, value, expected }, 'warning');
}
