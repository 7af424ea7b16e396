/**
 * The typed filter terms ↔ the query language's terms. The query parser knows no field names; this
 * module does: it checks each `QueryTerm` against its field (value count, allowed values, comparison,
 * number) and turns it into a `FilterTerm`, or prints a `FilterTerm` back as a `QueryTerm`.
 */

import type { Comparison, QueryAtom, QueryTerm, Span } from './query/ast';
import type {
  FilterTerm,
  IssueFilterKind,
  MatchFilterStatus,
  MetadataField,
  ReviewFilterState,
  SortKey,
  TagBound,
  TagComparison,
} from './filter';

/** A filter text that does not parse, or a value that does not fit its field. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly text: string,
    /** Position of the bad token (0-based, UTF-16 code units); `text.length` at the end. */
    readonly position: number,
    readonly expected: string,
    /** The bad token as written (`"shape"`), or `the end`; empty when not worth repeating. */
    readonly found: string = '',
    /** End of the bad token: `[position, end)` is what the query bar underlines. */
    readonly end: number = Math.min(text.length, position + 1),
  ) {
    super(
      `invalid filter at character ${position + 1} of ${JSON.stringify(text)}: expected ${expected}` +
        (found ? `, found ${found}` : ''),
    );
    this.name = 'FilterSyntaxError';
  }
}

export const SORT_KEYS: readonly SortKey[] = [
  'quality',
  'loss',
  'overlooked',
  'swapped',
  'located',
  'unsupported',
  'disagree',
  'unique',
];
export const ISSUE_KINDS: readonly IssueFilterKind[] = [
  'overlooked',
  'swapped',
  'located',
  'unsupported',
  'label',
  'any',
];
export const MATCH_STATUSES: readonly MatchFilterStatus[] = ['tp', 'fp', 'fn'];
export const REVIEW_STATES: readonly ReviewFilterState[] = ['accepted', 'rejected', 'unreviewed'];
export const METADATA_FIELDS: readonly MetadataField[] = ['width', 'height', 'boxes', 'preds'];

/** Every field of the language, in the order completion offers them. */
export const FILTER_FIELDS = [
  'class',
  'gt',
  'pred',
  'cell',
  'match',
  'iou',
  'score',
  'issue',
  'tag',
  'slice',
  'reviewed',
  'review',
  'edited',
  'comment',
  'path',
  'width',
  'height',
  'boxes',
  'preds',
  'dup',
  'similar',
  'text',
  'sort',
] as const;

const BOUND_OPS: readonly string[] = ['>=', '>', '<', '<='];

/**
 * The typed term a query term stands for.
 * @param text - the whole filter text, for the error's message.
 * @throws FilterSyntaxError naming the position and what the field expects.
 */
export function toFilterTerm(term: QueryTerm, text: string): FilterTerm {
  const check = new TermChecker(term, text);
  switch (term.field) {
    case 'class':
    case 'gt':
    case 'pred':
      return { kind: term.field, name: check.one('a class name') };
    case 'path':
      return { kind: 'path', contains: check.one('the text the path must contain') };
    case 'text':
      return { kind: 'text', query: check.one('a text to search for, such as text:"a red bus"') };
    case 'slice':
      return { kind: 'slice', name: check.one('a slice name') };
    case 'cell': {
      const [groundTruth, prediction] = check.cell();
      return { kind: 'cell', groundTruth, prediction };
    }
    case 'similar':
      return check.similar();
    case 'tag':
      return { kind: 'tag', name: check.one('a tag name', true), bound: check.bound(false) };
    case 'issue':
      return {
        kind: 'issue',
        issue: check.choice(
          ISSUE_KINDS,
          'overlooked, swapped, located, unsupported, label or any after issue:',
          true,
        ),
        bound: check.bound(false),
      };
    case 'sort':
      return {
        kind: 'sort',
        key: check.choice(
          SORT_KEYS,
          'quality, loss, overlooked, swapped, located, unsupported, disagree or unique after sort:',
        ),
      };
    case 'match':
      return { kind: 'match', status: check.choice(MATCH_STATUSES, 'tp, fp or fn after match:') };
    case 'review':
      return {
        kind: 'review',
        state: check.choice(REVIEW_STATES, 'accepted, rejected or unreviewed after review:'),
      };
    case 'dup':
      check.noComparison();
      return { kind: 'dup', threshold: term.value === null ? null : check.valueNumber() };
    case 'reviewed':
    case 'edited':
    case 'comment':
      check.bare();
      return { kind: term.field };
    case 'iou':
    case 'score': {
      const bound = check.bound(true)!;
      return { kind: term.field, op: bound.op, value: bound.value };
    }
    case 'width':
    case 'height':
    case 'boxes':
    case 'preds':
      return { kind: term.field, ...check.comparison() };
    default:
      throw new FilterSyntaxError(
        text,
        term.span.start,
        `one of ${FILTER_FIELDS.join(', ')}`,
        JSON.stringify(term.field),
        term.span.start + term.field.length,
      );
  }
}

