/**
 * Test helpers for the text formats (YOLO, text boxes, class folders): a `FolderReader` over a real
 * reference case or over in-memory files, image sizes from the real JPEG headers (a small SOF
 * parser written here, independent of the app's header reader), and a join into a `Dataset`.
 */

import { readFileSync } from 'node:fs';
import { emptyDataset, type Dataset } from '../../../../src/lib/core/dataset';
import { createJoinContext, joinEntries, joinImages } from '../../../../src/lib/core/formats/join';
import type { AnnotationFormat, FolderReader, SourcePlan } from '../../../../src/lib/core/formats/types';
import { ImagePathIndex, isImagePath } from '../../../../src/lib/core/imagePaths';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf } from '../referenceCases';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A FolderReader over real files: `layout` maps each virtual path to a real absolute path. */
export function realFolder(layout: Record<string, string>): FolderReader {
  const paths = Object.keys(layout).sort(byCodeUnit);
  return {
    files: paths.map((path) => ({ path, size: readFileSync(layout[path]).length })),
    images: paths.filter(isImagePath),
    readText: async (path) => readFileSync(required(layout, path), 'utf8'),
    readHead: async (path, length) =>
      new Uint8Array(readFileSync(required(layout, path)).subarray(0, length)),
  };
}

/** A FolderReader over a whole reference case folder, paths relative to it. */
export function caseFolder(realRoot: string): FolderReader {
  return realFolder(layoutOf(realRoot, ''));
}

/** A FolderReader over in-memory text files (images may be given as empty strings). */
export function memoryFolder(files: Record<string, string>): FolderReader {
  const paths = Object.keys(files).sort(byCodeUnit);
  return {
    files: paths.map((path) => ({ path, size: files[path].length })),
    images: paths.filter(isImagePath),
    readText: async (path) => required(files, path),
    readHead: async (path, length) => new TextEncoder().encode(required(files, path)).subarray(0, length),
  };
}

function required<T>(map: Record<string, T>, path: string): T {
  if (!(path in map)) throw new Error(`test folder has no file ${path}`);
  return map[path];
}

/**
 * Width and height of a baseline or progressive JPEG, from its first SOF marker. Written for the
 * tests so they do not lean on the code under test; the reference images have no EXIF rotation.
 */
export function jpegSize(bytes: Uint8Array): [number, number] {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) throw new Error(`not a JPEG marker at byte ${offset}`);
    const marker = bytes[offset + 1];
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      const height = (bytes[offset + 5] << 8) | bytes[offset + 6];
      const width = (bytes[offset + 7] << 8) | bytes[offset + 8];
      return [width, height];
    }
    offset += 2 + length;
  }
  throw new Error('no SOF marker');
}

/**
 * Reads the given plans and joins them into a dataset of the folder's images, the first
 * ground-truth plan first. Sizes come from `sizeOf`, as the import would fill them from headers.
 */
export async function importPlans(
  folder: FolderReader,
  format: AnnotationFormat,
  plans: SourcePlan[],
  sizeOf: (image: string) => Promise<[number, number]> = async () => [0, 0],
): Promise<{ dataset: Dataset; problems: ProblemList }> {
  const problems = new ProblemList();
  const dataset = emptyDataset();
  for (const [index, path] of folder.images.entries()) {
    const [width, height] = await sizeOf(path);
    dataset.images.push({ index, path, width, height, meta: {} });
  }

  const context = createJoinContext(dataset, new ImagePathIndex(folder.images));
  const ordered = [...plans].sort(
    (a, b) => Number(a.role !== 'groundTruth') - Number(b.role !== 'groundTruth'),
  );
  for (const plan of ordered) {
    const parsed = await format.read(plan, folder, problems);
    const joined = await joinImages(context, parsed, plan, problems);
    await joinEntries(context, parsed, plan, joined, problems);
  }
  return { dataset, problems };
}

/** Size from the real JPEG header of an image of `folder`. */
export function headerSizes(folder: FolderReader): (image: string) => Promise<[number, number]> {
  return async (image) => jpegSize(await folder.readHead(image, 1 << 16));
}
