/**
 * Typed errors for everything a user's files can get wrong. Each names the file, and where it can,
 * the line or field, the bad value and what was expected, so the problem list can say exactly what
 * to fix. Importers collect these as problems and keep going; they throw only when nothing can load.
 */

export interface DataProblemDetails {
  /** Relative path of the offending file. */
  file: string;
  /** JSON path or element name, e.g. `annotations[12].bbox`. */
  field?: string;
  /** 1-based line number for text formats. */
  line?: number;
  /** The offending value, shortened for display. */
  value?: unknown;
  /** What was expected instead, as a phrase: "an array of 4 numbers". */
  expected: string;
}

/** A problem found in a user's file. `severity: 'warning'` means it loaded, but looks suspicious. */
export class DataError extends Error {
  readonly file: string;
  readonly field?: string;
  readonly line?: number;
  readonly value?: unknown;
  readonly expected: string;
  severity: 'error' | 'warning' = 'error';

  constructor(details: DataProblemDetails, options?: { cause?: unknown }) {
    super(describeProblem(details), options);
    this.name = 'DataError';
    this.file = details.file;
    this.field = details.field;
    this.line = details.line;
    this.value = details.value;
    this.expected = details.expected;
  }
}

/** Thrown when work is cancelled on purpose; callers treat it as silence, not as failure. */
export class AbortError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** True for anything that means "the user (or a newer request) cancelled this". */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function describeProblem({ file, field, line, value, expected }: DataProblemDetails): string {
  const where = [file, line !== undefined ? `line ${line}` : '', field ?? ''].filter(Boolean).join(': ');
  const got = value === undefined ? '' : `, got ${shorten(value)}`;
  return `${where}: expected ${expected}${got}`;
}

function shorten(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A problem as plain data: what crosses worker boundaries and what the problem list shows. */
export interface ProblemRecord {
  file: string;
  field?: string;
  line?: number;
  expected: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Flattens a problem for postMessage (structured clone drops an Error subclass's own fields). */
export function toProblemRecord(error: DataError): ProblemRecord {
  return {
    file: error.file,
    field: error.field,
    line: error.line,
    expected: error.expected,
    message: error.message,
    severity: error.severity,
  };
}
