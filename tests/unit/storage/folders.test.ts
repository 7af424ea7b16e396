import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, resetDatabaseConnection } from '../../../src/lib/storage/db';
import type { ImportPlan } from '../../../src/lib/core/importPlan';
import {
  lastFolder,
  listingFingerprint,
  regainReadAccess,
  rememberedPlan,
  rememberFolder,
  rememberPlan,
} from '../../../src/lib/storage/folders';

/** A structured-clonable stand-in for a directory handle (Node has no File System Access API). */
function fakeHandle(name: string): FileSystemDirectoryHandle {
  return { kind: 'directory', name } as unknown as FileSystemDirectoryHandle;
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory() as unknown as typeof globalThis.indexedDB;
  resetDatabaseConnection();
});

afterEach(async () => {
  vi.restoreAllMocks();
  (await openDatabase()).close();
  resetDatabaseConnection();
});

describe('rememberFolder and lastFolder', () => {
  it('has no folder before one is remembered', async () => {
    expect(await lastFolder()).toBeNull();
  });

  it('gives back the handle remembered last, with its name and the time it was saved', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    await rememberFolder(fakeHandle('photos'));
    await rememberFolder(fakeHandle('scans'));

    expect(await lastFolder()).toEqual({ kind: 'directory', name: 'scans' });
    const records = await (await openDatabase()).getAll('folders');
    expect(records).toEqual([
      { handle: { kind: 'directory', name: 'scans' }, name: 'scans', savedAt: 1_700_000_000_000 },
    ]);
  });

  it('keeps the folder across connections', async () => {
    await rememberFolder(fakeHandle('photos'));
    (await openDatabase()).close();
    resetDatabaseConnection();
    expect(await lastFolder()).toEqual({ kind: 'directory', name: 'photos' });
  });
});

describe('regainReadAccess', () => {
  /** A handle whose permission answers are scripted; records the modes asked for. */
  function handleAnswering(query: PermissionState, request: PermissionState, asked: string[]) {
    return {
      name: 'photos',
      queryPermission: async ({ mode }: { mode: string }) => {
        asked.push(`query ${mode}`);
        return query;
      },
      requestPermission: async ({ mode }: { mode: string }) => {
        asked.push(`request ${mode}`);
        return request;
      },
    } as unknown as FileSystemDirectoryHandle;
  }

  it('does not prompt when read access is still granted', async () => {
    const asked: string[] = [];
    expect(await regainReadAccess(handleAnswering('granted', 'denied', asked))).toBe(true);
    expect(asked).toEqual(['query read']);
  });

  it('asks for read access, and only read access, otherwise', async () => {
    const asked: string[] = [];
    expect(await regainReadAccess(handleAnswering('prompt', 'granted', asked))).toBe(true);
    expect(asked).toEqual(['query read', 'request read']);
    expect(await regainReadAccess(handleAnswering('prompt', 'denied', []))).toBe(false);
  });

  it('says no for a handle without the permission methods', async () => {
    expect(await regainReadAccess(fakeHandle('photos'))).toBe(false);
  });
});

describe('rememberPlan and rememberedPlan', () => {
  const plan: ImportPlan = {
    images: 2,
    sources: [
      {
        format: 'coco',
        role: 'groundTruth',
        name: 'gt',
        files: ['gt.json'],
        description: 'COCO instances JSON gt.json',
        enabled: true,
      },
      {
        format: 'coco',
        role: 'predictions',
        name: 'detr',
        files: ['detr.json'],
        description: 'COCO results JSON detr.json',
        enabled: false,
      },
    ],
  };

  it('gives the plan back for the same folder and fingerprint only', async () => {
    await rememberPlan('photos', 'abc', plan);
    expect(await rememberedPlan('photos', 'abc')).toEqual(plan);
    expect(await rememberedPlan('photos', 'changed')).toBeNull();
    expect(await rememberedPlan('scans', 'abc')).toBeNull();
  });

  it('keeps one plan per folder beside the remembered handle, the last confirmed', async () => {
    await rememberFolder(fakeHandle('photos'));
    await rememberPlan('photos', 'abc', plan);
    const edited = { ...plan, sources: plan.sources.map((source) => ({ ...source, enabled: true })) };
    await rememberPlan('photos', 'def', edited);

    expect(await lastFolder()).toEqual({ kind: 'directory', name: 'photos' });
    expect(await rememberedPlan('photos', 'abc')).toBeNull();
    expect(await rememberedPlan('photos', 'def')).toEqual(edited);
  });

  it('fingerprints a listing by path, size and time, in any order', async () => {
    const a = { path: 'a.jpg', size: 10, lastModified: 1 };
    const b = { path: 'b/gt.json', size: 20, lastModified: 2 };
    const fingerprint = await listingFingerprint([a, b]);

    // SHA-256 of "a.jpg\0 10\0 1\nb/gt.json\0 20\0 2" (without the spaces), computed by node:crypto.
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update('a.jpg\u000010\u00001\nb/gt.json\u000020\u00002')
      .digest('hex');
    expect(fingerprint).toBe(expected);
    expect(await listingFingerprint([b, a])).toBe(fingerprint);
    expect(await listingFingerprint([a, { ...b, lastModified: 3 }])).not.toBe(fingerprint);
    expect(await listingFingerprint([a, { ...b, size: 21 }])).not.toBe(fingerprint);
    expect(await listingFingerprint([a])).not.toBe(fingerprint);
  });
});
