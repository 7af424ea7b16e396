import { categoryIndex } from '../core/dataset';
import {
  applyFilter,
  EMPTY_FILTER,
  parseFilter,
  printFilter,
  withoutTerm,
  withTerm,
  type Filter,
  type FilterContext,
  type FilterTerm,
} from '../core/filter';
import { sampleQuery } from '../core/filter';
import { issueClassTerm, type SortKey } from '../core/filter';
import { labelIssuesState } from './labelIssues.svelte';
import { datasetState } from './dataset.svelte';
import { evaluationState } from './evaluation.svelte';
import { searchState } from './search.svelte';
import { autotagState } from './autotag.svelte';

export type Tab = 'gallery' | 'classes' | 'evaluation';

/** Boxes to emphasise on every image: the samples behind the active cell or class filter. */
export interface Highlight {
  groundTruth: ReadonlySet<number>;
  predictions: ReadonlySet<number>;
}

/**
 * What the user is looking at: the filter (the one shared filter value, mirrored in the URL), the
 * tab, the open image and display toggles. `visible` is the gallery's content, derived from all of it.
 */
/** Filter terms that select boxes: what a chart click replaces. */
const SAMPLE_KINDS: ReadonlySet<FilterTerm['kind']> = new Set([
  'class',
  'gt',
  'pred',
  'cell',
  'match',
  'iou',
  'score',
  'issue',
]);

export class ViewState {
  filter = $state.raw<Filter>(EMPTY_FILTER);
  filterError = $state<string | null>(null);
  tab = $state<Tab>('gallery');
  openImage = $state<number | null>(null);
  /** Boxes to highlight on one opened image (an object search result), whatever the filter says. */
  focus = $state.raw<{ image: number; highlight: Highlight } | null>(null);
  showGroundTruth = $state(true);
  showPredictions = $state(true);

  filterText = $derived(printFilter(this.filter));
  rankingTerm = $derived(
    this.filter.terms.findLast((t) => t.kind === 'similar' || t.kind === 'text') as
      Extract<FilterTerm, { kind: 'similar' | 'text' }> | undefined,
  );
  cellTerm = $derived(this.filter.terms.find((t) => t.kind === 'cell'));
  tagTerm = $derived(
    this.filter.terms.findLast((t) => t.kind === 'tag') as Extract<FilterTerm, { kind: 'tag' }> | undefined,
  );
  issueTerm = $derived(
    this.filter.terms.find((t) => t.kind === 'issue') as Extract<FilterTerm, { kind: 'issue' }> | undefined,
  );
  /** The filter's `sort:` key when a sort is its ranking (the last ranking term wins). */
  sortKey = $derived.by((): SortKey | null => {
    const last = this.filter.terms.findLast(
      (t) => t.kind === 'sort' || t.kind === 'similar' || t.kind === 'text',
    );
    return last?.kind === 'sort' ? last.key : null;
  });
  visible = $derived(this.computeVisible());
  highlight = $derived(this.computeHighlight());
  /** The filter's box query (`match:`, `iou`, `score` terms with their class term), if any. */
  boxQuery = $derived(sampleQuery(this.filter));
  /** Evaluation filters colour boxes by match status (TP, FP, FN) instead of by class. */
  colourByMatch = $derived(
    this.boxQuery !== null ||
      this.cellTerm !== undefined ||
      (evaluationState.samples !== null &&
        this.filter.terms.some((t) => t.kind === 'class' || t.kind === 'gt' || t.kind === 'pred')),
  );

  /** Replaces the filter from its text form; a syntax error keeps the old filter and is shown. */
  setFilterText(text: string): void {
    try {
      this.filter = parseFilter(text);
      this.filterError = null;
    } catch (error) {
      this.filterError = error instanceof Error ? error.message : String(error);
    }
  }

  addTerm(term: FilterTerm): void {
    this.filter = withTerm(this.filter, term);
    this.filterError = null;
  }

  /**
   * Opens the gallery on the samples behind a chart click: the new terms replace every term that
   * narrows by boxes (class, cell, match status, IoU, score, label issue), so an earlier click never
   * leaks into this one; path, tag, duplicate and ranking terms stay (a `sort` given here replaces the
   * ranking).
   */
  openSamples(terms: FilterTerm[], sort?: FilterTerm): void {
    const kept = this.filter.terms.filter((t) => !SAMPLE_KINDS.has(t.kind));
    const narrowed = [...kept, ...terms];
    this.filter = { terms: sort ? [...narrowed.filter((t) => t.kind !== 'sort'), sort] : narrowed };
    this.filterError = null;
    this.tab = 'gallery';
  }

  removeTerm(index: number): void {
    this.filter = withoutTerm(this.filter, index);
  }

  /** Reads filter, tab and thresholds from the URL (on start and on back/forward). */
  readUrl(url: URL): void {
    this.setFilterText(url.searchParams.get('q') ?? '');
    const tab = url.searchParams.get('view');
    this.tab = tab === 'evaluation' || tab === 'classes' ? tab : 'gallery';
    // Thresholds from a link are checked: out-of-range values keep the current setting.
    const number = (name: string, fallback: number, min: number, max: number) => {
      const value = Number(url.searchParams.get(name));
      return url.searchParams.has(name) && Number.isFinite(value) && value >= min && value <= max
        ? value
        : fallback;
    };
    evaluationState.iouThreshold = number('iou', evaluationState.iouThreshold, 0.01, 1);
    evaluationState.scoreThreshold = number('score', evaluationState.scoreThreshold, 0, 1);
  }

