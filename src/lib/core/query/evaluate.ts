/**
 * Evaluation of a query over a dataset's images, as set algebra on image index sets: each term asks
 * its field's function for the images it selects, AND intersects, OR unites, NOT complements within
 * all images. The context owns the meaning of every field, so this module stays free of datasets,
 * evaluations and tag scores.
 *
 * Box terms: some fields select boxes rather than images (`match:fp`, `iou<0.5`, `score>=0.8`). When
 * the context gives `boxes`, the box terms of one AND (its direct children), together with that AND's
 * first class term, are handed over as one box query, so that `match:fp pred:car` means "an unmatched
 * car prediction" as in today's filter, not "an image with some unmatched box and some car". Box terms
 * under OR or NOT are evaluated one by one, at image level.
 */

import type { QueryNode, QueryTerm } from './ast';

/** The images a term selects, by index in `Dataset.images`. */
export type FieldEvaluator = (term: QueryTerm) => Iterable<number>;

export interface QueryContext {
  /** Number of images: the universe NOT complements within. */
  imageCount: number;
  /** One function per field name (lower case). */
  fields: Record<string, FieldEvaluator>;
  /** Box-level conjunction, see the module comment. */
  boxes?: {
    /** Fields that select boxes, e.g. `match`, `iou`, `score`. */
    fields: readonly string[];
    /** Fields whose term narrows those boxes by class, e.g. `class`, `gt`, `pred`. */
    classFields: readonly string[];
    /** Images with a box that passes every term (box terms plus at most one class term). */
    evaluate: (terms: QueryTerm[]) => Iterable<number>;
  };
}

/** A term names a field the context does not know. */
export class QueryFieldError extends Error {
  constructor(
    readonly field: string,
    /** Position of the term in the query text. */
    readonly position: number,
    readonly known: string[],
  ) {
    super(`unknown query field "${field}" at character ${position + 1}: expected one of ${known.join(', ')}`);
    this.name = 'QueryFieldError';
  }
}

/** A term's value does not fit its field (thrown by field functions; `valueNumber` throws it). */
export class QueryValueError extends Error {
  constructor(
    readonly term: QueryTerm,
    readonly value: string,
    readonly expected: string,
  ) {
    super(
      `invalid value ${JSON.stringify(value)} for ${term.field} at character ${term.span.start + 1}: expected ${expected}`,
    );
    this.name = 'QueryValueError';
  }
}

/**
 * The images a query selects, as sorted image indices; the empty query (`null`) selects them all.
 * @throws QueryFieldError for a field the context lacks (before any field function runs).
 */
export function evaluateQuery(query: QueryNode | null, context: QueryContext): number[] {
  if (query === null) return Array.from({ length: context.imageCount }, (_, index) => index);
  checkFields(query, context);
  const mask = evaluateNode(query, context);
  const selected: number[] = [];
  for (let index = 0; index < mask.length; index++) if (mask[index]) selected.push(index);
  return selected;
}

/** Every field of the query must be known, so a typo fails whole rather than after half the work. */
function checkFields(node: QueryNode, context: QueryContext): void {
  if (node.kind === 'not') return checkFields(node.child, context);
  if (node.kind !== 'term') return node.children.forEach((child) => checkFields(child, context));
  const known = new Set([...Object.keys(context.fields), ...(context.boxes?.fields ?? [])]);
  if (!known.has(node.field)) throw new QueryFieldError(node.field, node.span.start, [...known].sort());
}

/** One byte per image: 1 when selected. */
function evaluateNode(node: QueryNode, context: QueryContext): Uint8Array {
  switch (node.kind) {
    case 'term':
      return termMask(node, context);
    case 'not':
      return evaluateNode(node.child, context).map((bit) => 1 - bit);
    case 'or': {
      const masks = node.children.map((child) => evaluateNode(child, context));
      return masks.reduce((union, mask) => union.map((bit, index) => bit | mask[index]));
    }
    case 'and':
      return andMask(node.children, context);
  }
}

function andMask(children: QueryNode[], context: QueryContext): Uint8Array {
  const masks: Uint8Array[] = [];
  let rest = children;

  // Box terms and one class term of this AND form one box query (module comment).
  const boxes = context.boxes;
  const isTerm = (child: QueryNode, fields: readonly string[]): child is QueryTerm =>
    child.kind === 'term' && fields.includes(child.field);
  if (boxes && children.some((child) => isTerm(child, boxes.fields))) {
    const boxTerms = children.filter((child) => isTerm(child, boxes.fields)) as QueryTerm[];
    const classTerm = children.find((child) => isTerm(child, boxes.classFields)) as QueryTerm | undefined;
    const grouped = classTerm ? [...boxTerms, classTerm] : boxTerms;
    masks.push(toMask(boxes.evaluate(grouped), context.imageCount));
    rest = children.filter((child) => !grouped.includes(child as QueryTerm));
  }

  for (const child of rest) masks.push(evaluateNode(child, context));
  return masks.reduce((both, mask) => both.map((bit, index) => bit & mask[index]));
}

function termMask(term: QueryTerm, context: QueryContext): Uint8Array {
  const boxes = context.boxes;
  if (boxes && boxes.fields.includes(term.field)) return toMask(boxes.evaluate([term]), context.imageCount);
  return toMask(context.fields[term.field](term), context.imageCount);
}

function toMask(indices: Iterable<number>, imageCount: number): Uint8Array {
  const mask = new Uint8Array(imageCount);
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= imageCount) {
      throw new RangeError(
        `query field returned image index ${index}: expected an integer in [0, ${imageCount})`,
      );
    }
    mask[index] = 1;
  }
  return mask;
}

/** The term's comparison value as a number, for numeric fields. @throws QueryValueError otherwise. */
export function valueNumber(term: QueryTerm, expected = 'a number such as 0.5'): number {
  const text = term.comparison?.value ?? term.value?.join('/') ?? '';
  const number = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(number)) throw new QueryValueError(term, text, expected);
  return number;
}

/** True when `left op right` holds; the comparison of a numeric term. */
export function compare(
  left: number,
  op: NonNullable<QueryTerm['comparison']>['op'],
  right: number,
): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '=':
      return left === right;
    case '!=':
      return left !== right;
  }
}
