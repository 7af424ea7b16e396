/**
 * The one filter language every view shares. Chart clicks, search, Autotag, label issues and the query
 * bar all produce a `Filter`, which prints to (and parses from) the query text that lives in the URL
 * (`?q=`), so any view can be shared as a link to a colleague with the same folder.
 *
 * The text is a query (grammar in `query/parse.ts`): terms combined with AND (or just a space), OR,
 * NOT and parentheses; NOT binds tighter than AND, AND tighter than OR; keywords in any case.
 * `gt:truck AND pred:bus AND iou < 0.5`, `tag:night >= 0.7 AND NOT reviewed`,
 * `(class:a OR class:b) NOT path:x`. A value with spaces, quotes, parentheses, `/`, `,`, `:` or
 * `<>=!` is double-quoted (`class:"traffic light"`). Fields:
 *
 * - `class:person`, `gt:person`, `pred:person`  a box of that class: either side, ground truth, or a
 *                           prediction of the current run above the score threshold
 * - `cell:truck/bus`        confusion cell: ground truth truck matched by a prediction of bus; `cell:-/car`
 *                           predictions of car matching no ground truth, `cell:truck/-` missed trucks
 * - `match:fp`              a box of this match status (class-aware): `tp`, `fp` (unmatched prediction),
 *                           `fn` (missed ground truth)
 * - `iou<0.5`, `score>=0.8` boxes by IoU (a match's, or an unmatched prediction's best overlap) or score
 *                           (`<`, `<=`, `>`, `>=`)
 * - `issue:swapped`         a box flagged for this label-issue kind (`overlooked`, `swapped`, `located`,
 *                           `unsupported`, `any`) at the Label issues page's threshold, or `issue:swapped>=0.6`;
 *                           `issue:label`: a classification label confident learning flags (`issue:label>=0.6`:
 *                           issue score 1 − label quality at least 0.6)
 * - `tag:night`             an Autotag tag at or above its saved threshold, `tag:night>=0.7` at a bound;
 *                           a name no Autotag tag has is a manual tag (no score, so no comparison)
 * - `slice:name`            images in a slice
 * - `reviewed`              the image has a decision (what the progress line counts);
 *                           `review:accepted|rejected|unreviewed` (which one); `edited` (an edited, added or deleted box);
 *                           `comment` (a comment on the image or one of its boxes)
 * - `path:night`            relative path contains the text (case-insensitive)
 * - `width`, `height`       displayed size in pixels; `boxes` ground-truth boxes; `preds` predictions of
 *                           the current run above the score threshold: `boxes = 0`, `width >= 1024`
 *                           (`<`, `<=`, `>`, `>=`, `=`, `!=`)
 * - `dup`, `dup:0.98`       in a near-duplicate group (cosine ≥ threshold to another image, transitively)
 * - ranking terms, which order the result instead of narrowing it (the last one wins):
 *   `similar:a.jpg,b.jpg/c.jpg` (cosine to the mean of the examples, negatives after the slash),
 *   `text:"a red bus"`, `sort:quality|loss|overlooked|swapped|located|unsupported|disagree|unique`.
 *
 * A `Filter` is the query's top-level AND: its plain terms as typed `FilterTerm`s (what chart clicks
 * and search add, replace and remove) plus its other children (OR, NOT, parenthesised groups) as query
 * syntax trees. Ranking terms may only be plain terms of that AND: a ranking inside OR or NOT means
 * nothing, so it is a syntax error pointing at the term.
 *
 * `match:`, `iou` and `score` select boxes: in one AND, together with that AND's first `class:`, `gt:`
 * or `pred:` term, they form one box query, and an image passes when one of its boxes passes all of
 * them (`match:fp pred:car`: an unmatched car prediction).
 *
 * Known shortcoming: an `issue:` term inside OR / NOT / parentheses ignores the class terms beside it
 * (at the top level, `issue:swapped gt:car` flags car boxes only); inside a group it flags any class.
 */

import { printQuery, type Comparison, type QueryNode, type QueryTerm } from './query/ast';
import { parseQuery, QuerySyntaxError } from './query/parse';
import { FilterSyntaxError, toFilterTerm, toQueryTerm } from './filterTerms';
import { imagesOfGroup, termTest, type FilterContext, type ImageTest } from './filterFields';

export { FilterSyntaxError } from './filterTerms';
export { DEFAULT_DUPLICATE_THRESHOLD, FilterValueError, type FilterContext } from './filterFields';

export type FilterTerm =
  | { kind: 'class'; name: string }
  | { kind: 'gt'; name: string }
  | { kind: 'pred'; name: string }
  | { kind: 'cell'; groundTruth: string | null; prediction: string | null }
  | { kind: 'path'; contains: string }
  | { kind: 'similar'; paths: string[]; negatives?: string[] }
  | { kind: 'text'; query: string }
  | { kind: 'tag'; name: string; bound: TagBound | null }
  | { kind: 'sort'; key: SortKey }
  | { kind: 'issue'; issue: IssueFilterKind; bound: TagBound | null }
  | { kind: 'dup'; threshold: number | null }
  | { kind: 'match'; status: MatchFilterStatus }
  | { kind: 'iou' | 'score'; op: TagComparison; value: number }
  | { kind: 'slice'; name: string }
  | { kind: 'reviewed' | 'edited' | 'comment' }
  | { kind: 'review'; state: ReviewFilterState }
  | { kind: MetadataField; op: Comparison; value: number };

