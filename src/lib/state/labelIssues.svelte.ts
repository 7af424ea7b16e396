/**
 * Detection label issues of the current prediction run, shared by the Label issues page, the
 * gallery's `issue:` filter terms and its label-quality `sort:` keys. The scores come from the
 * label-quality worker (core/labelQuality/detection.ts) and are recomputed when the dataset, the
 * run or the evaluation IoU threshold changes; the flag threshold only re-reads them. Crop embeddings
 * of the ground truth, when given (`setCropEmbeddings`), add crop evidence: swapped boxes the detector
 * cannot see and the `unsupported` kind (likely spurious boxes).
 */
import type { Dataset, PredictionRun } from '../core/dataset';
import type { IssueFilterKind, SampleQuery, SortKey, TagBound } from '../core/filter';
import type { DetectionIssues } from '../core/labelQuality/detection';
import { detectionLoss } from '../core/labelQuality/loss';
import { classificationIssuesState } from './classificationIssues.svelte';
import { datasetState } from './dataset.svelte';
import { embeddingState } from './embeddings.svelte';
import { evaluationState } from './evaluation.svelte';
import { notices } from './notices.svelte';
import { labelQuality } from './workers';

/** Issue score from which a box is flagged when a term gives no bound; the page's slider moves it. */
export const DEFAULT_ISSUE_THRESHOLD = 0.3;

/** Issue kinds a term selects (`label`: classification labels, see state/classificationIssues). */
export type IssueSelection = IssueFilterKind;

/** Per-image sort keys of label issues. */
export type IssueSortKey = Exclude<SortKey, 'unique' | 'disagree'>;

/** Which box each row of an object-embedding matrix is: `runs[i]` -1 for ground truth, `indices[i]` its index. */
export interface CropRows {
  runs: Int32Array;
  indices: Int32Array;
}

/** Boxes behind an `issue:` term: the flagged ones and the predictions that are their evidence. */
export interface FlaggedBoxes {
  images: ReadonlySet<number>;
  groundTruth: ReadonlySet<number>;
  predictions: ReadonlySet<number>;
}

export class LabelIssuesState {
  /** Flag boxes whose issue score is at least this (for terms without an explicit bound). */
  threshold = $state(DEFAULT_ISSUE_THRESHOLD);
  /** Detections with a shorter side under this many pixels are never overlooked (0: all count). */
  minOverlookedSide = $state(0);
  /** Scores of the current run; null before the first computation and while the run changes. */
  issues = $state.raw<DetectionIssues | null>(null);
  computing = $state(false);
  /** Ground-truth crops with embeddings in the worker (0 = no crop evidence). */
  cropCount = $state(0);
  private sentDataset: Dataset | null = null;
  private crops: {
    dataset: Dataset;
    dim: number;
    vectors: Float32Array;
    groundTruthOfRow: Int32Array;
  } | null = null;
  /** Bumped by `setCropEmbeddings`; state, so the effect that calls `refresh` runs again. */
  private cropsVersion = $state(0);
  private sentCrops = -1;
  private done = { dataset: null as Dataset | null, run: '', iou: NaN, crops: -1, minSide: NaN };
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

