/**
 * Durable review work in IndexedDB (schema in `db.ts`): the edit log with its undo cursor, slices and
 * manual tags of each folder. Every method is one transaction and resolves only once it has committed,
 * so the state layer can show a decision as saved after awaiting it and a killed tab loses nothing it
 * showed as saved.
 */
import { DataError } from '../core/errors';
import type { Edit } from '../core/review/edits';
import type { EditHistory } from '../core/review/history';
import { openDatabase, type LongtailDatabase, type ManualTagRecord, type SliceRecord } from './db';

export type { ManualTagRecord, SliceRecord } from './db';

/** Longest slice or tag name: it is shown in panels, menus and file names. */
export const MAX_NAME_LENGTH = 64;

/**
 * Slice and manual-tag names are filter values (`slice:<name>`, `tag:<name>`): bare words of at most
 * `MAX_NAME_LENGTH` characters, and not a query keyword (AND, OR, NOT).
 */
export function checkName(name: string, what: 'slice' | 'tag'): string {
  const trimmed = name.trim();
  const keyword = /^(and|or|not)$/i.test(trimmed);
  if (!/^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u.test(trimmed) || trimmed.length > MAX_NAME_LENGTH || keyword) {
    throw new DataError({
      file: `${what} name`,
      value: name,
      expected: `up to ${MAX_NAME_LENGTH} letters, digits, "_", "." or "-" (starting with a letter, digit or "_"), not AND, OR or NOT`,
    });
  }
  return trimmed;
}

export class ReviewStore {
  private constructor(private readonly db: LongtailDatabase) {}

  static async open(): Promise<ReviewStore> {
    return new ReviewStore(await openDatabase());
  }

  /** The folder's edit history: every stored step in order and the cursor (all steps when none is stored). */
  async history(folder: string): Promise<EditHistory> {
    const tx = this.db.transaction(['editSteps', 'editCursors'], 'readonly');
    const range = IDBKeyRange.bound([folder, 0], [folder, Infinity]);
    const [records, cursor] = await Promise.all([
      tx.objectStore('editSteps').getAll(range),
      tx.objectStore('editCursors').get(folder),
    ]);
    await tx.done;
    records.sort((a, b) => a.step - b.step);
    records.forEach((record, position) => {
      if (record.step !== position) {
        throw new DataError({
          file: `edit log of ${folder}`,
          field: 'step',
          value: record.step,
          expected: `${position} (steps numbered without gaps)`,
        });
      }
    });
    const steps = records.map((record) => record.edits);
    const at = cursor?.cursor ?? steps.length;
    if (!(Number.isInteger(at) && at >= 0 && at <= steps.length)) {
      throw new DataError({
        file: `edit log of ${folder}`,
        field: 'cursor',
        value: at,
        expected: `an integer in [0, ${steps.length}]`,
      });
    }
    return { steps, cursor: at };
  }

  /**
   * Records one user action at `cursor` (the history's cursor before it): drops the undone steps from
   * there on, writes the new step and moves the cursor past it, in one transaction.
   */
  async record(folder: string, cursor: number, edits: readonly Edit[]): Promise<void> {
    const tx = this.db.transaction(['editSteps', 'editCursors'], 'readwrite');
    const steps = tx.objectStore('editSteps');
    await steps.delete(IDBKeyRange.bound([folder, cursor], [folder, Infinity]));
    await steps.put({ folder, step: cursor, edits: [...edits] });
    await tx.objectStore('editCursors').put({ folder, cursor: cursor + 1 });
    await tx.done;
  }

  /** Moves the undo cursor (undo and redo). */
  async setCursor(folder: string, cursor: number): Promise<void> {
    await this.db.put('editCursors', { folder, cursor });
  }

  /** Replaces the whole history (a project-state import), in one transaction. */
  async replaceHistory(folder: string, history: EditHistory): Promise<void> {
    const tx = this.db.transaction(['editSteps', 'editCursors'], 'readwrite');
    const steps = tx.objectStore('editSteps');
    await steps.delete(IDBKeyRange.bound([folder, 0], [folder, Infinity]));
    for (const [step, edits] of history.steps.entries()) await steps.put({ folder, step, edits: [...edits] });
    await tx.objectStore('editCursors').put({ folder, cursor: history.cursor });
    await tx.done;
  }

  /** The folder's slices, by name. */
  async slices(folder: string): Promise<SliceRecord[]> {
    const slices = await this.db.getAllFromIndex('slices', 'byFolder', folder);
    return slices.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Saves (or replaces) a slice; `previousName` removes the old record in the same transaction (rename). */
  async putSlice(slice: SliceRecord, previousName?: string): Promise<void> {
    checkName(slice.name, 'slice');
    const tx = this.db.transaction('slices', 'readwrite');
    if (previousName !== undefined && previousName !== slice.name) {
      await tx.store.delete([slice.folder, previousName]);
    }
    await tx.store.put(slice);
    await tx.done;
  }

  async deleteSlice(folder: string, name: string): Promise<void> {
    await this.db.delete('slices', [folder, name]);
  }

  /** The folder's manual tags, by name. */
  async manualTags(folder: string): Promise<ManualTagRecord[]> {
    const tags = await this.db.getAllFromIndex('manualTags', 'byFolder', folder);
    return tags.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Saves (or replaces) a manual tag; one with no images and no boxes is deleted instead. */
  async putManualTag(tag: ManualTagRecord): Promise<void> {
    checkName(tag.name, 'tag');
    if (tag.images.length === 0 && tag.boxes.length === 0) {
      await this.db.delete('manualTags', [tag.folder, tag.name]);
    } else {
      await this.db.put('manualTags', tag);
    }
  }
}
