import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../../src/lib/core/errors';
import type { Edit } from '../../../src/lib/core/review/edits';
import { openDatabase, resetDatabaseConnection } from '../../../src/lib/storage/db';
import { checkName, ReviewStore } from '../../../src/lib/storage/reviewStore';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDatabaseConnection();
});
afterEach(() => resetDatabaseConnection());

const accept = (image: string): Edit => ({
  kind: 'review',
  target: { kind: 'image', image },
  decision: 'accepted',
});

describe('ReviewStore edit log', () => {
  it('starts empty and keeps steps in order with the cursor after each', async () => {
    const store = await ReviewStore.open();
    expect(await store.history('demo')).toEqual({ steps: [], cursor: 0 });
    await store.record('demo', 0, [accept('a.jpg')]);
    await store.record('demo', 1, [accept('b.jpg'), accept('c.jpg')]);
    expect(await store.history('demo')).toEqual({
      steps: [[accept('a.jpg')], [accept('b.jpg'), accept('c.jpg')]],
      cursor: 2,
    });
  });

  it('keeps undone steps for redo until a new action drops them', async () => {
    const store = await ReviewStore.open();
    await store.record('demo', 0, [accept('a.jpg')]);
    await store.record('demo', 1, [accept('b.jpg')]);
    await store.record('demo', 2, [accept('c.jpg')]);
    await store.setCursor('demo', 1);
    expect((await store.history('demo')).steps).toHaveLength(3);
    expect((await store.history('demo')).cursor).toBe(1);

    await store.record('demo', 1, [accept('d.jpg')]);
    expect(await store.history('demo')).toEqual({ steps: [[accept('a.jpg')], [accept('d.jpg')]], cursor: 2 });
  });

  it('keeps folders apart, including folders whose names share a prefix', async () => {
    const store = await ReviewStore.open();
    await store.record('demo', 0, [accept('a.jpg')]);
    await store.record('demo2', 0, [accept('z.jpg')]);
    expect((await store.history('demo')).steps).toEqual([[accept('a.jpg')]]);
    expect((await store.history('demo2')).steps).toEqual([[accept('z.jpg')]]);
  });

  it('replaces a whole history (project import) and reads it back', async () => {
    const store = await ReviewStore.open();
    await store.record('demo', 0, [accept('old.jpg')]);
    await store.record('demo', 1, [accept('old2.jpg')]);
    await store.replaceHistory('demo', { steps: [[accept('new.jpg')]], cursor: 0 });
    expect(await store.history('demo')).toEqual({ steps: [[accept('new.jpg')]], cursor: 0 });
  });

  it('reports a cursor past the log as a typed error naming the field', async () => {
    const store = await ReviewStore.open();
    await store.record('demo', 0, [accept('a.jpg')]);
    await store.setCursor('demo', 5);
    await expect(store.history('demo')).rejects.toThrow(DataError);
    await expect(store.history('demo')).rejects.toThrow(/cursor/);
  });

  it('a second connection sees a step as soon as record() resolved', async () => {
    const store = await ReviewStore.open();
    await store.record('demo', 0, [accept('a.jpg')]);
    resetDatabaseConnection();
    const db = await openDatabase();
    expect(await db.get('editSteps', ['demo', 0])).toEqual({
      folder: 'demo',
      step: 0,
      edits: [accept('a.jpg')],
    });
    expect(await db.get('editCursors', 'demo')).toEqual({ folder: 'demo', cursor: 1 });
  });
});

describe('ReviewStore slices and manual tags', () => {
  const slice = (name: string, paths: string[]) => ({
    folder: 'demo',
    name,
    description: 'hard cases',
    paths,
    createdAt: 1,
    updatedAt: 2,
  });

  it('saves, renames in one step and deletes slices', async () => {
    const store = await ReviewStore.open();
    await store.putSlice(slice('rain', ['a.jpg']));
    await store.putSlice(slice('fog', ['b.jpg']));
    expect((await store.slices('demo')).map((s) => s.name)).toEqual(['fog', 'rain']);
    await store.putSlice(slice('storm', ['a.jpg']), 'rain');
    expect((await store.slices('demo')).map((s) => s.name)).toEqual(['fog', 'storm']);
    await store.deleteSlice('demo', 'fog');
    expect(await store.slices('demo')).toEqual([slice('storm', ['a.jpg'])]);
  });

  it('refuses a name the filter language cannot write bare', async () => {
    const store = await ReviewStore.open();
    await expect(store.putSlice(slice('two words', []))).rejects.toThrow(/slice name/);
    expect(() => checkName('-x', 'tag')).toThrow(DataError);
    expect(checkName(' night_2 ', 'tag')).toBe('night_2');
    expect(() => checkName('x'.repeat(65), 'slice')).toThrow(/up to 64/);
    expect(checkName('x'.repeat(64), 'slice')).toHaveLength(64);
    expect(() => checkName('Not', 'slice')).toThrow(DataError);
    expect(checkName('notes', 'slice')).toBe('notes');
  });

  it('deletes a manual tag once nothing carries it', async () => {
    const store = await ReviewStore.open();
    const tag = { folder: 'demo', name: 'blurry', images: ['a.jpg'], boxes: ['gt:a.jpg#0'], updatedAt: 3 };
    await store.putManualTag(tag);
    expect(await store.manualTags('demo')).toEqual([tag]);
    await store.putManualTag({ ...tag, images: [], boxes: [] });
    expect(await store.manualTags('demo')).toEqual([]);
  });
});
