/** Where a parsed source, or one of its entries, is written: what a problem found while joining names. */

import type { EntryPart, ParsedEntry, ParsedSource, SourcePlan } from './types';

/** A problem's place: file, and line or field when known. */
export interface Place {
  file: string;
  line?: number;
  field?: string;
}

/** Where entry `index`'s `part` is: the source's own answer (`locate`) or the entry's line and field. */
export function entryPlace(parsed: ParsedSource, entry: ParsedEntry, index: number, part: EntryPart): Place {
  if (parsed.locate) return { file: entry.file, ...parsed.locate(index, part) };
  return { file: entry.file, line: entry.line, field: entry.field };
}

/** The file a source is named by in problems about it as a whole: its first file, else its name. */
export function sourceFile(plan: SourcePlan): string {
  return plan.files[0] ?? plan.name;
}
