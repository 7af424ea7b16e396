/**
 * Detection label issues of the current prediction run, shared by the Label issues page, the
 * gallery's `issue:` filter terms and its label-quality `sort:` keys. The scores come from the
 * label-quality worker (core/labelQuality/detection.ts) and are recomputed when the dataset, the
 * run or the evaluation IoU threshold changes; the flag threshold only re-reads them.
 */
import type { Dataset, PredictionRun } from '../core/dataset';
import type { IssueFilterKind, SampleQuery, SortKey, TagBound } from '../core/filter';
import type { DetectionIssues } from '../core/labelQuality/detection';
import { detectionLoss } from '../core/labelQuality/loss';
import { datasetState } from './dataset.svelte';
import { evaluationState } from './evaluation.svelte';
import { notices } from './notices.svelte';
import { labelQuality } from './workers';

/** Issue score from which a box is flagged when a term gives no bound; the page's slider moves it. */
export const DEFAULT_ISSUE_THRESHOLD = 0.3;

/** Boxes behind an `issue:` term: the flagged ones and the predictions that are their evidence. */
export interface FlaggedBoxes {
  images: ReadonlySet<number>;
  groundTruth: ReadonlySet<number>;
  predictions: ReadonlySet<number>;
}

export class LabelIssuesState {
  /** Flag boxes whose issue score is at least this (for terms without an explicit bound). */
  threshold = $state(DEFAULT_ISSUE_THRESHOLD);
  /** Scores of the current run; null before the first computation and while the run changes. */
  issues = $state.raw<DetectionIssues | null>(null);
  computing = $state(false);
  private sentDataset: Dataset | null = null;
  private done = { dataset: null as Dataset | null, run: '', iou: NaN };
  private generation = 0;

  /** Per image, each kind's strongest box score (0 where the image has none). */
  private imageKindScores = $derived(this.issues ? perImageKinds(this.issues) : null);
  /**
   * Per-image detection loss against ground truth (labelQuality/loss.ts), computed on first use.
   * Known shortcoming: on the main thread; it is one linear pass per image, under 100 ms at 100k boxes.
   */
  private loss = $derived.by(() => {
    const { dataset, run } = this.current();
    return dataset && run
      ? detectionLoss(dataset, run, { iouThreshold: evaluationState.iouThreshold })
      : null;
  });

  /** Computes the run's issues in the worker unless known for this dataset, run and IoU; newer calls win. */
  async refresh(): Promise<void> {
    const { dataset, run } = this.current();
    const iou = evaluationState.iouThreshold;
    if (!dataset || !run) {
      this.issues = null;
      this.done = { dataset: null, run: '', iou: NaN };
      return;
    }
    if (this.done.dataset === dataset && this.done.run === run.name && this.done.iou === iou) return;
    // Scores of another dataset or run index other boxes: drop them rather than show them a moment.
    if (this.done.dataset !== dataset || this.done.run !== run.name) this.issues = null;
    this.done = { dataset, run: run.name, iou };
    const generation = ++this.generation;
    this.computing = true;
    try {
      const api = labelQuality();
      if (this.sentDataset !== dataset) {
        await api.setDataset(dataset);
        this.sentDataset = dataset;
      }
      const result = await api.detectionIssues(run.name, { iouThreshold: iou });
      if (generation === this.generation) this.issues = result;
    } catch (error) {
      if (generation === this.generation) this.done = { dataset: null, run: '', iou: NaN };
      notices.report(error, 'Finding label issues');
    } finally {
      if (generation === this.generation) this.computing = false;
    }
  }

  /**
   * The boxes an `issue:` term selects: scores passing `bound` (default `>= threshold`; a score of 0,
   * no evidence at all, never passes), of the class term's class when given (either side). For
   * swapped and badly located, the prediction giving the evidence is included, so it is drawn too.
   * Null until the issues are computed.
   */
  select(
    issue: IssueFilterKind,
    bound: TagBound | null,
    classTerm: SampleQuery['classTerm'],
  ): FlaggedBoxes | null {
    const issues = this.issues;
    const { dataset, run } = this.current();
    if (!issues || !dataset || !run || issues.runName !== run.name) return null;
    const passes = comparison(bound ?? { op: '>=', value: this.threshold });
    const classId = classTerm ? dataset.categories.find((c) => c.name === classTerm.name)?.id : undefined;
    const ofClass = (categoryId: number) => !classTerm || categoryId === classId;
    const out = { images: new Set<number>(), groundTruth: new Set<number>(), predictions: new Set<number>() };
    if (issue === 'overlooked' || issue === 'any') {
      issues.overlooked.forEach((score, p) => {
        const prediction = run.predictions[p];
        if (!passes(score) || !ofClass(prediction.categoryId)) return;
        out.predictions.add(p);
        out.images.add(prediction.imageIndex);
      });
    }
    const perBox: [Float64Array, Int32Array][] = [];
    if (issue === 'swapped' || issue === 'any') perBox.push([issues.swapped, issues.swappedBy]);
    if (issue === 'located' || issue === 'any') perBox.push([issues.badlyLocated, issues.badlyLocatedBy]);
    for (const [scores, evidence] of perBox) {
      scores.forEach((score, g) => {
        const gt = dataset.groundTruth[g];
        if (!passes(score) || !ofClass(gt.categoryId)) return;
        out.groundTruth.add(g);
        if (evidence[g] >= 0) out.predictions.add(evidence[g]);
        out.images.add(gt.imageIndex);
      });
    }
    return out;
  }

  /** Per-image scores of a label-quality `sort:` key; null until computed. */
  sortScores(key: Exclude<SortKey, 'unique' | 'disagree'>): Float64Array | null {
    if (key === 'loss') return this.loss;
    if (key === 'quality') return this.issues?.imageQuality ?? null;
    return this.imageKindScores?.[key] ?? null;
  }

  private current(): { dataset: Dataset | null; run: PredictionRun | null } {
    return { dataset: datasetState.dataset, run: evaluationState.run };
  }
}

/** Each image's strongest overlooked, swapped and badly-located score. */
function perImageKinds(issues: DetectionIssues): Record<'overlooked' | 'swapped' | 'located', Float64Array> {
  const { dataset, run } = { dataset: datasetState.dataset, run: evaluationState.run };
  const count = issues.imageQuality.length;
  const out = {
    overlooked: new Float64Array(count),
    swapped: new Float64Array(count),
    located: new Float64Array(count),
  };
  if (!dataset || !run || run.name !== issues.runName) return out;
  issues.overlooked.forEach((score, p) => {
    const image = run.predictions[p].imageIndex;
    out.overlooked[image] = Math.max(out.overlooked[image], score);
  });
  dataset.groundTruth.forEach((gt, g) => {
    out.swapped[gt.imageIndex] = Math.max(out.swapped[gt.imageIndex], issues.swapped[g]);
    out.located[gt.imageIndex] = Math.max(out.located[gt.imageIndex], issues.badlyLocated[g]);
  });
  return out;
}

function comparison({ op, value }: TagBound): (score: number) => boolean {
  switch (op) {
    case '>=':
      return (score) => score > 0 && score >= value;
    case '>':
      return (score) => score > 0 && score > value;
    case '<':
      return (score) => score > 0 && score < value;
    case '<=':
      return (score) => score > 0 && score <= value;
  }
}

export const labelIssuesState = new LabelIssuesState();
