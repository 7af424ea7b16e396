/**
 * Access to the shared reference cases (`../shared/cases/` beside the checkout), read in place and
 * never copied into the repository. A missing case skips its tests locally and fails them in CI.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFolderReader, type FolderFile } from '../../../src/lib/core/importPlan';
import type { FolderReader } from '../../../src/lib/core/formats/types';

const casesRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/cases');

/**
 * Absolute path of a reference case folder, or null when it is absent outside CI.
 * @throws Error in CI (`CI` set) when the folder is missing, so the suite cannot pass without it.
 */
export function referenceCase(name: string): string | null {
  const folder = join(casesRoot, name);
  if (existsSync(folder)) return folder;
  if (process.env.CI) {
    throw new Error(`reference case ${folder} is missing: CI needs ../shared/cases beside the checkout`);
  }
  return null;
}

/** Parses a JSON file of a case. */
export function readCaseJson<T = unknown>(folder: string, path: string): T {
  return JSON.parse(readFileSync(join(folder, path), 'utf8')) as T;
}

/**
 * A virtual folder whose files are real files laid out anew: `layout` maps each path inside the
 * virtual folder to a real path (absolute), or to `null` for an image that only needs to exist in
 * the listing (the COCO cases ship annotations without their pictures).
 */
export class VirtualFolder {
  readonly files: FolderFile[] = [];
  readonly #realPaths = new Map<string, string>();

  constructor(layout: Record<string, string | null>) {
    for (const [path, realPath] of Object.entries(layout)) {
      this.files.push({ path, size: realPath ? statSync(realPath).size : 1 });
      if (realPath) this.#realPaths.set(path, realPath);
    }
  }

  /** Reads a file of the virtual folder as UTF-8 text. */
  readText = async (path: string): Promise<string> => {
    const realPath = this.#realPaths.get(path);
    if (!realPath) throw new Error(`test folder has no readable file ${path}`);
    return readFileSync(realPath, 'utf8');
  };

  /** The first `length` bytes of a file; empty for an image that is only listed. */
  readHead = async (path: string, length: number): Promise<Uint8Array> => {
    const realPath = this.#realPaths.get(path);
    if (!realPath) return new Uint8Array(0);
    return new Uint8Array(readFileSync(realPath).subarray(0, length));
  };

  /** The folder as the importer reads it. */
  reader(): FolderReader {
    return makeFolderReader(this.files, this.readText, this.readHead);
  }
}

/** Maps every file under `realFolder` to `virtualPrefix/<its relative path>` (no prefix when empty). */
export function layoutOf(realFolder: string, virtualPrefix: string): Record<string, string> {
  const layout: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        layout[[virtualPrefix, relative(realFolder, path).split('\\').join('/')].filter(Boolean).join('/')] =
          path;
    }
  };
  walk(realFolder);
  return layout;
}
