import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Edit } from '../core/review/edits';
import type { ImportPlan } from '../core/importPlan';

/**
 * Longtail's IndexedDB schema. Bump `SCHEMA_VERSION` and add a step to `upgrade` for every change;
 * steps run in order, so a browser several versions behind migrates through each.
 */
export const SCHEMA_VERSION = 4;
const DATABASE_NAME = 'longtail';

export interface RememberedFolder {
  handle: FileSystemDirectoryHandle;
  name: string;
  savedAt: number;
}

/**
 * The import plan last confirmed for a folder (by name), in the `folders` store under
 * `plan:<folder name>`: reused without asking while the folder's listing keeps `fingerprint`.
 */
export interface RememberedPlan {
  folder: string;
  /** SHA-256 (hex) of the listing: every path, size and modification time. */
  fingerprint: string;
  plan: ImportPlan;
  savedAt: number;
}

/** A chunk of embeddings of one folder under one model: rows of `dim` floats, row i for `paths[i]`. */
export interface EmbeddingChunk {
  folder: string;
  model: string;
  chunk: number;
  dim: number;
  paths: string[];
  /** Per path: `size:lastModified` of the file the vector was computed from. */
  fingerprints: string[];
  vectors: Float32Array;
}

/**
 * A chunk of box-crop embeddings of one folder under one model (the model key includes the crop
 * margin). Row i embeds box `boxIndices[i]` of source `sources[i]` ('gt' or a run's name) on image
 * `paths[i]`, cropped from `boxes[4i..4i+4]` (pixel xywh, float32).
 */
export interface ObjectEmbeddingChunk extends EmbeddingChunk {
  sources: string[];
  boxIndices: Int32Array;
  boxes: Float32Array;
}

/** Which matrix a tag scores: whole images (items keyed by path) or box crops (keyed by `objectKey`). */
export type TagSet = 'images' | 'objects';

/** Where a tag started: a text query (prompt-ensembled) or example items (positives, optional negatives). */
export type TagSeed =
  { kind: 'text'; text: string } | { kind: 'examples'; positives: string[]; negatives: string[] };

/** A linear classifier on unit embeddings: score = sigmoid(weights · x + bias). */
export interface TagClassifier {
  weights: Float32Array;
  bias: number;
  dim: number;
}

/** What one refinement round changed: how the user saw the tag converge. */
export interface TagRound {
  /** Judged items after the round, and how many of them were yes. */
  judged: number;
  judgedYes: number;
  /** Items at or above the threshold after retraining. */
  positives: number;
  /** Items that changed side of the threshold against the previous round's scores. */
  flips: number;
  threshold: number;
  /** Epoch milliseconds. */
  at: number;
}

/** The judgements and model a refinement has reached; shared by the saved tag and the draft. */
export interface TagJudgements {
  folder: string;
  name: string;
  set: TagSet;
  /** Identity of the embedding model (plus the crop margin for objects) the classifier reads. */
  model: string;
  seed: TagSeed;
  classifier: TagClassifier | null;
  /** Keys of judged items (paths, or `objectKey`s), and per key 1 for yes, 0 for no. */
  judgedItems: string[];
  judgedLabels: Uint8Array;
  /** Score at or above which an item has the tag, in the classifier's [0, 1] units. */
  threshold: number;
  rounds: TagRound[];
  /** Epoch milliseconds of the last change. */
  updatedAt: number;
}

/** A saved Autotag tag: its model, judgements, threshold and the score of every item it was run on. */
export interface TagRecord extends TagJudgements {
  /** Item keys and their scores in [0, 1], `scores[i]` for `items[i]`. */
  items: string[];
  scores: Float32Array;
}

/**
 * An Autotag refinement in progress (one per folder), written after every judgement so a reload
 * resumes it where it stopped: the batch on screen, and per shown item its judgement so far.
 */
export interface AutotagDraft extends TagJudgements {
  /** Item keys of the batch being judged. */
  batch: string[];
}

/** One user action of the edit history (`core/review/history.ts`): step `step` of the folder's log. */
export interface EditStepRecord {
  folder: string;
  step: number;
  edits: Edit[];
}

/** How many steps of the folder's edit log are in force (the undo cursor). */
export interface EditCursorRecord {
  folder: string;
  cursor: number;
}

/** A slice: a named, curated subset of a folder's images, by relative path. */
export interface SliceRecord {
  folder: string;
  name: string;
  description: string;
  paths: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
}

/** A manual tag: images (by path) and ground-truth boxes (by `boxKey`) the user tagged. */
export interface ManualTagRecord {
  folder: string;
  name: string;
  images: string[];
  boxes: string[];
  updatedAt: number;
}

interface LongtailSchema extends DBSchema {
  folders: { key: string; value: RememberedFolder | RememberedPlan };
  embeddings: {
    key: [string, string, number];
    value: EmbeddingChunk;
    indexes: { byFolderModel: [string, string] };
  };
  objectEmbeddings: {
    key: [string, string, number];
    value: ObjectEmbeddingChunk;
    indexes: { byFolderModel: [string, string] };
  };
  tags: {
    key: [string, string];
    value: TagRecord;
    indexes: { byFolder: string };
  };
  autotagDrafts: { key: string; value: AutotagDraft };
  editSteps: { key: [string, number]; value: EditStepRecord };
  editCursors: { key: string; value: EditCursorRecord };
  slices: { key: [string, string]; value: SliceRecord; indexes: { byFolder: string } };
  manualTags: { key: [string, string]; value: ManualTagRecord; indexes: { byFolder: string } };
}

/** The object stores that hold embedding chunks, keyed [folder, model, chunk]. */
export type ChunkStoreName = 'embeddings' | 'objectEmbeddings';

export type LongtailDatabase = IDBPDatabase<LongtailSchema>;

let opening: Promise<LongtailDatabase> | null = null;

/** Opens (once per page or worker) the database, migrating it if needed. */
export function openDatabase(name = DATABASE_NAME): Promise<LongtailDatabase> {
  opening ??= openDB<LongtailSchema>(name, SCHEMA_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('folders');
        const embeddings = db.createObjectStore('embeddings', { keyPath: ['folder', 'model', 'chunk'] });
        embeddings.createIndex('byFolderModel', ['folder', 'model']);
      }
      if (oldVersion < 2) {
        // Version 2: embeddings of box crops, beside (and shaped like) the image embeddings.
        const objects = db.createObjectStore('objectEmbeddings', { keyPath: ['folder', 'model', 'chunk'] });
        objects.createIndex('byFolderModel', ['folder', 'model']);
      }
      if (oldVersion < 3) {
        // Version 3: Autotag tags keyed [folder, name], and the one refinement in progress per folder.
        const tags = db.createObjectStore('tags', { keyPath: ['folder', 'name'] });
        tags.createIndex('byFolder', 'folder');
        db.createObjectStore('autotagDrafts', { keyPath: 'folder' });
      }
      if (oldVersion < 4) {
        // Version 4: the review log (one record per user action, plus the undo cursor), slices and
        // manual tags, all keyed by folder first.
        db.createObjectStore('editSteps', { keyPath: ['folder', 'step'] });
        db.createObjectStore('editCursors', { keyPath: 'folder' });
        db.createObjectStore('slices', { keyPath: ['folder', 'name'] }).createIndex('byFolder', 'folder');
        db.createObjectStore('manualTags', { keyPath: ['folder', 'name'] }).createIndex('byFolder', 'folder');
      }
    },
  });
  return opening;
}

/** Forgets the cached connection (tests open fresh databases). */
export function resetDatabaseConnection(): void {
  opening = null;
}
