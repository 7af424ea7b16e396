/**
 * The one filter language every view shares. A filter is a list of terms, all of which must hold
 * (AND); ranking terms (`similar:`, `text:`) order the result instead of narrowing it. Chart clicks,
 * search and the query bar all produce this value, and it prints to (and parses from) the text that
 * lives in the URL, so any view can be shared as a link.
 *
 * Text form, terms separated by spaces; a name with spaces, quotes or slashes is double-quoted:
 * - `class:person`          images with a ground-truth or predicted box of class person
 * - `gt:person`             images with a ground-truth label of class person
 * - `pred:person`           images with a prediction of class person (above the score threshold)
 * - `cell:truck/bus`        confusion cell: ground truth truck matched by a prediction of bus
 * - `cell:-/car`            predictions of car that match no ground truth ("no ground truth" row)
 * - `cell:truck/-`          ground-truth trucks that no prediction matched ("no prediction" column)
 * - `path:night`            relative path contains the text
 * - `similar:a.jpg,b.jpg`   rank by cosine similarity to the mean embedding of these images
 * - `similar:a.jpg/c.jpg`   the same, pushed away from negative examples (after the slash)
 * - `text:"a red bus"`      rank by similarity to the text's embedding
 * - `tag:night`             images an Autotag tag scores at or above the tag's saved threshold
 * - `tag:night>=0.7`        images the tag scores at or above 0.7 (also `>`, `<`, `<=`; scores in [0, 1])
 * - `sort:unique`           rank by uniqueness (1 − mean cosine to the nearest neighbours), most unique first
 * - `sort:quality`          rank by label-quality score of the current run, lowest (likeliest label errors) first;
 *                           `sort:overlooked`, `sort:swapped`, `sort:located`: by the image's strongest issue of
 *                           that kind; `sort:loss`: by detection loss against ground truth (labelQuality/loss.ts);
 *                           `sort:disagree`: by the model's highest score where it contradicts the ground truth
 * - `issue:overlooked`      images with a box flagged for this label-issue kind (also `swapped`, `located`, `any`)
 *                           at or above the Label issues page's threshold; `issue:swapped>=0.6` with an explicit
 *                           bound (also `>`, `<`, `<=`). With a `class:`/`gt:`/`pred:` term, the flagged box must
 *                           be of that class (either side). The flagged boxes are highlighted.
 * - `dup`, `dup:0.98`       images in a near-duplicate group: cosine ≥ 0.98 to another image, transitively
 *                           (bare `dup`: `DEFAULT_DUPLICATE_THRESHOLD`)
 *
 * - `match:fp`              images with a box of this match status under the current evaluation (IoU and
 *                           score thresholds, class-aware): `tp` (matched prediction or ground truth), `fp`
 *                           (unmatched prediction), `fn` (missed ground truth)
 * - `iou<0.5`               boxes whose IoU is below 0.5 (also `<=`, `>`, `>=`): a match's IoU, or for an
 *                           unmatched prediction its best overlap with any ground truth
 * - `score>=0.8`            predictions scoring at least 0.8 (also `<`, `<=`, `>`)
 *
 * `match:`, `iou` and `score` are *sample* terms: together with a `class:`, `gt:` or `pred:` term they
 * select boxes, and an image passes when one of its boxes passes all of them (`match:fp pred:car`: an
 * unmatched car prediction, not any false positive in an image that has a car).
 *
 * Known shortcoming: only AND of terms; OR, NOT, comparisons and parentheses arrive with the query bar.
 */

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
  | { kind: 'iou' | 'score'; op: TagComparison; value: number };

/** Gallery orders of a `sort:` term; `quality` puts the lowest first, the others the highest. */
export type SortKey = 'unique' | 'quality' | 'loss' | 'overlooked' | 'swapped' | 'located' | 'disagree';

/** Label-issue kind of an `issue:` term (`located`: badly located; `any`: any of the three). */
export type IssueFilterKind = 'overlooked' | 'swapped' | 'located' | 'any';

/** Match status of a box in a `match:` term. */
export type MatchFilterStatus = 'tp' | 'fp' | 'fn';

/** A `match:`, `iou` or `score` term: one that selects boxes rather than images. */
export type SampleTerm = Extract<FilterTerm, { kind: 'match' | 'iou' | 'score' }>;

/** Sample terms plus the class term they combine with, as one box query. */
export interface SampleQuery {
  terms: SampleTerm[];
  /** The filter's `class:`/`gt:`/`pred:` term, if any: boxes must be of that class (and side). */
  classTerm: Extract<FilterTerm, { kind: 'class' | 'gt' | 'pred' }> | null;
}

