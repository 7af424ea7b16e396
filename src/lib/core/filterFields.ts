/**
 * What each filter field selects: one image test per typed term, and the evaluation of OR / NOT
 * groups over those tests (set algebra in `query/evaluate.ts`). The dataset-specific answers come from
 * a `FilterContext` the state layer provides; an optional callback that is missing makes its field
 * match nothing, so a view without reviews, slices or issues still accepts every query.
 */

import type { QueryNode, QueryTerm } from './query/ast';
import { compare, evaluateQuery, type QueryContext } from './query/evaluate';
import type {
  FilterTerm,
  IssueFilterKind,
  MetadataField,
  SampleQuery,
  SampleTerm,
  SortKey,
  TagBound,
} from './filter';
import { FILTER_FIELDS, toFilterTerm } from './filterTerms';

/** Cosine similarity at or above which a bare `dup` term calls two images near duplicates. */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.95;

/** Which images a review callback is asked for. */
export type ReviewImageKind = 'reviewed' | 'accepted' | 'rejected' | 'unreviewed' | 'edited' | 'commented';

/** What applying a filter needs to know about the dataset; provided by the state layer. */
export interface FilterContext {
  imageCount: number;
  paths: readonly string[];
  /**
   * Images with a label of this class: ground truth, predictions (of the current run, above the
   * score threshold) or either. An empty set for unknown names.
   */
  imagesWithClass(name: string, side: 'any' | 'gt' | 'pred'): ReadonlySet<number>;
  /** Images behind a confusion-matrix cell under the current evaluation settings. */
  imagesInCell(groundTruth: string | null, prediction: string | null): ReadonlySet<number>;
  /** Similarity score per image (NaN where unknown), for a ranking term; null until it is computed. */
  ranking(term: Extract<FilterTerm, { kind: 'similar' | 'text' }>): Float32Array | null;
  /** Images with a box passing the box query (see `sampleQuery`); without it, sample terms match nothing. */
  imagesWithSamples?(query: SampleQuery): ReadonlySet<number>;
  /**
   * A saved Autotag tag's score per image in [0, 1] (NaN: unscored; for an object tag, the best box
   * of the image) and its threshold; null for an unknown tag, which then matches no image.
   */
  tagScores?(name: string): { scores: Float32Array; threshold: number } | null;
  /** Images carrying a manual tag; null when no manual tag has the name. Asked when `tagScores` is null. */
  manualTagImages?(name: string): ReadonlySet<number> | null;
  /** Images in a slice; null for an unknown slice (matches nothing). */
  sliceImages?(name: string): ReadonlySet<number> | null;
  /** Images by review state (`reviewed`, `review:`, `edited`, `comment`). */
  reviewImages?(kind: ReviewImageKind): ReadonlySet<number>;
  /**
   * Per-image values of a numeric field, by image index (pixels for `width`/`height`, counts for
   * `boxes`/`preds`); NaN where unknown, which no comparison matches.
   */
  imageValues?(field: MetadataField): ArrayLike<number> | null;
  /** Uniqueness per image (NaN: no vector), for `sort:unique`; null until computed. */
  uniqueness?(): Float32Array | null;
  /**
   * Images with a box flagged for a label-issue kind under `bound` (null: the user's threshold), of
   * the class term's class when one is given; null until the issues are computed (matches nothing).
   */
  issueImages?(
    issue: IssueFilterKind,
    bound: TagBound | null,
    classTerm: SampleQuery['classTerm'],
  ): ReadonlySet<number> | null;
  /** Per-image scores of a label-quality `sort:` key (NaN: unscored); null until computed. */
  sortScores?(key: Exclude<SortKey, 'unique'>): Float64Array | Float32Array | null;
  /** Images in a near-duplicate group at a cosine threshold; null until computed (matches nothing). */
  duplicateImages?(threshold: number): ReadonlySet<number> | null;
}

/** A term that parses but cannot apply to this dataset, such as a comparison on a manual tag. */
export class FilterValueError extends Error {
  constructor(
    readonly term: FilterTerm,
    /** The term as written in the filter text, so the query bar can underline it. */
    readonly written: string,
    readonly expected: string,
  ) {
    super(`${written}: expected ${expected}`);
    this.name = 'FilterValueError';
  }
}

export type ImageTest = (image: number) => boolean;

const NOTHING: ImageTest = () => false;
const inSet = (set: ReadonlySet<number> | null | undefined): ImageTest =>
  set ? (image) => set.has(image) : NOTHING;

