import { writeReviewReport, writeSliceManifest } from '../core/export/report';
import { labelIssueRows } from '../core/export/reportIssues';
import { planProjectImport, snapshotProject, type AutotagModel } from '../core/export/projectPlan';
import { readProjectState, writeProjectState, type JsonValue } from '../core/export/projectState';
import { writeZip } from '../core/export/zip';
import { activeEdits } from '../core/review/history';
import { describeTarget, type Edit } from '../core/review/edits';
import { DirectoryHandleSource } from '../storage/browserSources';
import { canWriteFolders, download, saveFile, saveFolder, type Written } from '../storage/exportFiles';
import { fingerprintFiles } from '../storage/source';
import { TagStore } from '../storage/tagStore';
import { autotagState } from './autotag.svelte';
import { datasetState } from './dataset.svelte';
import { evaluationState } from './evaluation.svelte';
import { labelIssuesState } from './labelIssues.svelte';
import { notices } from './notices.svelte';
import { reviewState } from './review.svelte';
import { curationState } from './curation.svelte';
import { selectionState } from './selection.svelte';
import { viewState } from './view.svelte';
import { analysis } from './workers';

export type ExportFormat = 'coco' | 'yolo' | 'report' | 'manifest' | 'coco-subset' | 'project';

export const EXPORT_FORMATS: { value: ExportFormat; label: string; scoped: boolean }[] = [
  { value: 'coco', label: 'Corrected ground truth, COCO JSON', scoped: true },
  { value: 'yolo', label: 'Corrected ground truth, YOLO (labels + data.yaml)', scoped: true },
  { value: 'coco-subset', label: 'COCO subset (the scope’s images)', scoped: true },
  { value: 'manifest', label: 'Manifest (relative paths, one a line)', scoped: true },
  { value: 'report', label: 'Review report (CSV: decisions, edits, issues, comments)', scoped: false },
  { value: 'project', label: 'Project state (reviews, edits, slices, tags, settings)', scoped: false },
];

/** What a project-state import did, for the import dialog. */
export interface ImportReport {
  file: string;
  steps: number;
  slices: { name: string; images: number; missing: string[] }[];
  manualTags: { name: string; images: number; boxes: number; missing: string[] }[];
  autotags: string[];
  warnings: string[];
  /** Edits that name something this folder lacks, described. */
  unresolved: string[];
}

/**
 * The export dialog and the project-state import: which format and which images, writing the file
 * (File System Access or a download), and reading a project file back into review, slices and tags.
 * Corrected COCO and YOLO are written by the analysis worker, which holds the dataset: a 100k-image
 * COCO export takes seconds (`scripts/bench/export.ts`).
 */
export class ExportState {
  dialogOpen = $state(false);
  format = $state<ExportFormat>('coco');
  /** `all`, `filter`, `selection` or `slice:<name>`. */
  scope = $state('all');
  busy = $state(false);
  outcome = $state<{ kind: 'ok' | 'error'; text: string } | null>(null);
  importing = $state(false);
  importReport = $state.raw<ImportReport | null>(null);
  importError = $state<string | null>(null);

  scoped = $derived(EXPORT_FORMATS.find((format) => format.value === this.format)!.scoped);

  /** Image indices of a scope; null for the whole dataset. */
  scopeImages(scope = this.scope): number[] | null {
    if (scope === 'filter') return Array.from(viewState.visible);
    if (scope === 'selection') return [...selectionState.positives];
    if (scope.startsWith('slice:')) return [...(curationState.sliceImages(scope.slice(6)) ?? [])];
    return null;
  }

  /** Writes the chosen export; the outcome says where it went, or why not. */
  async save(): Promise<void> {
    const dataset = datasetState.dataset;
    if (!dataset || this.busy) return;
    this.busy = true;
    this.outcome = null;
    try {
      const images = this.scoped ? this.scopeImages() : null;
      if (images && images.length === 0) throw new Error(`the scope "${this.scope}" holds no image`);
      const written = await this.write(images);
      if (written) this.outcome = { kind: 'ok', text: describeWritten(written) };
    } catch (error) {
      this.outcome = { kind: 'error', text: error instanceof Error ? error.message : String(error) };
    } finally {
      this.busy = false;
    }
  }

  private async write(images: number[] | null): Promise<Written | null> {
    const stem = this.scope === 'all' ? 'all' : this.scope.replace(/^slice:/, '');
    const edits = activeEdits(reviewState.history) as Edit[];
    switch (this.format) {
      case 'coco':
      case 'coco-subset': {
        const result = await analysis().exportGroundTruth(edits, 'coco', images);
        const name = this.format === 'coco' ? 'instances_corrected.json' : `instances_${stem}.json`;
        return saveFile(name, result.blob!);
      }
      case 'yolo': {
        const result = await analysis().exportGroundTruth(edits, 'yolo', images);
        const files = result.files!;
        if (canWriteFolders()) return saveFolder(files, datasetFolder());
        const encoder = new TextEncoder();
        const zip = writeZip(files.map((file) => ({ path: file.path, bytes: encoder.encode(file.text) })));
        return download(`yolo_${stem}.zip`, new Blob([zip as BlobPart], { type: 'application/zip' }));
      }
      case 'manifest': {
        const text = writeSliceManifest(datasetState.dataset!, images ?? datasetState.dataset!.images.keys());
        return saveFile(`${stem}.txt`, new Blob([text], { type: 'text/plain' }));
      }
      case 'report':
        return saveFile('review_report.csv', new Blob([this.report()], { type: 'text/csv' }));
      case 'project': {
        const text = writeProjectState(await this.snapshot());
        return saveFile('longtail-project.json', new Blob([text], { type: 'application/json' }));
      }
    }
  }

