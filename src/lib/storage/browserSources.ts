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

  async list(signal?: AbortSignal): Promise<SourceFile[]> {
    const files: SourceFile[] = [];
    this.handles.clear();
    await this.walk(this.root, '', files, signal);
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
  ) {
    for await (const [name, entry] of dir.entries()) {
      if (signal?.aborted) throw new AbortError();
      if (isHiddenName(name)) continue;
      const path = prefix + name;
      if (entry.kind === 'directory') {
        await this.walk(entry as FileSystemDirectoryHandle, `${path}/`, out, signal);
        continue;
      }
      const file = await (entry as FileSystemFileHandle).getFile();
      this.handles.set(path, entry as FileSystemFileHandle);
      out.push({ path, size: file.size, lastModified: file.lastModified });
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
