import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { AbortError } from '../core/errors';
import { isHiddenName, sortByPath, type DatasetSource, type SourceFile } from './source';

/** A folder on disk, for tests and benchmarks in Node. Read-only like every source. */
export class NodeFolderSource implements DatasetSource {
  readonly kind = 'node';
  readonly name: string;

  constructor(readonly root: string) {
    this.name = basename(root);
  }

  async list(signal?: AbortSignal): Promise<SourceFile[]> {
    const files: SourceFile[] = [];
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (signal?.aborted) throw new AbortError();
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      const path = relative(this.root, full).split(sep).join('/');
      if (path.split('/').some(isHiddenName)) continue;
      const info = await stat(full);
      files.push({ path, size: info.size, lastModified: info.mtimeMs });
    }
    return sortByPath(files);
  }

  async readBlob(path: string): Promise<Blob> {
    return new Blob([await readFile(join(this.root, ...path.split('/')))]);
  }
}