/** Checks one term's shape against what its field expects; every method throws at the bad spot. */
class TermChecker {
  constructor(
    readonly term: QueryTerm,
    readonly text: string,
  ) {}

  fail(span: Span | undefined, expected: string): never {
    const at = span ?? { start: this.term.span.end, end: this.term.span.end };
    const found = at.end > at.start ? JSON.stringify(this.text.slice(at.start, at.end)) : '';
    throw new FilterSyntaxError(this.text, at.start, expected, found, at.end);
  }

  /** Right after the field name: where a missing `:value` belongs. */
  get afterField(): Span {
    const end = this.term.span.start + this.term.field.length;
    return { start: end, end };
  }

  /** The single value after the colon. */
  one(what: string, allowComparison = false): string {
    if (!allowComparison) this.noComparison();
    const parts = this.parts(`a colon and ${what} after ${this.term.field}`);
    if (parts.length > 1 || parts[0].length > 1) {
      const extra = parts.length > 1 ? parts[1][0] : parts[0][1];
      this.fail(extra.span, `one ${what} after ${this.term.field}: (quote a name holding / or ,)`);
    }
    return parts[0][0].text;
  }

  parts(expected: string): QueryAtom[][] {
    const parts = this.term.parts ?? this.term.value?.map((text) => [{ text, quoted: true }]);
    if (!parts) this.fail(this.afterField, expected);
    return parts;
  }

  /** `cell:truck/bus`: two single values; a bare `-` is "none". */
  cell(): [string | null, string | null] {
    this.noComparison();
    const parts = this.parts('a colon, a ground-truth class, a slash and a predicted class after cell');
    const expected = 'a slash between the ground-truth and the predicted class';
    if (parts.length < 2) this.fail({ start: this.term.span.end, end: this.term.span.end }, expected);
    if (parts.length > 2) this.fail(parts[2][0].span, 'two classes in a cell (quote a name holding /)');
    return parts.map((atoms) => {
      if (atoms.length > 1) this.fail(atoms[1].span, 'one class on each side of a cell');
      return atoms[0].text === '-' && !atoms[0].quoted ? null : atoms[0].text;
    }) as [string | null, string | null];
  }

  /** `similar:a.jpg,b.jpg/c.jpg`: positives, then optionally negatives after a slash. */
  similar(): FilterTerm {
    this.noComparison();
    const parts = this.parts('a colon and image paths after similar, such as similar:a.jpg,b.jpg');
    if (parts.length > 2) this.fail(parts[2][0].span, 'at most one slash (negative examples after it)');
    const [paths, negatives] = parts.map((atoms) => atoms.map((atom) => atom.text));
    return negatives ? { kind: 'similar', paths, negatives } : { kind: 'similar', paths };
  }

  /** One of the field's fixed values. */
  choice<T extends string>(values: readonly T[], expected: string, allowComparison = false): T {
    if (!allowComparison) this.noComparison();
    const parts = this.parts(`a colon and ${expected.replace(/ after .*$/, '')} after ${this.term.field}`);
    const atom = parts[0][0];
    if (parts.length > 1 || parts[0].length > 1 || !values.includes(atom.text as T)) {
      this.fail(atom.span, expected);
    }
    return atom.text as T;
  }

  /** A field used alone: `reviewed`, `edited`, `comment`. */
  bare(): void {
    this.noComparison();
    if (this.term.value !== null) {
      this.fail(
        this.term.parts?.[0][0].span,
        `${this.term.field} alone, without a value (e.g. NOT ${this.term.field})`,
      );
    }
  }

  noComparison(): void {
    const comparison = this.term.comparison;
    if (comparison) this.fail(comparison.span, `no comparison after ${this.term.field}`);
  }

  /** The number after `dup:`. */
  valueNumber(): number {
    const atom = this.parts('a value')[0][0];
    const number = Number(atom.text);
    if (atom.text.trim() === '' || !Number.isFinite(number)) {
      this.fail(atom.span, `a cosine threshold after ${this.term.field}:, such as 0.98`);
    }
    return number;
  }