/** Gallery orders of a `sort:` term; `quality` puts the lowest first, the others the highest. */
export type SortKey =
  'unique' | 'quality' | 'loss' | 'overlooked' | 'swapped' | 'located' | 'unsupported' | 'disagree';

/** Label-issue kind of an `issue:` term (`located`: badly located; `any`: any of the three). */
export type IssueFilterKind = 'overlooked' | 'swapped' | 'located' | 'unsupported' | 'label' | 'any';

/** Match status of a box in a `match:` term. */
export type MatchFilterStatus = 'tp' | 'fp' | 'fn';

/** An image's own review decision, for `review:`. */
export type ReviewFilterState = 'accepted' | 'rejected' | 'unreviewed';

/** Numeric image fields: displayed size in pixels, ground-truth boxes, predictions above the score threshold. */
export type MetadataField = 'width' | 'height' | 'boxes' | 'preds';

/** A `match:`, `iou` or `score` term: one that selects boxes rather than images. */
export type SampleTerm = Extract<FilterTerm, { kind: 'match' | 'iou' | 'score' }>;

/** Sample terms plus the class term they combine with, as one box query. */
export interface SampleQuery {
  terms: SampleTerm[];
  /** The filter's `class:`/`gt:`/`pred:` term, if any: boxes must be of that class (and side). */
  classTerm: Extract<FilterTerm, { kind: 'class' | 'gt' | 'pred' }> | null;
}

/** A comparison against a tag's score; a tag term without one means `>=` the tag's saved threshold. */
export interface TagBound {
  op: TagComparison;
  value: number;
}

export type TagComparison = '>=' | '>' | '<' | '<=';

/** A query's top-level AND: typed plain terms, and the other children as syntax trees. */
export interface Filter {
  terms: FilterTerm[];
  /** OR, NOT and parenthesised children of the top-level AND; their leaves are checked terms. */
  groups?: readonly QueryNode[];
}

/** The empty filter: every image, in path order. */
export const EMPTY_FILTER: Filter = { terms: [] };

/** The filter's box query, or null when it has no sample term. */
export function sampleQuery(filter: Filter): SampleQuery | null {
  const terms = filter.terms.filter(isSampleTerm);
  if (terms.length === 0) return null;
  return { terms, classTerm: issueClassTerm(filter) };
}

export function isSampleTerm(term: FilterTerm): term is SampleTerm {
  return term.kind === 'match' || term.kind === 'iou' || term.kind === 'score';
}

/** The `class:`/`gt:`/`pred:` term an `issue:` term restricts its flagged boxes to, if any. */
export function issueClassTerm(filter: Filter): SampleQuery['classTerm'] {
  return (
    (filter.terms.find((t) => t.kind === 'class' || t.kind === 'gt' || t.kind === 'pred') as
      SampleQuery['classTerm'] | undefined) ?? null
  );
}

/**
 * Prints a filter as query text (the inverse of `parseFilter`): plain terms separated by spaces (an
 * implicit AND, as the filter text has always been written), then the groups.
 */
export function printFilter(filter: Filter): string {
  const terms = filter.terms.map((term) => printQuery(toQueryTerm(term)));
  // A query that is one OR needs no parentheses around it.
  if (terms.length === 0 && filter.groups?.length === 1) return printQuery(filter.groups[0]);
  const groups = (filter.groups ?? []).map(printGroup);
  return [...terms, ...groups].join(' ');
}

/** One child of the top-level AND as text: an OR or AND in parentheses, so it stays one child. */
export function printGroup(node: QueryNode): string {
  return node.kind === 'or' || node.kind === 'and' ? `(${printQuery(node)})` : printQuery(node);
}

/** The query tree of a whole filter (null for the empty filter). */
export function filterQuery(filter: Filter): QueryNode | null {
  const children: QueryNode[] = [...filter.terms.map(toQueryTerm), ...(filter.groups ?? [])];
  if (children.length <= 1) return children[0] ?? null;
  return { kind: 'and', children, span: { start: 0, end: 0 } };
}

/**
 * Parses query text into a filter, checking every term against its field.
 * @throws FilterSyntaxError naming the character position, what was expected and what was found.
 */
