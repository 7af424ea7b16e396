/**
 * The folder's files by extension, for the formats' `detect`: a listing runs to 100k images, and
 * eight formats each walking it for their few annotation files (a string or two made per file)
 * cost more than planning needs. The index is built once per listing and shared.
 */

import { extensionOf } from '../imagePaths';
import type { FolderFile, FolderReader } from './types';

const indexes = new WeakMap<readonly FolderFile[], Map<string, FolderFile[]>>();

/**
 * The folder's files with one of `extensions` (lower case, no dot, not an image extension), in
 * listing order.
 *
 * @param folder - its `files` listing is what the index is kept for.
 */
export function filesWithExtension(folder: FolderReader, ...extensions: string[]): readonly FolderFile[] {
  const index = indexOf(folder);
  if (extensions.length === 1) return index.get(extensions[0]) ?? [];
  // The listing is sorted by path: so are the files of several extensions, once merged.
  const found = extensions.flatMap((extension) => index.get(extension) ?? []);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The index of the folder's files that are not images (no format looks for those by extension). */
function indexOf(folder: FolderReader): Map<string, FolderFile[]> {
  const { files, images } = folder;
  let index = indexes.get(files);
  if (index) return index;

  index = new Map();
  // `images` are the image paths of `files`, in the same order: one walk over both skips them
  // without looking at their names.
  let nextImage = 0;
  for (const file of files) {
    if (file.path === images[nextImage]) {
      nextImage++;
      continue;
    }
    const extension = extensionOf(file.path);
    const group = index.get(extension);
    if (group) group.push(file);
    else index.set(extension, [file]);
  }
  indexes.set(files, index);
  return index;
}
