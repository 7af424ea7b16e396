/**
 * Durable Autotag tags and the refinement in progress, in IndexedDB (schema in `db.ts`). Records are
 * checked when read back, so a record written by a broken build (or edited by hand) is reported as a
 * typed error naming the tag and the field instead of turning into wrong filter results.
 */
import { DataError } from '../core/errors';
import { checkName } from './reviewStore';
import {
  openDatabase,
  type AutotagDraft,
  type LongtailDatabase,
  type TagJudgements,
  type TagRecord,
} from './db';

export type { AutotagDraft, TagClassifier, TagRecord, TagRound, TagSeed, TagSet } from './db';

/** A saved tag's scores laid out for the current items: `scores[i]` for `keys[i]`, NaN where unscored. */
export function alignScores(tag: Pick<TagRecord, 'items' | 'scores'>, keys: readonly string[]): Float32Array {
  const scoreOf = new Map<string, number>();
  tag.items.forEach((key, i) => scoreOf.set(key, tag.scores[i]));
  return Float32Array.from(keys, (key) => scoreOf.get(key) ?? NaN);
}

/** How many of `keys` the tag has no score for (new images since it was last run). */
export function unscoredCount(tag: Pick<TagRecord, 'items'>, keys: readonly string[]): number {
  const known = new Set(tag.items);
  let missing = 0;
  for (const key of keys) if (!known.has(key)) missing++;
  return missing;
}

/** Tag names are what `tag:<name>` filters by: the same rule as slice and manual-tag names. */
export function checkTagName(name: string): string {
  return checkName(name, 'tag');
}

export class TagStore {
  private constructor(private readonly db: LongtailDatabase) {}

  static async open(): Promise<TagStore> {
    return new TagStore(await openDatabase());
  }

  /** Saves (or replaces) a tag under its folder and name. */
  async save(tag: TagRecord): Promise<void> {
    checkRecord(tag, 'saving');
    await this.db.put('tags', tag);
  }

  async get(folder: string, name: string): Promise<TagRecord | null> {
    const tag = await this.db.get('tags', [folder, name]);
    return tag ? checkRecord(tag, 'reading') : null;
  }

  /** Every tag of the folder, by name. */
  async list(folder: string): Promise<TagRecord[]> {
    const tags = await this.db.getAllFromIndex('tags', 'byFolder', folder);
    return tags.map((tag) => checkRecord(tag, 'reading')).sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(folder: string, name: string): Promise<void> {
    await this.db.delete('tags', [folder, name]);
  }

  /** Writes the folder's refinement in progress (called after every judgement). */
  async saveDraft(draft: AutotagDraft): Promise<void> {
    checkJudgements(draft, 'saving the draft of');
    await this.db.put('autotagDrafts', draft);
  }

  async getDraft(folder: string): Promise<AutotagDraft | null> {
    const draft = await this.db.get('autotagDrafts', folder);
    return draft ? checkJudgements(draft, 'reading the draft of') : null;
  }

  async clearDraft(folder: string): Promise<void> {
    await this.db.delete('autotagDrafts', folder);
  }
}

function checkRecord(tag: TagRecord, doing: string): TagRecord {
  checkJudgements(tag, doing);
  if (!(tag.scores instanceof Float32Array) || tag.scores.length !== tag.items.length) {
    throw invalid(
      tag,
      doing,
      'scores',
      tag.scores?.length,
      `${tag.items.length} float32 scores, one per item`,
    );
  }
  return tag;
}

function checkJudgements<T extends TagJudgements>(tag: T, doing: string): T {
  if (!(tag.judgedLabels instanceof Uint8Array) || tag.judgedLabels.length !== tag.judgedItems.length) {
    throw invalid(tag, doing, 'judgedLabels', tag.judgedLabels?.length, `${tag.judgedItems.length} labels`);
  }
  if (!(tag.threshold >= 0 && tag.threshold <= 1)) {
    throw invalid(tag, doing, 'threshold', tag.threshold, 'a number from 0 to 1');
  }
  const classifier = tag.classifier;
  if (classifier && (classifier.weights.length !== classifier.dim || !Number.isFinite(classifier.bias))) {
    throw invalid(
      tag,
      doing,
      'classifier',
      classifier.weights.length,
      `${classifier.dim} weights, finite bias`,
    );
  }
  return tag;
}

function invalid(tag: TagJudgements, doing: string, field: string, value: unknown, expected: string) {
  return new DataError({ file: `${doing} tag "${tag.name}" of ${tag.folder}`, field, value, expected });
}
