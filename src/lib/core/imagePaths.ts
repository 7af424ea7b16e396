/**
 * Which files are images, and which image in the opened folder an annotation file means when it
 * names one. Annotation files name images in many ways: relative to the folder, relative to some
 * other root (`val2017/x.jpg`), as an absolute path from the machine that made them, or by bare
 * file name; the index tries those in order of how much they can be trusted.
 */

/** Extensions (lower case, no dot) Longtail shows as images. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif']);

/** True when `path` ends in an image extension (jpg, jpeg, png, webp, bmp, gif), in any case. */
export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(path));
}

/** Lower-case extension without the dot, or `''` when the last path segment has none. */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Last path segment: `images/a/b.jpg` → `b.jpg`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Turns a name written by some other tool into the folder's convention: forward slashes, no
 * leading `./` or `/`, no Windows drive letter.
 */
export function normalizeImageName(name: string): string {
  return name
    .trim()
    .replace(/\\/g, '/')
    .replace(/^[A-Za-z]:\//, '')
    .replace(/^(\.\/|\/)+/, '');
}

/** Outcome of looking an image name up: one image, none, or several that fit equally well. */
export type ImageMatch =
  | { kind: 'found'; index: number; how: 'exact' | 'suffix' | 'basename' }
  | { kind: 'missing' }
  | { kind: 'ambiguous'; candidates: string[] };

/** Looks up names given by annotation files among the image paths of the opened folder. */
export class ImagePathIndex {
  readonly #byPath = new Map<string, number>();
  readonly #byBaseName = new Map<string, number[]>();
  readonly #paths: readonly string[];

  /** @param paths - the folder's image paths; a match returns the position in this array. */
  constructor(paths: readonly string[]) {
    this.#paths = paths;
    paths.forEach((path, index) => {
      this.#byPath.set(path, index);
      const bucket = this.#byBaseName.get(baseName(path));
      if (bucket) bucket.push(index);
      else this.#byBaseName.set(baseName(path), [index]);
    });
  }

  /**
   * Finds the image `name` refers to: the exact relative path; else the one path where one of the
   * two ends the other at a folder boundary (`val/x.jpg` for `images/val/x.jpg`, or
   * `/home/me/data/images/x.jpg` for `images/x.jpg`); else the one image with the same file name.
   */
  resolve(name: string): ImageMatch {
    const wanted = normalizeImageName(name);

    const exact = this.#byPath.get(wanted);
    if (exact !== undefined) return { kind: 'found', index: exact, how: 'exact' };

    const sameName = this.#byBaseName.get(baseName(wanted)) ?? [];
    if (sameName.length === 0) return { kind: 'missing' };

    const suffix = sameName.filter((index) => endsAtFolder(this.#paths[index], wanted));
    if (suffix.length === 1) return { kind: 'found', index: suffix[0], how: 'suffix' };
    if (suffix.length > 1)
      return { kind: 'ambiguous', candidates: suffix.map((index) => this.#paths[index]) };

    if (sameName.length === 1) return { kind: 'found', index: sameName[0], how: 'basename' };
    return { kind: 'ambiguous', candidates: sameName.map((index) => this.#paths[index]) };
  }
}

/** True when one path is the tail of the other, cut at a `/` (so `ab/x.jpg` does not fit `b/x.jpg`). */
function endsAtFolder(path: string, wanted: string): boolean {
  return path.endsWith(`/${wanted}`) || wanted.endsWith(`/${path}`);
}
