/**
 * Undo and redo over the edit log. The history is an immutable value: a list of steps (each step is
 * the edits of one user action, so a bulk accept of 200 images undoes in one go) and a cursor.
 *
 * Choice: undo moves the cursor back; it does not record an inverse edit. The steps before the cursor
 * are the edits in force (`activeEdits`); the steps after it can be redone until a new action is
 * recorded, which drops them. Storage persists steps and cursor together, so a reload restores the
 * redo stack too. The cost: an undone edit leaves no trace in the review report once it is dropped.
 */

import type { Edit } from './edits';

export interface EditHistory {
  /** One entry per user action, oldest first. */
  readonly steps: readonly (readonly Edit[])[];
  /** Number of steps in force: `steps[0..cursor)`. */
  readonly cursor: number;
}

export const EMPTY_HISTORY: EditHistory = { steps: [], cursor: 0 };

/** Records one user action (one edit or several at once); drops the steps that were undone. */
export function recordEdits(history: EditHistory, edits: Edit | readonly Edit[]): EditHistory {
  const step = Array.isArray(edits) ? [...(edits as readonly Edit[])] : [edits as Edit];
  if (step.length === 0) return history;
  return { steps: [...history.steps.slice(0, history.cursor), step], cursor: history.cursor + 1 };
}

export function canUndo(history: EditHistory): boolean {
  return history.cursor > 0;
}

export function canRedo(history: EditHistory): boolean {
  return history.cursor < history.steps.length;
}

/** The history with its last step in force undone; unchanged when there is none. */
export function undo(history: EditHistory): EditHistory {
  return canUndo(history) ? { ...history, cursor: history.cursor - 1 } : history;
}

/** The history with the next undone step back in force; unchanged when there is none. */
export function redo(history: EditHistory): EditHistory {
  return canRedo(history) ? { ...history, cursor: history.cursor + 1 } : history;
}

/** The edits in force, oldest first: what `applyEdits` takes. */
export function activeEdits(history: EditHistory): Edit[] {
  return history.steps.slice(0, history.cursor).flat();
}