  /** A `<`, `<=`, `>`, `>=` comparison with a number; `required` for `iou` and `score`. */
  bound(required: boolean): TagBound | null {
    const comparison = this.term.comparison;
    if (required && this.term.value !== null) {
      this.fail(
        this.term.parts?.[0][0].span,
        `a comparison after ${this.term.field}, such as ${this.term.field}<0.5`,
      );
    }
    if (!comparison) {
      if (required)
        this.fail(this.afterField, `a comparison after ${this.term.field}, such as ${this.term.field}<0.5`);
      return null;
    }
    if (!BOUND_OPS.includes(comparison.op)) {
      this.fail(
        comparison.span && {
          start: comparison.span.start,
          end: comparison.span.start + comparison.op.length,
        },
        'a comparison: <, <=, > or >=',
      );
    }
    const op = comparison.op as TagComparison;
    return { op, value: this.number(`a number after ${this.writtenBefore(comparison)}, such as 0.5`) };
  }

  /** Any comparison with a number: `width >= 640`, `boxes = 0`. */
  comparison(): { op: Comparison; value: number } {
    const comparison = this.term.comparison;
    const expected = `a comparison and a number after ${this.term.field}, such as ${this.term.field} >= 2 (<, <=, >, >=, =, !=)`;
    if (this.term.value !== null) this.fail(this.term.parts?.[0][0].span, expected);
    if (!comparison) this.fail(this.afterField, expected);
    return {
      op: comparison.op,
      value: this.number(`a number after ${this.writtenBefore(comparison)}, such as 2`),
    };
  }

  /** The term as written up to the comparison's value: `iou<`, `tag:night >=`. */
  writtenBefore(comparison: NonNullable<QueryTerm['comparison']>): string {
    const end = comparison.valueSpan?.start;
    if (end === undefined) return `${this.term.field}${comparison.op}`;
    return this.text.slice(this.term.span.start, end).trim();
  }

  number(expected: string): number {
    const comparison = this.term.comparison!;
    const number = Number(comparison.value);
    if (comparison.value.trim() === '' || !Number.isFinite(number)) this.fail(comparison.valueSpan, expected);
    return number;
  }
}

/** The query term a typed term prints as (values quoted the way the filter text has always quoted them). */
export function toQueryTerm(term: FilterTerm): QueryTerm {
  const query = (field: string, parts: QueryAtom[][] | null, comparison: QueryTerm['comparison'] = null) => {
    const result: QueryTerm = {
      kind: 'term',
      field,
      value: parts && parts.map((atoms) => atoms.map((atom) => atom.text).join(',')),
      comparison,
      span: { start: 0, end: 0 },
    };
    if (parts) result.parts = parts;
    return result;
  };
  const one = (text: string) => [[atom(text)]];
  const compared = (bound: { op: Comparison; value: number } | null) =>
    bound && { op: bound.op, value: String(bound.value) };
  switch (term.kind) {
    case 'class':
    case 'gt':
    case 'pred':
      return query(term.kind, one(term.name));
    case 'cell':
      return query('cell', [[side(term.groundTruth)], [side(term.prediction)]]);
    case 'path':
      return query('path', one(term.contains));
    case 'text':
      return query('text', one(term.query));
    case 'slice':
      return query('slice', one(term.name));
    case 'similar':
      return query(
        'similar',
        [term.paths, ...(term.negatives?.length ? [term.negatives] : [])].map((list) => list.map(atom)),
      );
    case 'tag':
      return query('tag', one(term.name), compared(term.bound));
    case 'issue':
      return query('issue', one(term.issue), compared(term.bound));
    case 'sort':
      return query('sort', one(term.key));
    case 'match':
      return query('match', one(term.status));
    case 'review':
      return query('review', one(term.state));
    case 'dup':
      return query('dup', term.threshold === null ? null : one(String(term.threshold)));
    case 'reviewed':
    case 'edited':
    case 'comment':
      return query(term.kind, null);
    case 'iou':
    case 'score':
    case 'width':
    case 'height':
    case 'boxes':
    case 'preds':
      return query(term.kind, null, compared(term));
  }
}

/** A value quoted as the old filter text quoted it: also when it starts with `-` (a bare `-` means none). */
function atom(text: string): QueryAtom {
  return { text, quoted: !/^[^\s"/,:-][^\s"/,:]*$/.test(text) };
}

function side(name: string | null): QueryAtom {
  return name === null ? { text: '-', quoted: false } : atom(name);
}