/** The filter's box query, or null when it has no sample term. */
export function sampleQuery(filter: Filter): SampleQuery | null {
  const terms = filter.terms.filter(
    (t): t is SampleTerm => t.kind === 'match' || t.kind === 'iou' || t.kind === 'score',
  );
  if (terms.length === 0) return null;
  const classTerm =
    (filter.terms.find((t) => t.kind === 'class' || t.kind === 'gt' || t.kind === 'pred') as
      SampleQuery['classTerm'] | undefined) ?? null;
  return { terms, classTerm };
}

/** The `class:`/`gt:`/`pred:` term an `issue:` term restricts its flagged boxes to, if any. */
export function issueClassTerm(filter: Filter): SampleQuery['classTerm'] {
  return (
    (filter.terms.find((t) => t.kind === 'class' || t.kind === 'gt' || t.kind === 'pred') as
      SampleQuery['classTerm'] | undefined) ?? null
  );
}

/** Cosine similarity at or above which a bare `dup` term calls two images near duplicates. */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.95;

/** A comparison against a tag's score; a tag term without one means `>=` the tag's saved threshold. */
export interface TagBound {
  op: TagComparison;
  value: number;
}

export type TagComparison = '>=' | '>' | '<' | '<=';

export interface Filter {
  terms: FilterTerm[];
}

export class FilterSyntaxError extends Error {
  constructor(
    readonly text: string,
    readonly position: number,
    readonly expected: string,
  ) {
    super(`invalid filter at character ${position + 1} of ${JSON.stringify(text)}: expected ${expected}`);
    this.name = 'FilterSyntaxError';
  }
}

/** The empty filter: every image, in path order. */
export const EMPTY_FILTER: Filter = { terms: [] };

/** Prints a filter in its text form (the inverse of `parseFilter`). */
export function printFilter(filter: Filter): string {
  return filter.terms.map(printTerm).join(' ');
}

function printTerm(term: FilterTerm): string {
  switch (term.kind) {
    case 'class':
    case 'gt':
    case 'pred':
      return `${term.kind}:${quote(term.name)}`;
    case 'cell':
      return `cell:${term.groundTruth === null ? '-' : quote(term.groundTruth)}/${term.prediction === null ? '-' : quote(term.prediction)}`;
    case 'path':
      return `path:${quote(term.contains)}`;
    case 'similar':
      return `similar:${term.paths.map(quote).join(',')}${term.negatives?.length ? `/${term.negatives.map(quote).join(',')}` : ''}`;
    case 'text':
      return `text:${quote(term.query)}`;
    case 'tag':
      return `tag:${quoteTagName(term.name)}${term.bound ? `${term.bound.op}${term.bound.value}` : ''}`;
    case 'sort':
      return `sort:${term.key}`;
    case 'issue':
      return `issue:${term.issue}${term.bound ? `${term.bound.op}${term.bound.value}` : ''}`;
    case 'dup':
      return term.threshold === null ? 'dup' : `dup:${term.threshold}`;
    case 'match':
      return `match:${term.status}`;
    case 'iou':
    case 'score':
      return `${term.kind}${term.op}${term.value}`;
  }
}

/** Like `quote`, and a tag name also needs quotes when it holds a comparison character. */
function quoteTagName(name: string): string {
  return /[<>=]/.test(name) ? JSON.stringify(name) : quote(name);
}

function quote(value: string): string {
  return /^[^\s"/,:-][^\s"/,:]*$/.test(value) ? value : JSON.stringify(value);
}

/** Parses the text form; throws `FilterSyntaxError` pointing at the first bad character. */
export function parseFilter(text: string): Filter {
  const reader = new Reader(text);
  const terms: FilterTerm[] = [];
  reader.skipSpaces();
  while (!reader.done()) {
    terms.push(readTerm(reader));
    if (!reader.done() && !/\s/.test(reader.peek())) {
      throw new FilterSyntaxError(text, reader.position, 'a space before the next term');
    }
    reader.skipSpaces();
  }
  return { terms };
}

