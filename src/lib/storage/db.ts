import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/**
 * Longtail's IndexedDB schema. Bump `SCHEMA_VERSION` and add a step to `upgrade` for every change;
 * steps run in order, so a browser several versions behind migrates through each.
 */
export const SCHEMA_VERSION = 1;
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

interface LongtailSchema extends DBSchema {
  folders: { key: string; value: RememberedFolder };
  embeddings: {
    key: [string, string, number];
    value: EmbeddingChunk;
    indexes: { byFolderModel: [string, string] };
  };
}

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
    },
  });
  return opening;
}

/** Forgets the cached connection (tests open fresh databases). */
export function resetDatabaseConnection(): void {
  opening = null;
}
