import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../../src/lib/core/errors';
import { resetDatabaseConnection } from '../../../src/lib/storage/db';
import {
  alignScores,
  checkTagName,
  TagStore,
  unscoredCount,
  type AutotagDraft,
  type TagRecord,
} from '../../../src/lib/storage/tagStore';

beforeEach(() => {
  // A fresh IndexedDB per test: nothing leaks between them.
  globalThis.indexedDB = new IDBFactory();
  resetDatabaseConnection();
});
afterEach(() => resetDatabaseConnection());

function tagNamed(name: string, folder = 'demo'): TagRecord {
  return {
    folder,
    name,
    set: 'images',
    model: 'tiny#1',
    seed: { kind: 'examples', positives: ['a.jpg'], negatives: [] },
    classifier: { weights: Float32Array.of(0.5, -0.25, 1), bias: -0.125, dim: 3 },
    judgedItems: ['a.jpg', 'b.jpg'],
    judgedLabels: Uint8Array.of(1, 0),
    threshold: 0.5,
    rounds: [{ judged: 2, judgedYes: 1, positives: 1, flips: 0, threshold: 0.5, at: 10 }],
    updatedAt: 11,
    items: ['a.jpg', 'b.jpg', 'c.jpg'],
    scores: Float32Array.of(0.875, 0.125, 0.5),
  };
}

describe('TagStore', () => {
  it('round-trips a tag with its typed arrays, lists per folder by name, deletes', async () => {
    const store = await TagStore.open();
    await store.save(tagNamed('night'));
    await store.save(tagNamed('fog'));
    await store.save(tagNamed('night', 'other'));

    const night = await store.get('demo', 'night');
    expect(night?.scores).toBeInstanceOf(Float32Array);
    expect([...night!.scores]).toEqual([0.875, 0.125, 0.5]);
    expect([...night!.classifier!.weights]).toEqual([0.5, -0.25, 1]);
    expect([...night!.judgedLabels]).toEqual([1, 0]);
    expect((await store.list('demo')).map((tag) => tag.name)).toEqual(['fog', 'night']);

    await store.delete('demo', 'night');
    expect(await store.get('demo', 'night')).toBeNull();
    expect((await store.list('other')).map((tag) => tag.name)).toEqual(['night']);
  });

  it('keeps one draft per folder, replaced on every write, until cleared', async () => {
    const store = await TagStore.open();
    const { items: _items, scores: _scores, ...judgements } = tagNamed('night');
    const draft: AutotagDraft = { ...judgements, batch: ['c.jpg'] };
    await store.saveDraft(draft);
    await store.saveDraft({
      ...draft,
      judgedItems: ['a.jpg', 'b.jpg', 'c.jpg'],
      judgedLabels: Uint8Array.of(1, 0, 1),
    });

    const back = await store.getDraft('demo');
    expect(back?.judgedItems).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect([...back!.judgedLabels]).toEqual([1, 0, 1]);
    expect(await store.getDraft('other')).toBeNull();
    await store.clearDraft('demo');
    expect(await store.getDraft('demo')).toBeNull();
  });

  it('refuses a record whose scores do not match its items, naming the tag and field', async () => {
    const store = await TagStore.open();
    const broken = { ...tagNamed('night'), scores: Float32Array.of(1) };
    const error = await store.save(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).field).toBe('scores');
    expect((error as DataError).message).toContain('tag "night" of demo');
    expect((error as DataError).message).toContain('3 float32 scores');
  });

  it('refuses a threshold outside [0, 1] and mismatched judgements', async () => {
    const store = await TagStore.open();
    await expect(store.save({ ...tagNamed('x'), threshold: 1.5 })).rejects.toThrow(
      /threshold.*from 0 to 1.*1\.5/,
    );
    await expect(store.save({ ...tagNamed('x'), judgedLabels: Uint8Array.of(1) })).rejects.toThrow(
      /judgedLabels: expected 2 labels, got 1/,
    );
  });
});

describe('alignScores and unscoredCount', () => {
  it('maps stored scores onto the current items by key, NaN for new ones', () => {
    const tag = { items: ['a.jpg', 'b.jpg', 'c.jpg'], scores: Float32Array.of(0.875, 0.125, 0.5) };
    const aligned = alignScores(tag, ['c.jpg', 'new.jpg', 'a.jpg']);
    expect(aligned[0]).toBe(0.5);
    expect(aligned[1]).toBeNaN();
    expect(aligned[2]).toBe(0.875);
    expect(unscoredCount(tag, ['c.jpg', 'new.jpg', 'a.jpg', 'newer.jpg'])).toBe(2);
  });
});

describe('checkTagName', () => {
  it('accepts names the filter language prints bare and trims spaces', () => {
    expect(checkTagName(' night ')).toBe('night');
    expect(checkTagName('wet_road-2.v1')).toBe('wet_road-2.v1');
    expect(checkTagName('Nacht')).toBe('Nacht');
  });
  it('refuses spaces, colons and a leading dash', () => {
    for (const bad of ['night sky', 'a:b', '-x', '', 'a/b'])
      expect(() => checkTagName(bad)).toThrow(DataError);
  });
});
