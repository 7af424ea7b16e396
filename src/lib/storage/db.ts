import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/**
 * Longtail's IndexedDB schema. Bump `SCHEMA_VERSION` and add a step to `upgrade` for every change;
 * steps run in order, so a browser several versions behind migrates through each.
 */
export const SCHEMA_VERSION = 2;
const DATABASE_NAME = 'longtail';

export interface RememberedFolder {
  handle: FileSystemDirectoryHandle;
  name: string;
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

interface LongtailSchema extends DBSchema {
  folders: { key: string; value: RememberedFolder };
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
    },
  });
  return opening;
}

/** Forgets the cached connection (tests open fresh databases). */
export function resetDatabaseConnection(): void {
  opening = null;
}
