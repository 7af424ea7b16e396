/**
 * Completion for the query bar: what the word under the cursor could become. Before a colon it is a
 * field name (or a keyword); after `field:` it is one of that field's values (after the last `/` for
 * `cell:truck/b…`). Matching is by case-insensitive prefix, fields and values in vocabulary order.
 *
 * Known shortcoming: the word under the cursor ends at a space even inside an open quote, so
 * `class:"traffic li` offers nothing until the user picks from the list after typing `class:"tr`.
 * Values are not offered after a comparison (`tag:night>=`), where a number is expected.
 */

import { quoteValue } from './ast';

export interface FieldVocabulary {
  name: string;
  /** Shown beside the suggestion, e.g. "ground-truth class". */
  description?: string;
  /** False for fields used bare (`reviewed`): they complete without a colon. Default true. */
  takesValue?: boolean;
  /** Known values: class names, tag names, slice names, `tp`/`fp`/`fn`, ... */
  values?: readonly string[];
}

export interface Completion {
  /** Text that replaces `[from, to)` of the query. */
  insert: string;
  /** What it is: a field, a value or a keyword. */
  kind: 'field' | 'value' | 'keyword';
  description?: string;
}

export interface CompletionResult {
  /** Range of the query text (UTF-16 code units) a completion replaces. */
  from: number;
  to: number;
  items: Completion[];
}

const KEYWORDS = ['AND', 'OR', 'NOT'];
/** Characters that end a word: the word under the cursor starts after the last of them. */
const WORD_BREAK = /[\s()<>=!]/;

/**
 * Completions at `cursor` (a position in `text`, UTF-16 code units).
 * @param vocabulary - the fields the evaluation context knows, with their values.
 */
export function completeQuery(
  text: string,
  cursor: number,
  vocabulary: readonly FieldVocabulary[],
): CompletionResult {
  let start = cursor;
  while (start > 0 && !WORD_BREAK.test(text[start - 1])) start--;
  let end = cursor;
  while (end < text.length && !WORD_BREAK.test(text[end])) end++;
  const word = text.slice(start, cursor);

  const colon = word.indexOf(':');
  if (colon < 0) return { from: start, to: end, items: fieldCompletions(word, vocabulary) };

  // A value: after the last slash or comma, so each part of `cell:a/b` completes on its own.
  const fieldName = word.slice(0, colon).toLowerCase();
  const field = vocabulary.find((candidate) => candidate.name === fieldName);
  const slash = Math.max(word.lastIndexOf('/'), word.lastIndexOf(','));
  const valueStart = start + Math.max(colon, slash) + 1;
  const prefix = unquotedPrefix(text.slice(valueStart, cursor));
  const valueEnd = Math.min(end, nextPartEnd(text, valueStart, end));
  const items: Completion[] = (field?.values ?? [])
    .filter((value) => value.toLowerCase().startsWith(prefix))
    .map((value) => ({ insert: quoteValue(value), kind: 'value' as const }));
  return { from: valueStart, to: valueEnd, items };
}

function fieldCompletions(word: string, vocabulary: readonly FieldVocabulary[]): Completion[] {
  const prefix = word.toLowerCase();
  const fields = vocabulary
    .filter((field) => field.name.startsWith(prefix))
    .map((field): Completion => ({
      insert: field.takesValue === false ? field.name : `${field.name}:`,
      kind: 'field',
      description: field.description,
    }));
  const keywords = KEYWORDS.filter(
    (keyword) => prefix !== '' && keyword.toLowerCase().startsWith(prefix),
  ).map((keyword): Completion => ({ insert: keyword, kind: 'keyword' }));
  return [...fields, ...keywords];
}

/** A value typed so far, lower-cased, without its opening quote. */
function unquotedPrefix(typed: string): string {
  return (typed.startsWith('"') ? typed.slice(1) : typed).toLowerCase();
}

/** End of the value part that starts at `from`: the next `/` or `,`, or the word's end. */
function nextPartEnd(text: string, from: number, wordEnd: number): number {
  const next = /[/,]/.exec(text.slice(from, wordEnd));
  return next ? from + next.index : wordEnd;
}