export function parseFilter(text: string): Filter {
  let query: QueryNode | null;
  try {
    query = parseQuery(text);
  } catch (error) {
    if (!(error instanceof QuerySyntaxError)) throw error;
    throw new FilterSyntaxError(text, error.position, error.expected, error.found, error.end);
  }
  if (query === null) return { terms: [] };

  const terms: FilterTerm[] = [];
  const groups: QueryNode[] = [];
  for (const child of query.kind === 'and' ? query.children : [query]) {
    if (child.kind === 'term') terms.push(toFilterTerm(child, text));
    else groups.push(checkGroup(child, text));
  }
  return groups.length > 0 ? { terms, groups } : { terms };
}

/** Every leaf of a group must be a valid term, and none may rank: a ranking orders the whole result. */
function checkGroup(node: QueryNode, text: string): QueryNode {
  for (const leaf of queryTerms(node)) {
    const term = toFilterTerm(leaf, text);
    if (isRanking(term.kind)) {
      throw new FilterSyntaxError(
        text,
        leaf.span.start,
        `no ${leaf.field}: inside OR, NOT or parentheses (a ranking orders the whole result: AND it at the top level)`,
        JSON.stringify(text.slice(leaf.span.start, leaf.span.end)),
        leaf.span.end,
      );
    }
  }
  return node;
}

/** The leaves of a query tree, in text order. */
export function queryTerms(node: QueryNode): QueryTerm[] {
  if (node.kind === 'term') return [node];
  if (node.kind === 'not') return queryTerms(node.child);
  return node.children.flatMap(queryTerms);
}

/** Every term of the filter, plain and inside groups: what must be computed before it can apply. */
export function allTerms(filter: Filter): FilterTerm[] {
  const nested = (filter.groups ?? []).flatMap(queryTerms).map((leaf) => toFilterTerm(leaf, ''));
  return [...filter.terms, ...nested];
}

/**
 * The images a filter selects, in display order: by ranking score (descending, `sort:quality`
 * ascending) if it ranks, else by index.
 * @throws FilterValueError when a term cannot apply to this dataset (a comparison on a manual tag).
 */
export function applyFilter(filter: Filter, context: FilterContext): Int32Array {
  const tests: ImageTest[] = [];
  const classTerm = issueClassTerm(filter);
  for (const term of filter.terms) {
    // Sample terms narrow together below; ranking terms do not narrow.
    if (isSampleTerm(term) || isRanking(term.kind)) continue;
    tests.push(termTest(term, context, classTerm));
  }
  const samples = sampleQuery(filter);
  if (samples) {
    const set = context.imagesWithSamples?.(samples) ?? new Set<number>();
    tests.push((image) => set.has(image));
  }
  for (const group of filter.groups ?? []) {
    const mask = imagesOfGroup(group, context);
    tests.push((image) => mask[image] === 1);
  }

  const keep: number[] = [];
  for (let image = 0; image < context.imageCount; image++) {
    if (tests.every((test) => test(image))) keep.push(image);
  }

  const rankingTerm = filter.terms.findLast((term) => isRanking(term.kind));
  const scores = !rankingTerm
    ? null
    : rankingTerm.kind === 'sort'
      ? rankingTerm.key === 'unique'
        ? (context.uniqueness?.() ?? null)
        : (context.sortScores?.(rankingTerm.key) ?? null)
      : context.ranking(rankingTerm as Extract<FilterTerm, { kind: 'similar' | 'text' }>);
  if (scores) {
    // `sort:quality` puts the lowest quality first: sort its negation (NaN stays last either way).
    const sign = rankingTerm?.kind === 'sort' && rankingTerm.key === 'quality' ? -1 : 1;
    const score = (image: number) => (Number.isNaN(scores[image]) ? -Infinity : sign * scores[image]);
    keep.sort((a, b) => score(b) - score(a) || a - b);
  }
  return Int32Array.from(keep);
}

/** Replaces terms of the same kind (one class, one cell, one ranking at a time) and appends the new one. */
export function withTerm(filter: Filter, term: FilterTerm): Filter {
  // A lower and an upper bound on the same field live side by side (`iou>=0.6 iou<0.65`: a histogram bin).
  const lower = (t: FilterTerm) => 'op' in t && t.op.startsWith('>');
  const bounds = (other: FilterTerm) =>
    'op' in term && other.kind === term.kind && lower(other) !== lower(term);
  const same = (other: FilterTerm) =>
    (other.kind === term.kind && !bounds(other)) || (isRanking(other.kind) && isRanking(term.kind));
  return { ...filter, terms: [...filter.terms.filter((other) => !same(other)), term] };
}

/** The filter without its i-th plain term. */
export function withoutTerm(filter: Filter, index: number): Filter {
  return { ...filter, terms: filter.terms.filter((_, i) => i !== index) };
}

/** The filter without its i-th group. */
export function withoutGroup(filter: Filter, index: number): Filter {
  const groups = (filter.groups ?? []).filter((_, i) => i !== index);
  return groups.length > 0 ? { terms: filter.terms, groups } : { terms: filter.terms };
}

/** Terms that order the gallery rather than narrow it; the last one in a filter wins. */
export function isRanking(kind: FilterTerm['kind']): boolean {
  return kind === 'similar' || kind === 'text' || kind === 'sort';
}
