/**
 * Opening a folder off the main thread: listing it (a 100k-file walk), planning the import (which
 * files are ground truth and which are prediction runs, in which format), and executing the plan the
 * user confirmed, with progress and cancel. The worker opens the folder itself from a cloneable spec
 * (a directory handle, File objects, or a same-origin URL), so no file content crosses threads.
 */
import * as Comlink from 'comlink';
import { AbortError, toProblemRecord, type ProblemRecord } from '../src/lib/core/errors';
import type { Dataset } from '../src/lib/core/dataset';
import { executeImport, makeFolderReader, planImport, type ImportPlan } from '../src/lib/core/importPlan';
import { readImageHeader, HEADER_BYTES } from '../src/lib/core/imageHeader';
import { ProblemList } from '../src/lib/core/problems';
import type { FolderReader } from '../src/lib/core/formats/types';
import { sourceFromSpec, type SourceSpec } from '../src/lib/storage/browserSources';
import type { DatasetSource, SourceFile } from '../src/lib/storage/source';

/** A progress report: what is happening, how far along, and (when known) of how much. */
export interface ImportProgressReport {
  phase: 'listing' | 'planning' | 'reading' | 'sizes' | 'joining';
  done: number;
  total: number | null;
  file?: string;
}

export interface PlannedFolder {
  files: SourceFile[];
  plan: ImportPlan;
  problems: ProblemRecord[];
}

export interface ImportResult {
  dataset: Dataset;
  problems: ProblemRecord[];
}

let source: DatasetSource | null = null;
let folder: FolderReader | null = null;
let controller = new AbortController();

/** Displayed size from the image's header; reads more of the file when the first chunk was not enough. */
async function readImageSize(path: string): Promise<{ width: number; height: number } | null> {
  const blob = await source!.readBlob(path);
  for (const length of [HEADER_BYTES, HEADER_BYTES * 16, blob.size]) {
    const header = readImageHeader(new Uint8Array(await blob.slice(0, length).arrayBuffer()));
    if (header) return { width: header.displayedWidth, height: header.displayedHeight };
    if (length >= blob.size) break;
  }
  return null;
}

const api = {
  /** Lists the folder and proposes an import plan; nothing is imported yet. */
  async open(spec: SourceSpec, onProgress: (report: ImportProgressReport) => void): Promise<PlannedFolder> {
    controller = new AbortController();
    const { signal } = controller;
    source = sourceFromSpec(spec);

    onProgress({ phase: 'listing', done: 0, total: null });
    const files = await source.list(signal, (found) =>
      onProgress({ phase: 'listing', done: found, total: null }),
    );
    if (signal.aborted) throw new AbortError();

    onProgress({ phase: 'planning', done: 0, total: null });
    const readText = async (path: string) => (await source!.readBlob(path)).text();
    const readHead = async (path: string, length: number) =>
      new Uint8Array(await (await source!.readBlob(path)).slice(0, length).arrayBuffer());
    folder = makeFolderReader(files, readText, readHead);
    const problems = new ProblemList();
    const plan = await planImport(folder, problems);
    return { files, plan, problems: problems.toArray().map(toProblemRecord) };
  },

  /** Imports what the (possibly edited) plan says. */
  async execute(plan: ImportPlan, onProgress: (report: ImportProgressReport) => void): Promise<ImportResult> {
    if (!folder) throw new Error('no folder opened: call open() first');
    controller = new AbortController();
    const result = await executeImport(plan, folder, {
      signal: controller.signal,
      readImageSize,
      onProgress: (progress) => onProgress({ ...progress, total: progress.total ?? null }),
    });
    return { dataset: result.dataset, problems: result.problems.map(toProblemRecord) };
  },

  /** Stops the listing or import under way; it rejects with an AbortError. */
  cancel(): void {
    controller.abort();
  },
};

export type ImportWorkerApi = typeof api;
Comlink.expose(api);
