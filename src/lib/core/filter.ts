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
 * - `text:"a red bus"`      rank by similarity to the text's embedding
 *
 * Known shortcoming: only AND of terms; OR, NOT, comparisons and parentheses arrive with the query bar.
 */

export type FilterTerm =
  | { kind: 'class'; name: string }
  | { kind: 'gt'; name: string }
  | { kind: 'pred'; name: string }
  | { kind: 'cell'; groundTruth: string | null; prediction: string | null }
  | { kind: 'path'; contains: string }
  | { kind: 'similar'; paths: string[] }
  | { kind: 'text'; query: string };

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
      return `similar:${term.paths.map(quote).join(',')}`;
    case 'text':
      return `text:${quote(term.query)}`;
  }
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
      const paths = [reader.readValue()];
      while (reader.peek() === ',') {
        reader.position++;
        paths.push(reader.readValue());
      }
      return { kind: 'similar', paths };
    }
    default:
      throw new FilterSyntaxError(reader.text, start, 'one of class, gt, pred, cell, path, similar, text');
  }
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
}

/** The images a filter selects, in display order: by ranking score (descending) if it ranks, else by index. */
export function applyFilter(filter: Filter, context: FilterContext): Int32Array {
  const keep: number[] = [];
  const sets = filter.terms.map((term) => narrowing(term, context));
  for (let image = 0; image < context.imageCount; image++) {
    if (sets.every((set) => set === null || set(image))) keep.push(image);
  }

  const rankingTerm = filter.terms.findLast((term) => term.kind === 'similar' || term.kind === 'text');
  const scores = rankingTerm
    ? context.ranking(rankingTerm as Extract<FilterTerm, { kind: 'similar' | 'text' }>)
    : null;
  if (scores) {
    const score = (image: number) => (Number.isNaN(scores[image]) ? -Infinity : scores[image]);
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
    default:
      return null;
  }
}

/** Replaces terms of the same kind (one class, one cell, one ranking at a time) and appends the new one. */
export function withTerm(filter: Filter, term: FilterTerm): Filter {
  const ranking = (kind: string) => kind === 'similar' || kind === 'text';
  const same = (other: FilterTerm) => other.kind === term.kind || (ranking(other.kind) && ranking(term.kind));
  return { terms: [...filter.terms.filter((other) => !same(other)), term] };
}

/** The filter without its i-th term. */
export function withoutTerm(filter: Filter, index: number): Filter {
  return { terms: filter.terms.filter((_, i) => i !== index) };
}
