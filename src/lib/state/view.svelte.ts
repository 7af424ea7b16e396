import { categoryIndex } from '../core/dataset';
import {
  allTerms,
  applyFilter,
  EMPTY_FILTER,
  FilterSyntaxError,
  FilterValueError,
  issueClassTerm,
  parseFilter,
  printFilter,
  sampleQuery,
  withoutGroup,
  withoutTerm,
  withTerm,
  type Filter,
  type FilterContext,
  type FilterTerm,
  type MetadataField,
  type SortKey,
} from '../core/filter';
import { labelIssuesState } from './labelIssues.svelte';
import { datasetState } from './dataset.svelte';
import { evaluationState } from './evaluation.svelte';
import { searchState } from './search.svelte';
import { autotagState } from './autotag.svelte';
import { reviewState } from './review.svelte';
import { curationState } from './curation.svelte';

export type Tab = 'gallery' | 'classes' | 'evaluation';

/** Boxes to emphasise on every image: the samples behind the active cell or class filter. */
/** Why the typed filter text was not applied (or applies to nothing), with the span to underline. */
export interface FilterProblem {
  message: string;
  /** The text it refers to, and `[start, end)` of the bad token in it (UTF-16 code units). */
  text: string;
  start: number;
  end: number;
  /** True when the text did not parse, so the previous filter is still the one applied. */
  previousApplied: boolean;
}

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
  /** The last typed text that did not parse: shown under the bar while the previous filter stays applied. */
  filterError = $state.raw<FilterProblem | null>(null);
  tab = $state<Tab>('gallery');
  openImage = $state<number | null>(null);
  /** Boxes to highlight on one opened image (an object search result), whatever the filter says. */
  focus = $state.raw<{ image: number; highlight: Highlight } | null>(null);
  showGroundTruth = $state(true);
  showPredictions = $state(true);

  filterText = $derived(printFilter(this.filter));
  /** Every term, plain and inside OR / NOT groups: what must be computed (issues, duplicates) to apply it. */
  allTerms = $derived(allTerms(this.filter));
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
  private result = $derived(this.computeVisible());
  visible = $derived(this.result.images);
  /** A term that parses but cannot apply (a comparison on a manual tag): the gallery is empty, and says why. */
  applyError = $derived(this.result.error);
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

  /**
   * Replaces the filter from its text form. Text that does not parse keeps the previous filter applied
   * and records where it went wrong (`filterError`), which the query bar shows under the text.
   */
  setFilterText(text: string): void {
    try {
      this.filter = parseFilter(text);
      this.filterError = null;
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      // The bar shows the text itself with the bad token underlined, so the message need not repeat it.
      const { position: start, end, expected, found } = error;
      const message = `character ${start + 1}: expected ${expected}${found ? `, found ${found}` : ''}`;
      this.filterError = { message, text, start, end, previousApplied: true };
    }
  }

  /** Removes the i-th OR / NOT group of the filter. */
  removeGroup(index: number): void {
    this.filter = withoutGroup(this.filter, index);
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
    this.filter = {
      ...this.filter,
      terms: sort ? [...narrowed.filter((t) => t.kind !== 'sort'), sort] : narrowed,
    };
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

  private computeVisible(): { images: Int32Array; error: FilterProblem | null } {
    const dataset = datasetState.dataset;
    if (!dataset) return { images: new Int32Array(0), error: null };
    const classes = this.classImages();
    const context: FilterContext = {
      imageCount: dataset.images.length,
      paths: dataset.images.map((image) => image.path),
      imagesWithClass: (name, side) => classes[side].get(name) ?? new Set(),
      imagesInCell: (gt, pred) => new Set(evaluationState.members(gt, pred)?.images ?? []),
      imagesWithSamples: (query) => evaluationState.select(query).images,
      ranking: (term) => searchState.scores(term),
      tagScores: (name) => autotagState.filterScores(name),
      manualTagImages: (name) => curationState.manualTagImages(name),
      sliceImages: (name) => curationState.sliceImages(name),
      reviewImages: (kind) => reviewState.imagesWith(kind),
      imageValues: (field) => this.imageValues(field),
      uniqueness: () => searchState.uniqueness,
      issueImages: (issue, bound, classTerm) =>
        labelIssuesState.select(issue, bound, classTerm)?.images ?? null,
      sortScores: (key) => this.sortScores(key),
      duplicateImages: (threshold) => searchState.duplicates.get(threshold) ?? null,
    };
    try {
      return { images: applyFilter(this.filter, context), error: null };
    } catch (error) {
      if (!(error instanceof FilterValueError)) throw error;
      const text = this.filterText;
      const start = Math.max(0, text.indexOf(error.written));
      const end = start + error.written.length;
      return {
        images: new Int32Array(0),
        error: { message: error.message, text, start, end, previousApplied: false },
      };
    }
  }

  /** Per-image values of a numeric field (NaN: unknown size); see `FilterContext.imageValues`. */
  private imageValues(field: MetadataField): Float64Array {
    const dataset = datasetState.dataset!;
    const values = new Float64Array(dataset.images.length);
    if (field === 'width' || field === 'height') {
      // A size of 0 means "not read yet": unknown, not zero pixels.
      dataset.images.forEach((image, index) => (values[index] = image[field] > 0 ? image[field] : NaN));
    } else if (field === 'boxes') {
      for (const box of dataset.groundTruth) values[box.imageIndex]++;
    } else {
      for (const p of evaluationState.run?.predictions ?? []) {
        if (p.score >= evaluationState.scoreThreshold) values[p.imageIndex]++;
      }
    }
    return values;
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