  /**
   * Uses object embeddings as crop evidence: `vectors` is rows × dim, `rows` says which box each row
   * embeds (the embedding state's `objectRows`); only ground-truth rows are kept. Call again when the
   * matrix changes, or with null to drop it; the next `refresh` recomputes.
   */
  setCropEmbeddings(dim: number, vectors: Float32Array, rows: CropRows | null): void {
    const dataset = datasetState.dataset;
    const kept = rows && dataset ? Array.from(rows.runs.keys()).filter((row) => rows.runs[row] === -1) : [];
    const picked = new Float32Array(kept.length * dim);
    kept.forEach((row, i) => picked.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim));
    this.crops =
      dataset && kept.length > 0
        ? {
            dataset,
            dim,
            vectors: picked,
            groundTruthOfRow: Int32Array.from(kept, (row) => rows!.indices[row]),
          }
        : null;
    this.cropCount = kept.length;
    this.cropsVersion++;
  }

  /** Computes the run's issues in the worker unless known for this dataset, run, IoU and crops; newer calls win. */
  async refresh(): Promise<void> {
    const { dataset, run } = this.current();
    const iou = evaluationState.iouThreshold;
    const crops = this.cropsVersion;
    const minSide = this.minOverlookedSide;
    if (!dataset || !run) {
      this.issues = null;
      this.done = { dataset: null, run: '', iou: NaN, crops: -1, minSide: NaN };
      return;
    }
    const { done } = this;
    const same = done.iou === iou && done.crops === crops && done.minSide === minSide;
    if (done.dataset === dataset && done.run === run.name && same) return;
    // Scores of another dataset or run index other boxes: drop them rather than show them a moment.
    if (done.dataset !== dataset || done.run !== run.name) this.issues = null;
    this.done = { dataset, run: run.name, iou, crops, minSide };
    const generation = ++this.generation;
    this.computing = true;
    try {
      const api = labelQuality();
      if (this.sentDataset !== dataset) {
        await api.setDataset(dataset);
        this.sentDataset = dataset;
        this.sentCrops = -1;
      }
      if (this.sentCrops !== crops) {
        // Crops of another dataset index other boxes: send none rather than wrong ones.
        const own = this.crops?.dataset === dataset ? this.crops : null;
        await api.setCropEmbeddings(
          own && { dim: own.dim, vectors: own.vectors, groundTruthOfRow: own.groundTruthOfRow },
        );
        this.sentCrops = crops;
      }
      const result = await api.detectionIssues(run.name, { iouThreshold: iou, minOverlookedSide: minSide });
      if (generation === this.generation) this.issues = result;
    } catch (error) {
      if (generation === this.generation)
        this.done = { dataset: null, run: '', iou: NaN, crops: -1, minSide: NaN };
      notices.report(error, 'Finding label issues');
    } finally {
      if (generation === this.generation) this.computing = false;
    }
  }

  /**
   * The boxes an `issue:` term selects: scores passing `bound` (default `>= threshold`; a score of 0,
   * no evidence at all, never passes), of the class term's class when given (either side). For
   * swapped and badly located, the prediction giving the evidence is included, so it is drawn too.
   * `any` includes unsupported. Null until the issues are computed.
   */
  select(
    issue: IssueSelection,
    bound: TagBound | null,
    classTerm: SampleQuery['classTerm'],
  ): FlaggedBoxes | null {
    // A classification dataset has labels without boxes: confident learning judges them instead.
    if (classificationIssuesState.applies) {
      return issue === 'label' || issue === 'any' ? classificationIssuesState.select(bound) : EMPTY_FLAGS;
    }
    if (issue === 'label') return EMPTY_FLAGS;
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
    if (issue === 'unsupported' || issue === 'any')
      perBox.push([issues.unsupported, new Int32Array(issues.unsupported.length).fill(-1)]);
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
  sortScores(key: IssueSortKey): Float64Array | null {
    if (classificationIssuesState.applies) {
      if (key === 'quality') return classificationIssuesState.imageScores;
      return key === 'loss' ? classificationIssuesState.imageLoss : null;
    }
    if (key === 'loss') return this.loss;
    if (key === 'quality') return this.issues?.imageQuality ?? null;
    return this.imageKindScores?.[key] ?? null;
  }

  private current(): { dataset: Dataset | null; run: PredictionRun | null } {
    return { dataset: datasetState.dataset, run: evaluationState.run };
  }
}

/** Each image's strongest overlooked, swapped, badly-located and unsupported score. */
function perImageKinds(
  issues: DetectionIssues,
): Record<'overlooked' | 'swapped' | 'located' | 'unsupported', Float64Array> {
  const { dataset, run } = { dataset: datasetState.dataset, run: evaluationState.run };
  const count = issues.imageQuality.length;
  const out = {
    overlooked: new Float64Array(count),
    swapped: new Float64Array(count),
    located: new Float64Array(count),
    unsupported: new Float64Array(count),
  };
  if (!dataset || !run || run.name !== issues.runName) return out;
  issues.overlooked.forEach((score, p) => {
    const image = run.predictions[p].imageIndex;
    out.overlooked[image] = Math.max(out.overlooked[image], score);
  });
  dataset.groundTruth.forEach((gt, g) => {
    out.swapped[gt.imageIndex] = Math.max(out.swapped[gt.imageIndex], issues.swapped[g]);
    out.located[gt.imageIndex] = Math.max(out.located[gt.imageIndex], issues.badlyLocated[g]);
    out.unsupported[gt.imageIndex] = Math.max(out.unsupported[gt.imageIndex], issues.unsupported[g]);
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

const EMPTY_FLAGS: FlaggedBoxes = { images: new Set(), groundTruth: new Set(), predictions: new Set() };

export const labelIssuesState = new LabelIssuesState();
embeddingState.onObjectsPublished = (dim, vectors, rows) =>
  labelIssuesState.setCropEmbeddings(dim, vectors, rows);