/**
 * The test an image must pass for one narrowing term. Ranking terms pass every image.
 * @param classTerm - the class term an `issue:` term restricts its flagged boxes to, if any.
 * @throws FilterValueError for a comparison on a manual tag.
 */
export function termTest(
  term: FilterTerm,
  context: FilterContext,
  classTerm: SampleQuery['classTerm'],
): ImageTest {
  switch (term.kind) {
    case 'class':
    case 'gt':
    case 'pred':
      return inSet(context.imagesWithClass(term.name, term.kind === 'class' ? 'any' : term.kind));
    case 'cell':
      return inSet(context.imagesInCell(term.groundTruth, term.prediction));
    case 'path': {
      const needle = term.contains.toLowerCase();
      return (image) => context.paths[image].toLowerCase().includes(needle);
    }
    case 'tag':
      return tagTest(term, context);
    case 'dup':
      return inSet(context.duplicateImages?.(term.threshold ?? DEFAULT_DUPLICATE_THRESHOLD));
    case 'issue':
      return inSet(context.issueImages?.(term.issue, term.bound, classTerm));
    case 'match':
    case 'iou':
    case 'score':
      return inSet(context.imagesWithSamples?.({ terms: [term], classTerm: null }));
    case 'slice':
      return inSet(context.sliceImages?.(term.name));
    case 'reviewed':
    case 'edited':
      return inSet(context.reviewImages?.(term.kind));
    case 'comment':
      return inSet(context.reviewImages?.('commented'));
    case 'review':
      return inSet(context.reviewImages?.(term.state));
    case 'width':
    case 'height':
    case 'boxes':
    case 'preds': {
      const values = context.imageValues?.(term.kind);
      if (!values) return NOTHING;
      // NaN (unknown) matches no comparison, `!=` included.
      return (image) => !Number.isNaN(values[image]) && compare(values[image], term.op, term.value);
    }
    case 'similar':
    case 'text':
    case 'sort':
      return () => true;
  }
}

/** An Autotag tag by score; else a manual tag by membership; else nothing. */
function tagTest(term: Extract<FilterTerm, { kind: 'tag' }>, context: FilterContext): ImageTest {
  const tag = context.tagScores?.(term.name) ?? null;
  if (!tag) {
    const manual = context.manualTagImages?.(term.name) ?? null;
    if (manual && term.bound) {
      throw new FilterValueError(
        term,
        `tag:${term.name}${term.bound.op}${term.bound.value}`,
        `tag:${term.name} without a comparison: "${term.name}" is a manual tag, which has no score`,
      );
    }
    return inSet(manual);
  }
  const { op, value: typed } = term.bound ?? { op: '>=', value: tag.threshold };
  // Scores are float32: compare against the float32 nearest the typed number, or `>=0.7` would miss 0.7f.
  const value = Math.fround(typed);
  const scores = tag.scores;
  // NaN compares false everywhere, so an unscored image never matches, whichever the comparison.
  return (image) => compare(scores[image], op, value);
}

/**
 * The images an OR / NOT / parenthesised group selects, one byte per image (1: selected). Its box
 * terms and the first class term of each AND form one box query, as at the top level.
 */
export function imagesOfGroup(node: QueryNode, context: FilterContext): Uint8Array {
  const typed = (term: QueryTerm) => toFilterTerm(term, '');
  const fields: QueryContext['fields'] = {};
  for (const field of FILTER_FIELDS) {
    fields[field] = (term) => matching(termTest(typed(term), context, null), context.imageCount);
  }
  const query: QueryContext = {
    imageCount: context.imageCount,
    fields,
    boxes: {
      fields: ['match', 'iou', 'score'],
      classFields: ['class', 'gt', 'pred'],
      evaluate: (terms) => {
        const all = terms.map(typed);
        const sampleTerms = all.filter(
          (t): t is SampleTerm => t.kind === 'match' || t.kind === 'iou' || t.kind === 'score',
        );
        const classTerm = (all.find((t) => !sampleTerms.includes(t as SampleTerm)) ??
          null) as SampleQuery['classTerm'];
        return context.imagesWithSamples?.({ terms: sampleTerms, classTerm }) ?? [];
      },
    },
  };
  const mask = new Uint8Array(context.imageCount);
  for (const image of evaluateQuery(node, query)) mask[image] = 1;
  return mask;
}

function* matching(test: ImageTest, imageCount: number): Iterable<number> {
  for (let image = 0; image < imageCount; image++) if (test(image)) yield image;
}