function readTerm(reader: Reader): FilterTerm {
  const start = reader.position;
  const key = reader.readWord();
  if ((key === 'iou' || key === 'score') && /[<>]/.test(reader.peek())) return readBound(reader, key);
  if (key === 'dup' && reader.peek() !== ':') return { kind: 'dup', threshold: null };
  reader.expect(':', 'a colon after the field name');
  switch (key) {
    case 'class':
    case 'gt':
    case 'pred':
      return { kind: key, name: reader.readValue() };
    case 'path':
      return { kind: 'path', contains: reader.readValue() };
    case 'text':
      return { kind: 'text', query: reader.readValue() };
    case 'cell': {
      const groundTruth = reader.readValueOrNone();
      reader.expect('/', 'a slash between the ground-truth and the predicted class');
      return { kind: 'cell', groundTruth, prediction: reader.readValueOrNone() };
    }
    case 'similar': {
      const paths = readList(reader);
      if (reader.peek() !== '/') return { kind: 'similar', paths };
      reader.position++;
      return { kind: 'similar', paths, negatives: readList(reader) };
    }
    case 'tag':
      return readTag(reader);
    case 'sort':
      return {
        kind: 'sort',
        key: reader.readMatch(
          /^(unique|quality|loss|overlooked|swapped|located|disagree)\b/,
          'quality, loss, overlooked, swapped, located, disagree or unique after sort:',
        ) as SortKey,
      };
    case 'issue':
      return readIssue(reader);
    case 'dup':
      return {
        kind: 'dup',
        threshold: Number(
          reader.readMatch(/^-?(\d+\.?\d*|\.\d+)/, 'a cosine threshold after dup:, such as 0.98'),
        ),
      };
    case 'match': {
      const status = reader.readMatch(/^(tp|fp|fn)\b/, 'tp, fp or fn after match:');
      return { kind: 'match', status: status as MatchFilterStatus };
    }
    default:
      throw new FilterSyntaxError(
        reader.text,
        start,
        'one of class, gt, pred, cell, path, similar, text, tag',
      );
  }
}

/** `iou<0.5`, `score>=0.8`: a comparison and a decimal number right after the field name. */
function readBound(reader: Reader, kind: 'iou' | 'score'): FilterTerm {
  const op = reader.readMatch(/^(>=|<=|>|<)/, 'a comparison: <, <=, > or >=') as TagComparison;
  const number = reader.readMatch(
    /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i,
    `a number after ${kind}${op}, such as 0.5`,
  );
  return { kind, op, value: Number(number) };
}

/** `issue:swapped`, then optionally a comparison and a score in [0, 1]: `issue:swapped>=0.6`. */
function readIssue(reader: Reader): FilterTerm {
  const issue = reader.readMatch(
    /^(overlooked|swapped|located|any)\b/,
    'overlooked, swapped, located or any after issue:',
  ) as IssueFilterKind;
  const op = /^(>=|<=|>|<)/.exec(reader.text.slice(reader.position))?.[0] as TagComparison | undefined;
  if (!op) return { kind: 'issue', issue, bound: null };
  reader.position += op.length;
  const number = reader.readMatch(/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i, `a score after ${op}, such as 0.6`);
  return { kind: 'issue', issue, bound: { op, value: Number(number) } };
}

/** One or more comma-separated values. */
function readList(reader: Reader): string[] {
  const values = [reader.readValue()];
  while (reader.peek() === ',') {
    reader.position++;
    values.push(reader.readValue());
  }
  return values;
}

