/**
 * Imports a folder's annotation files off the main thread. The page sends the file list and the
 * annotation files' Blobs (references, not copies); the worker parses them into one Dataset.
 */
import * as Comlink from 'comlink';
import { importFolder, type ImportPlan } from '../src/lib/core/importPlan';
import { toProblemRecord, type ProblemRecord } from '../src/lib/core/errors';
import type { Dataset } from '../src/lib/core/dataset';
import type { SourceFile } from '../src/lib/storage/source';

export interface ImportResult {
  dataset: Dataset;
  problems: ProblemRecord[];
  plan: ImportPlan;
}

const api = {
  /** Which files the importer wants to read (annotation candidates), so the page sends only those. */
  wantedFiles(files: SourceFile[]): string[] {
    return files.filter((file) => file.path.toLowerCase().endsWith('.json')).map((file) => file.path);
  },

  async importFolder(files: SourceFile[], blobs: Map<string, Blob>): Promise<ImportResult> {
    const readText = async (path: string) => {
      const blob = blobs.get(path);
      if (!blob) throw new Error(`${path}: not sent to the import worker`);
      return blob.text();
    };
    const result = await importFolder(files, readText);
    return { dataset: result.dataset, problems: result.problems.map(toProblemRecord), plan: result.plan };
  },
};

export type ImportWorkerApi = typeof api;
Comlink.expose(api);
