/**
 * `DatasetSource`: the one way Longtail reads a user's folder. Every implementation is read-only:
 * nothing here can write to, move or delete a user's file.
 */

/** One file of an opened folder. */
export interface SourceFile {
  /** Relative path inside the opened folder, forward slashes, no leading slash. */
  path: string;
  size: number;
  /** Milliseconds since the epoch; with `size`, the file's fingerprint for caches. */
  lastModified: number;
}

export interface DatasetSource {
  /** Which kind of access this is; shown to the user and kept with the dataset's identity. */
  readonly kind: 'directory-handle' | 'file-list' | 'url' | 'node';
  /** Folder name as the user sees it. */
  readonly name: string;
  /**
   * Every file under the folder, sorted by path. Hidden files and folders (`.git`, `.DS_Store`) are
   * skipped. `onProgress` hears the running count on long walks.
   */
  list(signal?: AbortSignal, onProgress?: (found: number) => void): Promise<SourceFile[]>;
  /** The file's bytes as a Blob (cheap: a reference, not a copy, for browser sources). */
  readBlob(path: string): Promise<Blob>;
}

/** Reads a file of a source as UTF-8 text. */
export async function readText(source: DatasetSource, path: string): Promise<string> {
  return (await source.readBlob(path)).text();
}

/** True for names that tools and operating systems hide: never part of a dataset. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db';
}

/** A folder's fingerprint: stable while the same files are there with the same sizes and dates. */
export async function fingerprintFiles(files: readonly SourceFile[]): Promise<string> {
  const text = files.map((file) => `${file.path}\t${file.size}\t${file.lastModified}`).join('\n');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 12)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Sorts by path in UTF-16 code-unit order (JavaScript's plain string order, independent of locale):
 * the order the importer, every view and every export use. It differs from code-point order only for
 * characters beyond U+FFFF against those in U+E000-U+FFFF, which no dataset we know of mixes.
 */
export function sortByPath<T extends { path: string }>(files: T[]): T[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