/** `name`, `"quoted name"`, then optionally a comparison and a decimal number. */
function readTag(reader: Reader): FilterTerm {
  const name = reader.peek() === '"' ? reader.readValue() : reader.readMatch(/^[^\s"/,:<>=]+/, 'a tag name');
  const op = /^(>=|<=|>|<)/.exec(reader.text.slice(reader.position))?.[0] as TagComparison | undefined;
  if (!op) return { kind: 'tag', name, bound: null };
  reader.position += op.length;
  const number = reader.readMatch(/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i, `a number after ${op}, such as 0.7`);
  return { kind: 'tag', name, bound: { op, value: Number(number) } };
}

class Reader {
  position = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  skipSpaces(): void {
    while (/\s/.test(this.peek())) this.position++;
  }

  expect(char: string, expected: string): void {
    if (this.peek() !== char) throw new FilterSyntaxError(this.text, this.position, expected);
    this.position++;
  }

  readWord(): string {
    const match = /^[a-z]+/.exec(this.text.slice(this.position));
    if (!match) throw new FilterSyntaxError(this.text, this.position, 'a field name such as class or cell');
    this.position += match[0].length;
    return match[0];
  }

  /** Reads text matching `pattern` (anchored with ^) or throws naming what was `expected`. */
  readMatch(pattern: RegExp, expected: string): string {
    const match = pattern.exec(this.text.slice(this.position));
    if (!match) throw new FilterSyntaxError(this.text, this.position, expected);
    this.position += match[0].length;
    return match[0];
  }

  readValueOrNone(): string | null {
    if (this.peek() === '-') {
      this.position++;
      return null;
    }
    return this.readValue();
  }

  readValue(): string {
    if (this.peek() === '"') return this.readQuoted();
    const match = /^[^\s"/,:]+/.exec(this.text.slice(this.position));
    if (!match) throw new FilterSyntaxError(this.text, this.position, 'a value (quote it if it has spaces)');
    this.position += match[0].length;
    return match[0];
  }

  private readQuoted(): string {
    const start = this.position;
    let end = start + 1;
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
    if (end >= this.text.length) throw new FilterSyntaxError(this.text, start, 'a closing double quote');
    this.position = end + 1;
    try {
      return JSON.parse(this.text.slice(start, end + 1)) as string;
    } catch {
      throw new FilterSyntaxError(this.text, start, 'a valid quoted string');
    }
  }
}

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

/** The images a filter selects, in display order: by ranking score (descending) if it ranks, else by index. */
export function applyFilter(filter: Filter, context: FilterContext): Int32Array {
  const keep: number[] = [];
  const sets = filter.terms.map((term) => narrowing(term, context));
  // Sample terms narrow together, as one box query (see `sampleQuery`).
  const samples = sampleQuery(filter);
  if (samples) {
    const set = context.imagesWithSamples?.(samples) ?? new Set<number>();
    sets.push((image) => set.has(image));
  }
  // Issue terms narrow to images with a flagged box, of the class term's class when there is one.
  for (const term of filter.terms) {
    if (term.kind !== 'issue') continue;
    const set = context.issueImages?.(term.issue, term.bound, issueClassTerm(filter)) ?? null;
    sets.push((image) => set?.has(image) ?? false);
  }
  for (let image = 0; image < context.imageCount; image++) {
    if (sets.every((set) => set === null || set(image))) keep.push(image);
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

function narrowing(term: FilterTerm, context: FilterContext): ((image: number) => boolean) | null {
  switch (term.kind) {
    case 'class':
    case 'gt':
    case 'pred': {
      const set = context.imagesWithClass(term.name, term.kind === 'class' ? 'any' : term.kind);
      return (image) => set.has(image);
    }
    case 'cell': {
      const set = context.imagesInCell(term.groundTruth, term.prediction);
      return (image) => set.has(image);
    }
    case 'path': {
      const needle = term.contains.toLowerCase();
      return (image) => context.paths[image].toLowerCase().includes(needle);
    }
    case 'tag':
      return tagNarrowing(term, context);
    case 'dup': {
      const set = context.duplicateImages?.(term.threshold ?? DEFAULT_DUPLICATE_THRESHOLD) ?? null;
      return (image) => set?.has(image) ?? false;
    }
    default:
      return null;
  }
}

function tagNarrowing(
  term: Extract<FilterTerm, { kind: 'tag' }>,
  context: FilterContext,
): (image: number) => boolean {
  const tag = context.tagScores?.(term.name) ?? null;
  if (!tag) return () => false;
  const { op, value: typed } = term.bound ?? { op: '>=', value: tag.threshold };
  // Scores are float32: compare against the float32 nearest the typed number, or `>=0.7` would miss 0.7f.
  const value = Math.fround(typed);
  const scores = tag.scores;
  // NaN compares false everywhere, so an unscored image never matches, whichever the comparison.
  switch (op) {
    case '>=':
      return (image) => scores[image] >= value;
    case '>':
      return (image) => scores[image] > value;
    case '<':
      return (image) => scores[image] < value;
    case '<=':
      return (image) => scores[image] <= value;
  }
}

/** Replaces terms of the same kind (one class, one cell, one ranking at a time) and appends the new one. */
export function withTerm(filter: Filter, term: FilterTerm): Filter {
  const ranking = isRanking;
  // A lower and an upper bound on the same field live side by side (`iou>=0.6 iou<0.65`: a histogram bin).
  const lower = (t: FilterTerm) => 'op' in t && t.op.startsWith('>');
  const bounds = (other: FilterTerm) =>
    (term.kind === 'iou' || term.kind === 'score') &&
    other.kind === term.kind &&
    lower(other) !== lower(term);
  const same = (other: FilterTerm) =>
    (other.kind === term.kind && !bounds(other)) || (ranking(other.kind) && ranking(term.kind));
  return { terms: [...filter.terms.filter((other) => !same(other)), term] };
}

/** The filter without its i-th term. */
export function withoutTerm(filter: Filter, index: number): Filter {
  return { terms: filter.terms.filter((_, i) => i !== index) };
}

/** Terms that order the gallery rather than narrow it; the last one in a filter wins. */
function isRanking(kind: FilterTerm['kind']): boolean {
  return kind === 'similar' || kind === 'text' || kind === 'sort';
}
