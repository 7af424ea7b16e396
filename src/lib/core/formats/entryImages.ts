/**
 * Finding the folder image an entry or an images list names: by id (a number and its decimal text
 * are one id) or by name, through the folder's `ImagePathIndex`, reporting what does not fit.
 */

import type { ImageMatch } from '../imagePaths';
import type { ProblemList } from '../problems';
import type { JoinContext, JoinedImages } from './join';
import { entryPlace, sourceFile, type Place } from './places';
import type { ParsedEntry, ParsedSource, SourcePlan } from './types';

/** `ImageFinder` answers for an entry whose image is not in the folder, and one whose name fits several. */
const NOT_IN_FOLDER = -1;
const AMBIGUOUS = -2;

/**
 * The key an image id is compared by: a number and its decimal text (`7`, `"7"`) are one id, but
 * `"007"` is not `7`.
 */
export function imageIdKey(id: string | number): string | number {
  if (typeof id === 'number') return id;
  const number = Number(id);
  return id !== '' && String(number) === id ? number : id;
}

/**
 * Finds the image of each entry of one source: by id (the source's own, then the ground truth's)
 * or by name (resolved once per name). With a problem list, it reports each unknown id and, once
 * for the source, the entries on images not in the folder; without, it is silent.
 */
export class ImageFinder {
  readonly #byName = new Map<string, number>();
  readonly #missingImages = new Set<string | number>();
  #skipped = 0;
  #skippedBoxes = 0;
  #lastId: string | number | undefined = undefined;
  #lastImage: number | null | undefined = undefined;

  constructor(
    readonly context: JoinContext,
    readonly parsed: ParsedSource,
    readonly plan: SourcePlan,
    readonly joined: JoinedImages,
    readonly problems: ProblemList | null,
  ) {}

  /** The entry's image index, or -1 when it has none in the folder. */
  find(entry: ParsedEntry, index: number): number {
    let image: number;
    if (entry.imageId !== undefined) {
      const byId = this.#byId(entry.imageId);
      if (byId === undefined) {
        this.#reportUnknownId(entry, index);
        return -1;
      }
      image = byId ?? NOT_IN_FOLDER;
    } else {
      const name = entry.image ?? '';
      let byName = this.#byName.get(name);
      if (byName === undefined) {
        byName = this.#resolve(name, entryPlace(this.parsed, entry, index, 'image'));
        this.#byName.set(name, byName);
      }
      image = byName;
    }

    if (image >= 0) return image;
    if (image === NOT_IN_FOLDER) {
      this.#skip(entry, entry.imageId !== undefined ? imageIdKey(entry.imageId) : (entry.image ?? ''));
    }
    return -1;
  }

  /**
   * The image of an id: the source's own, then the ground truth's. Entries usually come grouped by
   * image, so the last answer is kept and most entries need no lookup.
   */
  #byId(imageId: string | number): number | null | undefined {
    if (imageId === this.#lastId) return this.#lastImage;
    const key = imageIdKey(imageId);
    let image = this.joined.ids.get(key);
    // Then the ground truth's: the first ground truth's first, when two list the id.
    for (const groundTruth of this.context.groundTruthImages) {
      if (image !== undefined) break;
      image = groundTruth.ids.get(key);
    }
    this.#lastId = imageId;
    this.#lastImage = image;
    return image;
  }

  /** The image index of the entry whose image is row `imageRow` of the source's images list, or -1. */
  findRow(imageRow: number, entry: ParsedEntry): number {
    const image = this.joined.rows[imageRow];
    if (image >= 0) return image;
    this.#skip(entry, imageRow);
    return -1;
  }

  #skip(entry: ParsedEntry, image: string | number): void {
    this.#skipped++;
    if (entry.box) this.#skippedBoxes++;
    this.#missingImages.add(image);
  }

  /** One problem for all entries on images not in the folder (each image was reported where it was named). */
  reportSkipped(): void {
    const skipped = this.#skipped;
    if (skipped === 0 || !this.problems) return;
    const boxes = this.#skippedBoxes;
    const what = boxes === skipped ? 'boxes' : boxes === 0 ? 'labels' : 'boxes and labels';
    this.problems.report({
      file: sourceFile(this.plan),
      field: this.parsed.lists?.entries,
      value: `${skipped} ${what} on ${this.#missingImages.size} images not in the folder (skipped)`,
      expected: `${what} on images in the opened folder`,
    });
  }

  /** The image a name fits, or `NOT_IN_FOLDER` / `AMBIGUOUS` (reported once per name). */
  #resolve(name: string, place: Place): number {
    const match = this.context.images.resolve(name);
    if (match.kind === 'found') return match.index;
    if (this.problems) reportUnresolved(match, name, place, this.problems);
    return match.kind === 'missing' ? NOT_IN_FOLDER : AMBIGUOUS;
  }

  #reportUnknownId(entry: ParsedEntry, index: number): void {
    if (!this.problems) return;
    const { context, parsed, plan } = this;
    let expected: string;
    if (parsed.images.length > 0) {
      expected = `an image id listed in the images of ${sourceFile(plan)}`;
    } else if (context.groundTruthFile && plan.role === 'predictions') {
      expected = `an image id listed in the ground truth's images (${context.groundTruthFile})`;
    } else {
      expected =
        'an image id listed in an images list (this file has none and the folder has no ground truth)';
    }
    this.problems.report({ ...entryPlace(parsed, entry, index, 'image'), value: entry.imageId, expected });
  }
}

/**
 * Image index for a name an images list gives (at `file`, `field`), or null (reported) when no
 * image or several fit it.
 */
export function resolveName(
  context: JoinContext,
  name: string,
  file: string,
  field: string | undefined,
  problems: ProblemList,
): number | null {
  const match = context.images.resolve(name);
  if (match.kind === 'found') return match.index;
  reportUnresolved(match, name, { file, field }, problems);
  return null;
}

function reportUnresolved(
  match: Exclude<ImageMatch, { kind: 'found' }>,
  name: string,
  place: Place,
  problems: ProblemList,
): void {
  if (match.kind === 'missing') {
    problems.report({ ...place, value: name, expected: 'an image file in the opened folder' });
  } else {
    const value = { name, fits: match.candidates.slice(0, 3) };
    problems.report({ ...place, value, expected: 'a name that fits only one image in the folder' });
  }
}
