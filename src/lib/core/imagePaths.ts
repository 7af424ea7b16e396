/**
 * Which files are images, and which image in the opened folder an annotation file means when it
 * names one. Annotation files name images in many ways: relative to the folder, relative to some
 * other root (`val2017/x.jpg`), as an absolute path from the machine that made them, or by bare
 * file name; the index tries those in order of how much they can be trusted.
 */

/** Extensions (lower case, no dot) Longtail shows as images. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif']);

/** A path whose last segment has a name before an image extension: a regex, as listings run to 100k files. */
const IMAGE_PATH = new RegExp(`[^/]\\.(?:${[...IMAGE_EXTENSIONS].join('|')})$`, 'i');

/** True when `path` ends in an image extension (jpg, jpeg, png, webp, bmp, gif), in any case. */
export function isImagePath(path: string): boolean {
  return IMAGE_PATH.test(path);
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

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * The form a file name is compared in, never shown: Unicode NFC. A Mac lists names decomposed
 * (NFD: `e` + combining accent) while annotation tools mostly write them composed (NFC), so the
 * same visible name is two strings. ASCII names, the usual, are their own key.
 */
export function lookupKey(name: string): string {
  return NON_ASCII.test(name) ? name.normalize('NFC') : name;
}

/** Outcome of looking an image name up: one image, none, or several that fit equally well. */
export type ImageMatch =
  | { kind: 'found'; index: number; how: 'exact' | 'suffix' | 'basename' }
  | { kind: 'missing' }
  | { kind: 'ambiguous'; candidates: string[] };

/** Looks up names given by annotation files among the image paths of the opened folder. */
export class ImagePathIndex {
  /** Lookup key (`lookupKey`) of each path → its position; built at the first name not found in order. */
  #byPath: Map<string, number> | null = null;
  /**
   * File name → the one image with it, or every image with it (a folder of 100k images rarely
   * repeats one). Built at the first name that is not an exact path: many files name images exactly.
   */
  #byBaseName: Map<string, number | number[]> | null = null;
  readonly #paths: readonly string[];
  /** Where the next name is looked for first: lists often name images in the folder's order. */
  #next = 0;

  /** @param paths - the folder's image paths; a match returns the position in this array. */
  constructor(paths: readonly string[]) {
    this.#paths = paths;
  }

  /**
   * Finds the image `name` refers to: the exact relative path; else the one path where one of the
   * two ends the other at a folder boundary (`val/x.jpg` for `images/val/x.jpg`, or
   * `/home/me/data/images/x.jpg` for `images/x.jpg`); else the one image with the same file name.
   * Names are compared in Unicode NFC (`lookupKey`), so a name written on Linux finds the file a
   * Mac lists decomposed.
   */
  resolve(name: string): ImageMatch {
    const wanted = isPlainRelativePath(name) ? name : normalizeImageName(name);

    // The image after the last one found, compared as is: no hashing for a list in folder order.
    if (this.#paths[this.#next] === wanted) return { kind: 'found', index: this.#next++, how: 'exact' };
    const key = lookupKey(wanted);
    const exact = this.#pathIndex().get(key);
    if (exact !== undefined) {
      this.#next = exact + 1;
      return { kind: 'found', index: exact, how: 'exact' };
    }

    const found = this.#baseNames().get(baseName(key));
    if (found === undefined) return { kind: 'missing' };
    if (typeof found === 'number') {
      // The one image with this file name: found either way, and a 100k-image file takes this path.
      return {
        kind: 'found',
        index: found,
        how: endsAtFolder(lookupKey(this.#paths[found]), key) ? 'suffix' : 'basename',
      };
    }
    const sameName = found;

    const suffix = sameName.filter((index) => endsAtFolder(lookupKey(this.#paths[index]), key));
    if (suffix.length === 1) return { kind: 'found', index: suffix[0], how: 'suffix' };
    if (suffix.length > 1)
      return { kind: 'ambiguous', candidates: suffix.map((index) => this.#paths[index]) };

    if (sameName.length === 1) return { kind: 'found', index: sameName[0], how: 'basename' };
    return { kind: 'ambiguous', candidates: sameName.map((index) => this.#paths[index]) };
  }

  /**
   * Known shortcoming: two files whose names differ only in their Unicode normalisation (possible
   * on Linux, not on a Mac) have one key; names fitting both find the first.
   */
  #pathIndex(): Map<string, number> {
    if (this.#byPath) return this.#byPath;
    const byPath = new Map<string, number>();
    for (let index = this.#paths.length - 1; index >= 0; index--)
      byPath.set(lookupKey(this.#paths[index]), index);
    this.#byPath = byPath;
    return byPath;
  }

  #baseNames(): Map<string, number | number[]> {
    if (this.#byBaseName) return this.#byBaseName;
    const byBaseName = new Map<string, number | number[]>();
    this.#paths.forEach((path, index) => {
      const name = baseName(lookupKey(path));
      const earlier = byBaseName.get(name);
      if (earlier === undefined) byBaseName.set(name, index);
      else if (typeof earlier === 'number') byBaseName.set(name, [earlier, index]);
      else earlier.push(index);
    });
    this.#byBaseName = byBaseName;
    return byBaseName;
  }
}

/**
 * True for a name `normalizeImageName` would leave as it is, checked without building a string:
 * most names in a file are plain, and a hundred thousand regex replacements cost more than a lookup.
 */
function isPlainRelativePath(name: string): boolean {
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  return (
    name !== '' &&
    first !== 0x2e && // a leading `.` may start `./`
    first !== 0x2f && // a leading `/`
    name.charCodeAt(1) !== 0x3a && // the `:` of a drive letter
    // Ends that might be white space `trim` removes: ASCII controls and space, and anything past ASCII.
    first > 0x20 &&
    first < 0x7f &&
    last > 0x20 &&
    last < 0x7f &&
    !name.includes('\\')
  );
}

/** True when one path is the tail of the other, cut at a `/` (so `ab/x.jpg` does not fit `b/x.jpg`). */
function endsAtFolder(path: string, wanted: string): boolean {
  return endsWithSegments(path, wanted) || endsWithSegments(wanted, path);
}

function endsWithSegments(path: string, tail: string): boolean {
  return (
    path.length > tail.length &&
    path.endsWith(tail) &&
    path.charCodeAt(path.length - tail.length - 1) === 0x2f
  );
}
