/**
 * Test folders for the XML formats: a `FolderReader` over real case files laid out anew, plus
 * small files written inline, and the COCO boxes the cases give for the same images.
 */

import { readFileSync, statSync } from 'node:fs';
import { isImagePath } from '../../../../src/lib/core/imagePaths';
import type { FolderReader, ParsedSource } from '../../../../src/lib/core/formats/types';

/** A file of a test folder: a real path, inline text, or null for an image that only needs to be listed. */
export type TestFile = string | { text: string } | null;

/** A `FolderReader` over `layout` (path inside the folder → file), sorted as the app sorts. */
export function testFolder(layout: Record<string, TestFile>): FolderReader {
  const paths = Object.keys(layout).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytesOf = (path: string): Buffer => {
    const file = layout[path];
    if (file === undefined) throw new Error(`test folder has no file ${path}`);
    if (file === null) return Buffer.alloc(0);
    return typeof file === 'string' ? readFileSync(file) : Buffer.from(file.text, 'utf8');
  };

  return {
    files: paths.map((path) => {
      const file = layout[path];
      const size = file === null ? 1 : typeof file === 'string' ? statSync(file).size : file.text.length;
      return { path, size };
    }),
    images: paths.filter(isImagePath),
    readText: async (path) => bytesOf(path).toString('utf8'),
    readHead: async (path, length) => new Uint8Array(bytesOf(path).subarray(0, length)),
  };
}

/** Listed-only image files named as the case's COCO file names them, under `prefix/`. */
export function listedImages(names: readonly string[], prefix = 'images'): Record<string, null> {
  return Object.fromEntries(names.map((name) => [`${prefix}/${name}`, null]));
}

/** A box as the cases compare them: image file name, class name, corners in pixels. */
export interface NamedBox {
  file: string;
  category: string;
  corners: [number, number, number, number];
}

/** The boxes of a COCO ground-truth file, by image file name and class name. */
export function cocoBoxes(path: string): { boxes: NamedBox[]; sizes: Map<string, [number, number]> } {
  const coco = JSON.parse(readFileSync(path, 'utf8')) as {
    images: { id: number; file_name: string; width: number; height: number }[];
    categories: { id: number; name: string }[];
    annotations: { image_id: number; category_id: number; bbox: number[] }[];
  };
  const files = new Map(coco.images.map((image) => [image.id, image.file_name]));
  const names = new Map(coco.categories.map((category) => [category.id, category.name]));
  const boxes = coco.annotations.map(({ image_id, category_id, bbox: [x, y, w, h] }) => ({
    file: files.get(image_id)!,
    category: names.get(category_id)!,
    corners: [x, y, x + w, y + h] as NamedBox['corners'],
  }));
  const sizes = new Map(
    coco.images.map((image) => [image.file_name, [image.width, image.height] as [number, number]]),
  );
  return { boxes, sizes };
}

/** The boxes of a parsed source, with image names cut to their file name as COCO writes them. */
export function parsedBoxes(parsed: ParsedSource): NamedBox[] {
  return parsed.entries.map((entry) => {
    const [x, y, w, h] = entry.box!;
    return {
      file: entry.image!.slice(entry.image!.lastIndexOf('/') + 1),
      category: String(entry.category),
      corners: [x, y, x + w, y + h],
    };
  });
}

/**
 * Pairs every box of `actual` with a box of `expected` on the same image and class whose corners are
 * within `tolerance` pixels, each used once.
 *
 * @returns the boxes of either side left without a partner (both empty when the sets agree).
 */
export function unmatchedBoxes(
  actual: readonly NamedBox[],
  expected: readonly NamedBox[],
  tolerance = 0.01,
): { actual: NamedBox[]; expected: NamedBox[] } {
  const left = [...expected];
  const unmatched: NamedBox[] = [];
  for (const box of actual) {
    const partner = left.findIndex(
      (other) =>
        other.file === box.file &&
        other.category === box.category &&
        other.corners.every((value, i) => Math.abs(value - box.corners[i]) <= tolerance),
    );
    if (partner === -1) unmatched.push(box);
    else left.splice(partner, 1);
  }
  return { actual: unmatched, expected: left };
}

/** Counts of entries per class name. */
export function countsByClass(parsed: ParsedSource): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of parsed.entries)
    counts[String(entry.category)] = (counts[String(entry.category)] ?? 0) + 1;
  return counts;
}
