/**
 * A `FolderReader` for format tests: real files of a reference case laid out under new paths, plus
 * files whose contents a test writes inline (broken JSON, bad CSV rows).
 */
import { readFileSync, statSync } from 'node:fs';
import type { FolderFile, FolderReader } from '../../../../src/lib/core/formats/types';
import { isImagePath } from '../../../../src/lib/core/imagePaths';

/**
 * @param layout - path inside the folder → absolute path of a real file, or inline contents
 *   (`{ text }`), or null for an image that only needs to be listed.
 */
export function layoutFolder(layout: Record<string, string | { text: string } | null>): FolderReader {
  const bytesOf = (path: string): Uint8Array => {
    const source = layout[path];
    if (source === undefined || source === null) throw new Error(`test folder has no readable file ${path}`);
    return typeof source === 'string'
      ? new Uint8Array(readFileSync(source))
      : new TextEncoder().encode(source.text);
  };

  const files: FolderFile[] = Object.entries(layout)
    .map(([path, source]) => ({
      path,
      size: source === null ? 1 : typeof source === 'string' ? statSync(source).size : source.text.length,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  return {
    files,
    images: files.map((file) => file.path).filter(isImagePath),
    readText: async (path) => new TextDecoder().decode(bytesOf(path)),
    readHead: async (path, length) => bytesOf(path).subarray(0, length),
  };
}