  /** The URL that reproduces this view with the same folder. */
  toUrl(base: URL): URL {
    const url = new URL(base);
    const folder = url.searchParams.get('folder');
    url.search = '';
    if (folder) url.searchParams.set('folder', folder);
    if (this.filterText) url.searchParams.set('q', this.filterText);
    if (this.tab !== 'gallery') url.searchParams.set('view', this.tab);
    url.searchParams.set('iou', String(evaluationState.iouThreshold));
    url.searchParams.set('score', String(evaluationState.scoreThreshold));
    return url;
  }

  private computeVisible(): Int32Array {
    const dataset = datasetState.dataset;
    if (!dataset) return new Int32Array(0);
    const classes = this.classImages();
    const context: FilterContext = {
      imageCount: dataset.images.length,
      paths: dataset.images.map((image) => image.path),
      imagesWithClass: (name, side) => classes[side].get(name) ?? new Set(),
      imagesInCell: (gt, pred) => new Set(evaluationState.members(gt, pred)?.images ?? []),
      imagesWithSamples: (query) => evaluationState.select(query).images,
      ranking: (term) => searchState.scores(term),
      tagScores: (name) => autotagState.filterScores(name),
      uniqueness: () => searchState.uniqueness,
      issueImages: (issue, bound, classTerm) =>
        labelIssuesState.select(issue, bound, classTerm)?.images ?? null,
      sortScores: (key) => this.sortScores(key),
      duplicateImages: (threshold) => searchState.duplicates.get(threshold) ?? null,
    };
    return applyFilter(this.filter, context);
  }

  /** Images per class name, for ground truth, for the run's predictions above the score threshold, and either. */
  private classImages(): Record<'any' | 'gt' | 'pred', Map<string, Set<number>>> {
    const dataset = datasetState.dataset!;
    const names = new Map(dataset.categories.map((c) => [c.id, c.name]));
    const sides = {
      any: new Map<string, Set<number>>(),
      gt: new Map<string, Set<number>>(),
      pred: new Map<string, Set<number>>(),
    };
    const add = (side: 'gt' | 'pred', categoryId: number, image: number) => {
      const name = names.get(categoryId);
      if (name === undefined) return;
      for (const map of [sides[side], sides.any]) {
        if (!map.has(name)) map.set(name, new Set());
        map.get(name)!.add(image);
      }
    };
    for (const gt of dataset.groundTruth) add('gt', gt.categoryId, gt.imageIndex);
    for (const p of evaluationState.run?.predictions ?? []) {
      if (p.score >= evaluationState.scoreThreshold) add('pred', p.categoryId, p.imageIndex);
    }
    return sides;
  }

  /** Per-image scores behind a `sort:` key (what the gallery orders by and shows); null until computed. */
  sortScores(key: SortKey): Float32Array | Float64Array | null {
    if (key === 'unique') return searchState.uniqueness;
    if (key === 'disagree') return evaluationState.disagreement;
    return labelIssuesState.sortScores(key);
  }

  /** Opens an image with the given boxes highlighted (an object search result). */
  focusObject(image: number, highlight: Highlight): void {
    this.focus = { image, highlight };
    this.openImage = image;
  }

  private computeHighlight(): Highlight | null {
    const dataset = datasetState.dataset;
    if (!dataset) return null;
    if (this.focus && this.focus.image === this.openImage) return this.focus.highlight;
    // An `issue:` term highlights exactly its flagged boxes (and the predictions behind them).
    const issueTerm = this.issueTerm;
    if (issueTerm) {
      const flagged = labelIssuesState.select(issueTerm.issue, issueTerm.bound, issueClassTerm(this.filter));
      return {
        groundTruth: flagged?.groundTruth ?? new Set(),
        predictions: flagged?.predictions ?? new Set(),
      };
    }
    if (this.boxQuery) {
      const selected = evaluationState.select(this.boxQuery);
      return { groundTruth: selected.groundTruth, predictions: selected.predictions };
    }
    const cell = this.cellTerm;
    if (cell?.kind === 'cell') {
      const members = evaluationState.members(cell.groundTruth, cell.prediction);
      return (
        members && { groundTruth: new Set(members.groundTruth), predictions: new Set(members.predictions) }
      );
    }
    const classTerm = this.filter.terms.find(
      (t) => t.kind === 'class' || t.kind === 'gt' || t.kind === 'pred',
    );
    if (!classTerm || !('name' in classTerm)) return null;
    const id = dataset.categories.find((c) => c.name === classTerm.name)?.id;
    const positions = categoryIndex(dataset.categories);
    if (id === undefined || !positions.has(id)) return { groundTruth: new Set(), predictions: new Set() };
    const showGt = classTerm.kind !== 'pred';
    const showPred = classTerm.kind !== 'gt';
    const gtSet = new Set(
      showGt ? dataset.groundTruth.filter((g) => g.categoryId === id).map((g) => g.index) : [],
    );
    const predSet = new Set(
      showPred
        ? (evaluationState.run?.predictions ?? []).filter((p) => p.categoryId === id).map((p) => p.index)
        : [],
    );
    return { groundTruth: gtSet, predictions: predSet };
  }
}

export const viewState = new ViewState();