  /** The review report, with the label issues when they have been computed (never computed just for this). */
  private report(): string {
    const view = reviewState.corrected!;
    const issues = labelIssuesState.issues;
    const rows = issues ? labelIssueRows(datasetState.dataset!, issues, labelIssuesState.threshold) : [];
    return writeReviewReport(view, rows);
  }

  /** The project state of the open folder. */
  async snapshot() {
    const dataset = datasetState.dataset!;
    return snapshotProject({
      history: reviewState.history,
      slices: curationState.slices,
      manualTags: curationState.manualTags,
      autotags: autotagState.tags as AutotagModel[],
      settings: this.settings(),
      dataset: { images: dataset.images.length, fingerprint: await fingerprintFiles(datasetState.files) },
      savedAt: new Date(),
    });
  }

  private settings(): Record<string, JsonValue> {
    return {
      'evaluation.run': evaluationState.run?.name ?? null,
      'evaluation.iouThreshold': evaluationState.iouThreshold,
      'evaluation.scoreThreshold': evaluationState.scoreThreshold,
      'labelIssues.threshold': labelIssuesState.threshold,
    };
  }

  /** Reads a project-state file into the open folder: history, slices, manual and Autotag tags, settings. */
  async importProject(file: File): Promise<void> {
    const dataset = datasetState.dataset;
    const folder = datasetState.source?.name;
    if (!dataset || !folder || this.importing) return;
    this.importing = true;
    this.importError = null;
    this.importReport = null;
    try {
      const state = readProjectState(await file.text(), file.name);
      const plan = planProjectImport(state, dataset, await fingerprintFiles(datasetState.files), file.name);

      await reviewState.replaceHistory(plan.history);
      await curationState.putCuration(plan.slices, plan.manualTags);
      await this.putAutotags(folder, plan.autotags);
      this.applySettings(plan.settings);

      const unresolved = (reviewState.corrected?.unresolved ?? []).map(
        ({ edit, reason }) => `${edit.kind} ${editSubject(edit)}: ${reason}`,
      );
      for (const text of unresolved)
        notices.addProblem({
          file: file.name,
          field: 'history',
          expected: 'an edit of an image or box this folder holds',
          message: `${file.name}: edit not applied: ${text}`,
          severity: 'warning',
        });
      this.importReport = {
        file: file.name,
        steps: plan.history.steps.length,
        slices: plan.slices.map((s) => ({ name: s.name, images: s.paths.length, missing: s.missing })),
        manualTags: plan.manualTags.map((t) => ({
          name: t.name,
          images: t.images.length,
          boxes: t.boxes.length,
          missing: t.missing,
        })),
        autotags: plan.autotags.map((tag) => tag.name),
        warnings: plan.warnings,
        unresolved,
      };
    } catch (error) {
      this.importError = error instanceof Error ? error.message : String(error);
    } finally {
      this.importing = false;
    }
  }

  /** Autotag tags come back with their classifier and judgements, without scores ("re-run" scores them). */
  private async putAutotags(folder: string, tags: AutotagModel[]): Promise<void> {
    if (tags.length === 0) return;
    const store = await TagStore.open();
    for (const tag of tags) {
      await store.save({
        ...tag,
        folder,
        classifier: tag.classifier && {
          ...tag.classifier,
          weights: Float32Array.from(tag.classifier.weights),
        },
        judgedLabels: Uint8Array.from(tag.judgedLabels),
        items: [],
        scores: new Float32Array(0),
        updatedAt: Date.now(),
      });
    }
    await autotagState.load();
  }

  /** Settings in range are applied; others (a run this folder lacks) are left as they are. */
  private applySettings(settings: Record<string, JsonValue>): void {
    const unit = (key: string) => {
      const value = settings[key];
      return typeof value === 'number' && value >= 0 && value <= 1 ? value : null;
    };
    const iou = unit('evaluation.iouThreshold');
    if (iou !== null && iou > 0) evaluationState.iouThreshold = iou;
    const score = unit('evaluation.scoreThreshold');
    if (score !== null) evaluationState.scoreThreshold = score;
    const issue = unit('labelIssues.threshold');
    if (issue !== null) labelIssuesState.threshold = issue;
    const run = datasetState.dataset?.runs.findIndex((r) => r.name === settings['evaluation.run']) ?? -1;
    if (run >= 0) evaluationState.runIndex = run;
  }
}

function datasetFolder(): FileSystemDirectoryHandle | null {
  const source = datasetState.source;
  return source instanceof DirectoryHandleSource ? source.root : null;
}

function describeWritten(written: Written): string {
  if (written.how === 'download') return `Downloaded ${written.name}`;
  return written.how === 'folder' ? `Wrote the files into folder "${written.name}"` : `Saved ${written.name}`;
}

function editSubject(edit: Edit): string {
  if (edit.kind === 'addBox') return `on image ${edit.image}`;
  if (edit.kind === 'review' || edit.kind === 'comment') return `of ${describeTarget(edit.target)}`;
  return `of ${describeTarget({ kind: 'box', box: edit.box })}`;
}

export const exportState = new ExportState();
