/**
 * The query language's syntax tree and its printer. A query is a tree of AND / OR / NOT over terms;
 * a term names a field and, optionally, a value and a comparison:
 *
 * - `reviewed`, `dup`                 a field alone
 * - `class:person`, `match:fp`        `field:value`
 * - `cell:truck/bus`, `cell:-/car`    a value of several parts, separated by `/` (`-`: none)
 * - `iou<0.5`, `score >= 0.8`         `field op value`
 * - `tag:night>=0.7`                  `field:value op value`
 *
 * - `similar:a.jpg,b.jpg/c.jpg`       a part may be a comma-separated list
 *
 * A value with spaces, quotes, parentheses, slashes, commas, colons or comparison characters is written
 * as a JSON string (`class:"traffic light"`). The parser knows no field names: which fields exist, and what
 * their values mean, is the evaluation context's business (see `evaluate.ts`).
 */

/** A comparison between a field (or a field's value) and a value. */
export type Comparison = '<' | '<=' | '>' | '>=' | '=' | '!=';

/** Character range `[start, end)` of a node in the query text (UTF-16 code units). */
export interface Span {
  start: number;
  end: number;
}

/** One value as written: a quoted `"-"` is a class named "-", a bare `-` means "none" in `cell:-/car`. */
export interface QueryAtom {
  text: string;
  quoted: boolean;
  /** Where it is in the query text (set by the parser, so errors can point at a bad value). */
  span?: Span;
}

/** One `field`, `field:value`, `field op value` or `field:value op value`. */
export interface QueryTerm {
  kind: 'term';
  /** Field name, lower-cased: `class`, `tag`, `iou`, ... */
  field: string;
  /** Parts of the value after the colon, split at unquoted `/` (a list part joined by `,`); null without a colon. */
  value: string[] | null;
  /**
   * The same parts as written: each a comma-separated list of atoms. The parser always sets it; a
   * hand-built term may leave it out, and then prints `value`.
   */
  parts?: QueryAtom[][];
  /** The trailing comparison, e.g. `>= 0.7` (value kept as written: the field decides if it is a number). */
  comparison: { op: Comparison; value: string; span?: Span; valueSpan?: Span } | null;
  span: Span;
}

export interface QueryAnd {
  kind: 'and';
  children: QueryNode[];
  span: Span;
}

export interface QueryOr {
  kind: 'or';
  children: QueryNode[];
  span: Span;
}

export interface QueryNot {
  kind: 'not';
  child: QueryNode;
  span: Span;
}

export type QueryNode = QueryTerm | QueryAnd | QueryOr | QueryNot;

/** Binding strength: NOT binds tighter than AND, AND tighter than OR. */
const PRECEDENCE: Record<QueryNode['kind'], number> = { or: 1, and: 2, not: 3, term: 4 };

/**
 * Prints a query in its text form, the inverse of `parseQuery`: `parseQuery(printQuery(q))` has the
 * same tree as `q` (spans aside). AND is written out; parentheses only where precedence needs them.
 */
export function printQuery(node: QueryNode | null): string {
  if (node === null) return '';
  switch (node.kind) {
    case 'term':
      return printTerm(node);
    case 'not':
      return `NOT ${wrap(node.child, PRECEDENCE.not)}`;
    case 'and':
      return node.children.map((child) => wrap(child, PRECEDENCE.and + 1)).join(' AND ');
    case 'or':
      return node.children.map((child) => wrap(child, PRECEDENCE.or + 1)).join(' OR ');
  }
}

/** A child printed inside a parent of the given strength: parenthesised when it binds less. */
function wrap(child: QueryNode, strength: number): string {
  const text = printQuery(child);
  return PRECEDENCE[child.kind] < strength ? `(${text})` : text;
}

function printTerm(term: QueryTerm): string {
  let text = term.field;
  if (term.parts) text += `:${term.parts.map((atoms) => atoms.map(printAtom).join(',')).join('/')}`;
  else if (term.value !== null) text += `:${term.value.map(quoteValue).join('/')}`;
  if (term.comparison) text += `${term.comparison.op}${quoteValue(term.comparison.value)}`;
  return text;
}

/** Characters a bare value may hold: anything but space, quotes, parentheses, `/`, `,`, `:`, `<>=!`. */
export const BARE_VALUE = /^[^\s"(),/:<>=!]+$/;

/** Keywords, which a bare value must not spell (they would read as operators). */
export const KEYWORDS = ['AND', 'OR', 'NOT'] as const;

/** A value as it must be written: bare when it can be, else a JSON string. */
export function quoteValue(value: string): string {
  const keyword = (KEYWORDS as readonly string[]).includes(value.toUpperCase());
  return BARE_VALUE.test(value) && !keyword ? value : JSON.stringify(value);
}

/** An atom a quoted string was written as stays quoted, so `"-"` does not print as the bare `-` (none). */
function printAtom(atom: QueryAtom): string {
  return atom.quoted ? JSON.stringify(atom.text) : quoteValue(atom.text);
}

/** The same tree without spans (and without how values were written): what two queries are compared by. */
export function withoutSpans(node: QueryNode): unknown {
  switch (node.kind) {
    case 'term':
      return {
        kind: 'term',
        field: node.field,
        value: node.value,
        comparison: node.comparison && { op: node.comparison.op, value: node.comparison.value },
      };
    case 'not':
      return { kind: 'not', child: withoutSpans(node.child) };
    default:
      return { kind: node.kind, children: node.children.map(withoutSpans) };
  }
}
