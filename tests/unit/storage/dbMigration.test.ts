import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, resetDatabaseConnection, SCHEMA_VERSION } from '../../../src/lib/storage/db';

let counter = 0;
const freshName = () => `longtail-migration-${counter++}`;

afterEach(() => resetDatabaseConnection());

/**
 * Lays out a database the way the version-2 build left it (folders, embeddings, objectEmbeddings),
 * written here by hand from that build's `upgrade`, with one record in each store.
 */
async function makeVersion2(name: string): Promise<void> {
  const db = await openDB(name, 2, {
    upgrade(db) {
      db.createObjectStore('folders');
      db.createObjectStore('embeddings', { keyPath: ['folder', 'model', 'chunk'] }).createIndex(
        'byFolderModel',
        ['folder', 'model'],
      );
      db.createObjectStore('objectEmbeddings', { keyPath: ['folder', 'model', 'chunk'] }).createIndex(
        'byFolderModel',
        ['folder', 'model'],
      );
    },
  });
  await db.put('folders', { name: 'demo', savedAt: 5 }, 'last');
  await db.put('embeddings', {
    folder: 'demo',
    model: 'm',
    chunk: 0,
    dim: 2,
    paths: ['a.jpg'],
    fingerprints: ['1:2'],
    vectors: Float32Array.of(0.6, 0.8),
  });
  await db.put('objectEmbeddings', {
    folder: 'demo',
    model: 'm#margin=0.1',
    chunk: 0,
    dim: 2,
    paths: ['a.jpg'],
    fingerprints: ['1:2'],
    sources: ['gt'],
    boxIndices: Int32Array.of(3),
    boxes: Float32Array.of(1, 2, 3, 4),
    vectors: Float32Array.of(1, 0),
  });
  db.close();
}

describe('schema migration', () => {
  it('is at version 4', () => expect(SCHEMA_VERSION).toBe(4));

  it('upgrades a version-2 database: keeps every record and adds the tag stores', async () => {
    const name = freshName();
    await makeVersion2(name);

    const db = await openDatabase(name);
    expect(db.version).toBe(4);
    expect([...db.objectStoreNames].sort()).toEqual([
      'autotagDrafts',
      'editCursors',
      'editSteps',
      'embeddings',
      'folders',
      'manualTags',
      'objectEmbeddings',
      'slices',
      'tags',
    ]);
    expect(await db.get('folders', 'last')).toMatchObject({ name: 'demo', savedAt: 5 });
    const chunk = await db.get('embeddings', ['demo', 'm', 0]);
    expect([...chunk!.vectors]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const objects = await db.getAllFromIndex('objectEmbeddings', 'byFolderModel', ['demo', 'm#margin=0.1']);
    expect(objects.map((o) => [...o.boxIndices])).toEqual([[3]]);
    expect([...db.transaction('tags').store.indexNames]).toEqual(['byFolder']);
    db.close();
  });

  it('upgrades a version-3 database: keeps tags and drafts, adds the review stores', async () => {
    const name = freshName();
    await makeVersion2(name);
    // Version 3 as that build's `upgrade` left it: tags keyed [folder, name] by folder, drafts by folder.
    const v3 = await openDB(name, 3, {
      upgrade(db) {
        db.createObjectStore('tags', { keyPath: ['folder', 'name'] }).createIndex('byFolder', 'folder');
        db.createObjectStore('autotagDrafts', { keyPath: 'folder' });
      },
    });
    await v3.put('tags', { folder: 'demo', name: 'night', threshold: 0.5 });
    await v3.put('autotagDrafts', { folder: 'demo', name: 'rain', batch: ['a.jpg'] });
    v3.close();

    const db = await openDatabase(name);
    expect(db.version).toBe(4);
    expect(await db.get('tags', ['demo', 'night'])).toMatchObject({ threshold: 0.5 });
    expect(await db.get('autotagDrafts', 'demo')).toMatchObject({ name: 'rain', batch: ['a.jpg'] });
    expect(await db.get('folders', 'last')).toMatchObject({ name: 'demo' });
    expect(db.transaction('editSteps').store.keyPath).toEqual(['folder', 'step']);
    expect(db.transaction('editCursors').store.keyPath).toBe('folder');
    expect([...db.transaction('slices').store.indexNames]).toEqual(['byFolder']);
    expect([...db.transaction('manualTags').store.indexNames]).toEqual(['byFolder']);
    db.close();
  });

  it('creates every store in a brand-new database', async () => {
    const db = await openDatabase(freshName());
    expect(db.objectStoreNames.length).toBe(9);
    expect(db.transaction('tags').store.keyPath).toEqual(['folder', 'name']);
    expect(db.transaction('autotagDrafts').store.keyPath).toBe('folder');
    db.close();
  });
});
