/**
 * A bounded list of the problems an import found. A file with 100,000 broken boxes must not become
 * 100,000 messages: the list keeps the first few of each kind and counts the rest.
 */

import { DataError, type DataProblemDetails } from './errors';

/** How many problems of one kind (same file, same field shape, same expectation) are listed. */
export const DEFAULT_PROBLEMS_PER_KIND = 50;

/**
 * Stands for the problems of one kind that were counted but not listed. Its `field` is the field
 * pattern with indices removed (`annotations[].bbox`), and `omitted` is how many were left out.
 */
export class OmittedProblems extends DataError {
  readonly omitted: number;

  constructor(details: DataProblemDetails, omitted: number, severity: 'error' | 'warning') {
    super(details);
    this.name = 'OmittedProblems';
    this.omitted = omitted;
    this.severity = severity;
    this.message = `${this.message} (${omitted} more problems like this were not listed)`;
  }
}

interface ProblemKind {
  listed: number;
  omitted: number;
  example: DataError;
}

/** Collects DataErrors, listing at most `perKind` of each kind and counting the rest. */
export class ProblemList {
  readonly #perKind: number;
  readonly #listed: DataError[] = [];
  readonly #kinds = new Map<string, ProblemKind>();
  /** Severity and message of every listed problem, to list each once. */
  readonly #messages = new Set<string>();

  constructor(perKind = DEFAULT_PROBLEMS_PER_KIND) {
    this.#perKind = perKind;
  }

  /** Records a problem; `severity: 'warning'` means the data loaded but looks wrong. */
  report(details: DataProblemDetails, severity: 'error' | 'warning' = 'error'): void {
    // A kind already full is only counted: building the message of a millionth bad box would cost
    // more than reading the box.
    const key = kindKey(details.file, details.field, details.expected, severity);
    const kind = this.#kinds.get(key);
    if (kind && kind.listed >= this.#perKind) {
      kind.omitted++;
      return;
    }
    const error = new DataError(details);
    error.severity = severity;
    this.#record(key, error);
  }

  /** Records an already built DataError (e.g. one thrown by a parser). */
  add(error: DataError): void {
    this.#record(kindKey(error.file, error.field, error.expected, error.severity), error);
  }

  #record(key: string, error: DataError): void {
    // Two formats looking at one file may find the same fault: it is one problem, listed once.
    const identity = `${error.severity}\u0000${error.message}`;
    if (this.#messages.has(identity)) return;

    const kind = this.#kinds.get(key);
    if (!kind) {
      this.#kinds.set(key, { listed: 1, omitted: 0, example: error });
      this.#listed.push(error);
      this.#messages.add(identity);
    } else if (kind.listed < this.#perKind) {
      kind.listed++;
      this.#listed.push(error);
      this.#messages.add(identity);
    } else {
      kind.omitted++;
    }
  }

  /** Number of problems reported, listed or not. */
  get total(): number {
    let total = 0;
    for (const kind of this.#kinds.values()) total += kind.listed + kind.omitted;
    return total;
  }

  /** The listed problems in the order reported, then one `OmittedProblems` per kind that overflowed. */
  toArray(): DataError[] {
    const summaries: DataError[] = [];
    for (const { omitted, example } of this.#kinds.values()) {
      if (omitted === 0) continue;
      const details = { file: example.file, field: fieldPattern(example.field), expected: example.expected };
      summaries.push(new OmittedProblems(details, omitted, example.severity));
    }
    return [...this.#listed, ...summaries];
  }
}

function kindKey(file: string, field: string | undefined, expected: string, severity: string): string {
  return `${file}\u0000${fieldPattern(field) ?? ''}\u0000${expected}\u0000${severity}`;
}

/** `annotations[12].bbox` → `annotations[].bbox`, so the same mistake on every row counts as one kind. */
function fieldPattern(field: string | undefined): string | undefined {
  return field?.replace(/\[\d+\]/g, '[]');
}
