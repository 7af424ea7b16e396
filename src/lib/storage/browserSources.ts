import { AbortError } from '../core/errors';
import { isHiddenName, sortByPath, type DatasetSource, type SourceFile } from './source';

/**
 * A folder opened with `showDirectoryPicker` (read-only permission). The handle can be stored in
 * IndexedDB and reopened after a reload with one permission prompt.
 */
export class DirectoryHandleSource implements DatasetSource {
  readonly kind = 'directory-handle';
  readonly name: string;
  private readonly handles = new Map<string, FileSystemFileHandle>();

  constructor(readonly root: FileSystemDirectoryHandle) {
    this.name = root.name;
  }

  async list(signal?: AbortSignal, onProgress?: (found: number) => void): Promise<SourceFile[]> {
    const files: SourceFile[] = [];
    this.handles.clear();
    await this.walk(this.root, '', files, signal, onProgress);
    return sortByPath(files);
  }

  async readBlob(path: string): Promise<Blob> {
    const handle = this.handles.get(path) ?? (await this.resolve(path));
    return handle.getFile();
  }

  private async walk(
    dir: FileSystemDirectoryHandle,
    prefix: string,
    out: SourceFile[],
    signal?: AbortSignal,
    onProgress?: (found: number) => void,
  ) {
    for await (const [name, entry] of dir.entries()) {
      if (signal?.aborted) throw new AbortError();
      if (isHiddenName(name)) continue;
      const path = prefix + name;
      if (entry.kind === 'directory') {
        await this.walk(entry as FileSystemDirectoryHandle, `${path}/`, out, signal, onProgress);
        continue;
      }
      const file = await (entry as FileSystemFileHandle).getFile();
      this.handles.set(path, entry as FileSystemFileHandle);
      out.push({ path, size: file.size, lastModified: file.lastModified });
      if (out.length % 500 === 0) onProgress?.(out.length);
    }
  }

  private async resolve(path: string): Promise<FileSystemFileHandle> {
    const parts = path.split('/');
    let dir = this.root;
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
    return dir.getFileHandle(parts[parts.length - 1]);
  }
}

/**
 * Files from `<input type=file webkitdirectory>`: the fallback where the File System Access API is
 * missing. It cannot be reopened after a reload (browsers give no handle), so the user picks again.
 */
export class FileListSource implements DatasetSource {
  readonly kind = 'file-list';
  readonly name: string;
  private readonly files = new Map<string, File>();

  /** Files with their folder-relative paths, e.g. as sent to a worker (a clone may drop `webkitRelativePath`). */
  static fromEntries(name: string, entries: Iterable<[string, File]>): FileListSource {
    const source = new FileListSource([]);
    (source as { name: string }).name = name;
    for (const [path, file] of entries) source.files.set(path, file);
    return source;
  }

  /** Folder-relative paths and files, to rebuild this source elsewhere (`fromEntries`). */
  entries(): [string, File][] {
    return [...this.files];
  }

  constructor(fileList: Iterable<File>) {
    let name = '';
    for (const file of fileList) {
      // webkitRelativePath starts with the chosen folder's name: strip it so paths are folder-relative.
      const full = file.webkitRelativePath || file.name;
      const slash = full.indexOf('/');
      name ||= slash > 0 ? full.slice(0, slash) : 'files';
      const path = slash > 0 ? full.slice(slash + 1) : full;
      if (path.split('/').some(isHiddenName)) continue;
      this.files.set(path, file);
    }
    this.name = name || 'files';
  }

  async list(): Promise<SourceFile[]> {
    const files = [...this.files].map(([path, file]) => ({
      path,
      size: file.size,
      lastModified: file.lastModified,
    }));
    return sortByPath(files);
  }

  async readBlob(path: string): Promise<Blob> {
    const file = this.files.get(path);
    if (!file) throw new Error(`no file ${path} in the chosen folder`);
    return file;
  }
}

/**
 * A folder served by this site (the built-in demo, a self-hosted dataset): `<base>/index.json` lists
 * its files (relative paths), and files are fetched from `<base>/<path>`. Read-only like every source.
 */
export class UrlFolderSource implements DatasetSource {
  readonly kind = 'url';
  readonly name: string;
  readonly base: string;

  constructor(base: string, name?: string) {
    this.base = base.endsWith('/') ? base : `${base}/`;
    this.name = name ?? (this.base.split('/').filter(Boolean).pop() || 'folder');
  }

  async list(signal?: AbortSignal): Promise<SourceFile[]> {
    const response = await fetch(`${this.base}index.json`, { signal });
    if (!response.ok)
      throw new Error(`${this.base}index.json: expected a file listing, got HTTP ${response.status}`);
    const listing = (await response.json()) as { path: string; size: number }[] | string[];
    const files = listing.map((entry) =>
      typeof entry === 'string' ? { path: entry, size: 0, lastModified: 0 } : { ...entry, lastModified: 0 },
    );
    return sortByPath(files.filter((file) => !file.path.split('/').some(isHiddenName)));
  }

  async readBlob(path: string): Promise<Blob> {
    const response = await fetch(this.base + path.split('/').map(encodeURIComponent).join('/'));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.blob();
  }
}

/** What a worker needs to open the same folder as the page: handles and Files clone cheaply. */
export type SourceSpec =
  | { kind: 'directory-handle'; handle: FileSystemDirectoryHandle }
  | { kind: 'file-list'; name: string; entries: [string, File][] }
  | { kind: 'url'; base: string; name: string };

export function sourceSpec(source: DatasetSource): SourceSpec {
  if (source instanceof DirectoryHandleSource) return { kind: 'directory-handle', handle: source.root };
  if (source instanceof FileListSource)
    return { kind: 'file-list', name: source.name, entries: source.entries() };
  if (source instanceof UrlFolderSource) return { kind: 'url', base: source.base, name: source.name };
  throw new Error(`invalid source kind ${source.kind}: expected a browser folder source`);
}

export function sourceFromSpec(spec: SourceSpec): DatasetSource {
  switch (spec.kind) {
    case 'directory-handle':
      return new DirectoryHandleSource(spec.handle);
    case 'file-list':
      return FileListSource.fromEntries(spec.name, spec.entries);
    case 'url':
      return new UrlFolderSource(spec.base, spec.name);
  }
}
